r"""Why networks need activations: stacked linear layers collapse into one.

Two Dense layers without activations compose into a single one:

.. math:: (x W_1 + b_1) W_2 + b_2 = x \, (W_1 W_2) + (b_1 W_2 + b_2)

and by induction any depth does. So without a non-linear activation between them, a deep
stack can compute nothing that one Dense layer could not.
"""
import numpy as np

from .core import Dense


def collapse_linear(layers, ignore_activations=False):
    """The single Dense layer that computes what ``layers`` (Dense, applied in order) compute without activations.

    Args:
        layers: built Dense layers, first applied first (e.g. ``model.layers``).
        ignore_activations: if False (default), a layer with a non-linear activation raises
            ``ValueError``, because no single linear layer equals it. If True, the result is the
            collapse of the same stack with its activations removed.

    Returns:
        A built float64 ``Dense`` with ``kernel = W_1 W_2 ... W_n`` and the matching bias.
    """
    layers = list(layers)
    if not layers:
        raise ValueError("`layers` is empty: pass at least one Dense layer.")
    for layer in layers:
        if not isinstance(layer, Dense) or not layer.built:
            raise ValueError(f"collapse_linear needs built Dense layers; received {layer!r}. "
                             "Call the layer (or the model) on some input first.")
        if layer.activation.name != "linear" and not ignore_activations:
            raise ValueError(
                f"Dense '{layer.name}' has activation '{layer.activation.name}': the stack is not linear, so no "
                "single Dense layer equals it. Pass ignore_activations=True to collapse it as if it had none."
            )
    kernel = layers[0].kernel.astype(np.float64)
    bias = layers[0].bias.astype(np.float64) if layers[0].use_bias else np.zeros(layers[0].units)
    for layer in layers[1:]:
        w = layer.kernel.astype(np.float64)
        kernel = kernel @ w                       # W = W_1 W_2
        bias = bias @ w                           # b = b_1 W_2 ...
        if layer.use_bias:
            bias = bias + layer.bias              # ... + b_2
    single = Dense(kernel.shape[1], dtype="float64", name=f"collapsed_{layers[0].name}_to_{layers[-1].name}")
    single.build((None, kernel.shape[0]))
    single.set_weights([kernel, bias])
    return single
