"""Layers: the building blocks of a network. Each has ``forward`` and ``backward`` side by side."""
from .base import Layer, clear_session
from .core import Activation, Dense
from .input_layer import Input, InputLayer
from .conv import Conv2D
from .merge import Add, Concatenate
from .normalization import BatchNormalization
from .pooling import AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D
from .regularization import Dropout
from .reshaping import Flatten, Reshape

__all__ = ["Layer", "Dense", "Activation", "clear_session"]
__all__ += ["Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "BatchNormalization",
            "Dropout", "Flatten", "Reshape", "Add", "Concatenate"]
__all__ += ["Input", "InputLayer"]
