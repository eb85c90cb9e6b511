"""learnnet: learn how neural networks really work by building, reading and training one.

The engine is plain NumPy, with every forward and backward pass written out to be
read; the API follows Keras, so what you learn here carries over to ``tf.keras``::

    import learnnet
    from learnnet.layers import Dense

    neuron = learnnet.Neuron(weights=[0.5, -1.0], bias=0.1, activation="sigmoid")
    neuron([1.0, 2.0])            # a = sigmoid(0.5*1 - 1*2 + 0.1)

    layer = Dense(3, activation="relu")
    y = layer.forward(x)          # x @ kernel + bias, then relu
    dx = layer.backward(dy)       # stores dL/dkernel, dL/dbias; returns dL/dx
    learnnet.gradcheck.check_layer(layer, x)   # proves backward right
"""
from . import activations, config, initializers, layers, losses, optimizers, regularizers, utils
from . import datasets, gradcheck
from . import callbacks, metrics, models
from . import applications, preprocessing
from .neuron import Neuron

__version__ = "0.1.0"

__all__ = ["Neuron", "activations", "config", "initializers", "layers", "losses", "optimizers", "regularizers",
           "utils", "datasets", "gradcheck", "callbacks", "metrics", "models", "applications", "preprocessing",
           "__version__"]
