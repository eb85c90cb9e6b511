"""``Sequential``: a plain stack of layers, each feeding the next.

::

    model = Sequential()
    model.add(Dense(64, input_dim=100, activation="relu"))
    model.add(Dense(32, activation="relu"))
    model.add(Dense(10, activation="softmax"))

A Sequential model is the simplest graph: a chain. As soon as the input shape is
known (``input_dim``/``input_shape`` on the first layer, an ``Input`` first, or the
first batch of data) it calls each layer on the previous one's output, exactly as you
would write a functional model by hand, so every layer is built (its weights created)
and ``model.input``/``model.output`` exist. Forward and backward are then those of
``Model`` (``learnnet/models/functional.py``): forward through the chain, backward
through it in reverse, each layer's ``backward`` turning dL/d(its output) into
dL/d(its input).
"""
from ..layers.base import Layer, unique_name
from ..layers.input_layer import Input, InputLayer, SymbolicTensor
from .functional import Model, deserialize_layer, serialize_layer


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: an optional list of layers (an ``Input(...)`` may come first).
        name: the model's name; by default ``sequential``, ``sequential_1``...
    """

    def __init__(self, layers=None, name=None, trainable=True):
        self._init_model(name or unique_name("sequential"), trainable)
        self._input_tensor = None      # the Input the chain starts from, once the shape is known
        if layers is not None:
            if isinstance(layers, (Layer, SymbolicTensor)):
                raise TypeError("Sequential takes a *list* of layers: Sequential([Dense(64), Dense(10)]).")
            for layer in layers:
                self.add(layer)

    @property
    def layers(self):
        """The layers in order (without the input layer, as in Keras)."""
        return list(self._layers)

    def add(self, layer):
        """Add a layer on top of the stack. If the model is built, the layer is built now too,
        and a shape mismatch is reported here (the model is then left unchanged)."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer._keras_history[0], InputLayer):
            if self._layers or self._input_tensor is not None:
                raise ValueError("An Input can only come first in a Sequential model.")
            self._input_tensor = layer
            return
        if isinstance(layer, InputLayer):
            return self.add(layer.output)
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() takes a layer, e.g. model.add(Dense(10)); "
                            f"received {type(layer).__name__} {layer!r:.80}.")
        if any(existing.name == layer.name and existing is not layer for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names. Name '{layer.name}' "
                             "is already the name of a layer in this model. Update the `name` argument to pass a "
                             "unique name.")
        if self._input_tensor is None and not self._layers:
            shape = getattr(layer, "_input_shape_arg", None)
            if shape is None and isinstance(layer, Model) and layer.built:
                shape = tuple(layer.input_shape)[1:]
            if shape is not None:
                self._input_tensor = Input(shape=tuple(shape), dtype=layer.dtype)
        if self._input_tensor is not None:
            current = self.outputs[0] if self._layers else self._input_tensor
            output = layer(current)     # builds the layer; raises (changing nothing) on a bad shape
            self._layers.append(layer)
            self._set_graph(self._input_tensor, output)
        else:
            self._layers.append(layer)  # built later, when the input shape is known
        self._leaves = None

    def _set_graph(self, inputs, outputs):
        layers = list(self._layers)
        super()._set_graph(inputs, outputs)
        self._layers = layers           # keep the stack itself (without the InputLayer)

    def pop(self):
        """Remove the last layer."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._leaves = None
        if self.built and self._layers:
            self._set_graph(self._input_tensor, self._chain_output())
        elif not self._layers:
            self.built = False
        return layer

    def _chain_output(self):
        """The output tensor of the last layer's call in this chain."""
        tensor = self._input_tensor
        for layer in self._layers:
            tensor = next(n.output_tensors[0] for n in layer._inbound_nodes
                          if n.input_tensors and n.input_tensors[0] is tensor)
        return tensor

    def build(self, input_shape=None):
        """Build every layer for batches of ``input_shape`` (batch axis first, e.g. ``(None, 100)``)."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument, e.g. model.build((None, 100)).")
        if not self._layers:
            raise ValueError(f"Sequential model '{self.name}' has no layers yet: add some first.")
        tensor = Input(batch_shape=(None,) + tuple(input_shape)[1:], dtype=self._layers[0].dtype)
        start = tensor
        for layer in self._layers:
            tensor = layer(tensor)
        self._input_tensor = start
        self._set_graph(start, tensor)

    def compute_output_shape(self, input_shape):
        if self.built:
            return super().compute_output_shape(input_shape)
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def _build_from_data(self, inputs):
        """Build from the first batch's shape (Keras's deferred build)."""
        if isinstance(inputs, (list, tuple)):
            raise ValueError("A Sequential model has one input; received a list of arrays.")
        shape = getattr(inputs, "shape", None)
        if shape is None or len(shape) < 2:
            raise ValueError(f"Sequential model '{self.name}' expects a batch of samples (batch axis first); "
                             f"received {type(inputs).__name__} of shape {shape}. For one sample use x[None].")
        self.build((None,) + tuple(shape[1:]))

    def get_config(self):
        build_shape = list(self.inputs[0].shape) if self.built else None
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(layer) for layer in self._layers], "build_input_shape": build_shape}

    @classmethod
    def from_config(cls, config):
        model = cls(name=config["name"])
        for layer_config in config["layers"]:
            model.add(deserialize_layer(layer_config))
        if config.get("build_input_shape") is not None and not model.built:
            model.build(tuple(config["build_input_shape"]))
        trainable = config.get("trainable", True)
        model._trainable = trainable
        return model
