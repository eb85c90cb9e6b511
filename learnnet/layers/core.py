"""Dense and Activation: the layers of a multi-layer perceptron."""
import numpy as np

from .. import activations as activations_module
from .. import initializers
from .. import regularizers
from .._checks import positive_int
from .base import Layer


class Dense(Layer):
    r"""A fully connected layer: ``output = activation(x @ kernel + bias)``.

    Forward, for a batch ``x`` of shape ``(batch, in)``:

    .. math:: z = x W + b, \qquad y = f(z)

    Backward, given the upstream gradient :math:`g = dL/dy`:

    .. math::
        dL/dz = f'(z) \odot g, \qquad
        dL/dW = x^\top \, dL/dz, \qquad
        dL/db = \textstyle\sum_{\text{batch}} dL/dz, \qquad
        dL/dx = dL/dz \; W^\top

    Args:
        units: the number of neurons (output features).
        activation: a name (``"relu"``), an activation object, or ``None`` (linear).
        use_bias: whether to add ``b``.
        kernel_initializer, bias_initializer: how the weights start (Keras's defaults).
        kernel_regularizer, bias_regularizer: a penalty on the weights (``"l2"``,
            ``regularizers.l1(0.001)``...), added to the loss by ``fit``; see ``learnnet.regularizers``.
        input_dim / input_shape: the input's width, for the first layer of a ``Sequential``.

    Input shape: ``(batch, in)`` (or ``(batch, ..., in)``: applied to the last axis).
    Output shape: ``(batch, units)``.
    Weights: ``kernel`` of shape ``(in, units)`` and ``bias`` of shape ``(units,)``.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", f"Dense '{self.name}'")
        self.activation = activations_module.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)   # fit adds its penalty to the loss
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"Dense '{self.name}' needs a known input width; received input shape {input_shape}.")
        self.add_weight("kernel", (in_features, self.units), self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (self.units,), self.bias_initializer)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def _shape_message(self, received):
        return (
            f"Dense '{self.name}' expects {self.input_shape[-1]} input features, received shape {received}. "
            f"Its kernel is {self.kernel.shape}: check the previous layer's units or the model's input_dim."
        )

    def forward(self, x, training=False):
        x = self.check_input(x)
        z = x @ self.kernel
        if self.use_bias:
            z += self.bias
        y = self.activation.forward(z)
        self.cache = (x, z)
        return y

    def backward(self, upstream_grad):
        x, z = self.cache
        dz = self.activation.backward(z, upstream_grad)        # dL/dz = f'(z) * dL/dy
        x2d, dz2d = x.reshape(-1, x.shape[-1]), dz.reshape(-1, self.units)
        self.grads["kernel"] = x2d.T @ dz2d                   # dL/dW = x^T dL/dz
        if self.use_bias:
            self.grads["bias"] = dz2d.sum(axis=0)             # dL/db = sum over the batch
        if not self.input_gradient_needed:                    # the model's input: fit needs no dL/dx
            return None
        return dz @ self.kernel.T                             # dL/dx = dL/dz W^T

    def backward_from_z(self, dz):
        """``backward`` from its second line on, when dL/dz is already known: ``fit`` starts here
        when a softmax meets cross-entropy, whose dL/dz is simply (p - t) / N
        (``CategoricalCrossentropy.value_and_softmax_gradient``)."""
        x, z = self.cache
        x2d, dz2d = x.reshape(-1, x.shape[-1]), dz.reshape(-1, self.units)
        self.grads["kernel"] = x2d.T @ dz2d                   # dL/dW = x^T dL/dz
        if self.use_bias:
            self.grads["bias"] = dz2d.sum(axis=0)             # dL/db = sum over the batch
        if not self.input_gradient_needed:                    # the model's input: fit needs no dL/dx
            return None
        return dz @ self.kernel.T                             # dL/dx = dL/dz W^T

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations_module.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["activation"] = activations_module.deserialize(config["activation"])
        config["kernel_initializer"] = initializers.deserialize(config["kernel_initializer"])
        config["bias_initializer"] = initializers.deserialize(config["bias_initializer"])
        for key in ("kernel_regularizer", "bias_regularizer"):
            config[key] = regularizers.deserialize(config.get(key))
        return cls(**config)


class Activation(Layer):
    r"""Applies an activation function on its own: ``output = f(x)``.

    Backward: :math:`dL/dx = f'(x) \odot dL/dy` (softmax: its Jacobian-vector product).
    No weights.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations_module.get(activation)

    def forward(self, x, training=False):
        x = self.check_input(x)
        self.cache = x
        return self.activation.forward(x)

    def backward(self, upstream_grad):
        return self.activation.backward(self.cache, upstream_grad)

    def backward_from_z(self, dz):
        """dL/dx when dL/d(input) is already known (``fit``'s softmax + cross-entropy shortcut): itself."""
        return dz

    def get_config(self):
        return {**super().get_config(), "activation": activations_module.serialize(self.activation)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["activation"] = activations_module.deserialize(config["activation"])
        return cls(**config)
