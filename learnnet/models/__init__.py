"""Models: ``Sequential`` (a stack of layers) and ``Model`` (a graph of layers), with Keras's
``compile``/``fit``/``evaluate``/``predict``/``summary``, and saving (``model.save``/``load_model``)."""
from .functional import Model
from .sequential import Sequential
from .saving import load_model

__all__ = ["Model", "Sequential", "load_model"]
