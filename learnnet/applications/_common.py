"""What the model builders share: Keras's argument checks, the image input, and weights files.

A builder (``VGG16``, ``MiniVGG``) checks every argument first, so that a mistake is
reported before any weight array is allocated; then it calls layers on an ``Input``
to make a functional ``Model``; then it loads weights into that model, by layer name.

A pretrained weights file is an ``.npz`` archive with one array per weight, named
``"<layer name>/<weight name>"`` (``"block1_conv1/kernel"``), plus ``"metadata"``: a
JSON text saying how the weights were made and how well they do. Loading by name is
what lets ``include_top=False`` take the convolutional weights alone, and lets them
work on images of another size: a convolution's kernel does not depend on the image size.
"""
import json
import os
import warnings

import numpy as np

from .. import activations
from ..layers.input_layer import Input, InputLayer, SymbolicTensor

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")

# The pretrained weights that ship with learnnet: builder name -> {weights name: file in weights/}.
PRETRAINED = {
    "MiniVGG": {"digits": "mini_vgg_digits.npz"},
}


def pretrained_models():
    """``["MiniVGG(weights='digits')", ...]``: every model whose pretrained weights ship with learnnet."""
    return [f"{model}(weights={name!r})" for model, files in PRETRAINED.items() for name in files]


# ----------------------------------------------------------------------------- checks ----

def check_weights(weights, model_name):
    """``weights`` must be None, a name in ``PRETRAINED[model_name]`` or the path of a weights file.

    ``"imagenet"`` (or any other name) fails here, before anything is built: learnnet never
    downloads, and ships only the weights ``pretrained_models()`` lists.
    """
    shipped = PRETRAINED.get(model_name, {})
    if weights is None or weights in shipped:
        return
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights):
        return
    if weights == "imagenet":
        raise ValueError(
            f"{model_name}: ImageNet weights are not shipped with learnnet, and learnnet never downloads anything. "
            f"Use weights=None for the architecture with random weights, or a model that ships pretrained "
            f"weights: {', '.join(pretrained_models())} (see learnnet.applications). Received: weights='imagenet'"
        )
    names = ", ".join(repr(name) for name in shipped)
    raise ValueError(
        "The `weights` argument should be either `None` (random initialization)"
        + (f", {names} (the pretrained weights shipped with learnnet)" if names else "")
        + ", or the path to the weights file to be loaded. Models with shipped pretrained weights: "
        + ", ".join(pretrained_models()) + f". Received: weights={weights!r}"
    )


def check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"Received an invalid value for `{name}`, expected one of "
                         f"{', '.join(map(repr, choices))}. Received: {name}={value!r}")
    return value


def check_classes(classes):
    if isinstance(classes, bool) or not isinstance(classes, (int, np.integer)) or classes <= 0:
        raise ValueError(f"Received an invalid value for `classes`, expected a positive integer. "
                         f"Received: classes={classes!r}")
    return int(classes)


def check_classifier_activation(classifier_activation, pretrained):
    """As Keras: pretrained weights were trained with softmax, so only ``"softmax"`` or None (logits) fit them."""
    activation = activations.get(classifier_activation)   # an unknown name fails here
    if pretrained and activation.name not in ("softmax", "linear"):
        raise ValueError(
            "Only `None` and `softmax` activations are allowed for the `classifier_activation` argument when "
            f"using pretrained weights, with `include_top=True`; Received: classifier_activation={classifier_activation!r}"
        )
    return classifier_activation


def global_max_pooling_layer():
    """The ``GlobalMaxPooling2D`` class for ``pooling="max"``, or a clear error while learnnet has none."""
    from .. import layers
    cls = getattr(layers, "GlobalMaxPooling2D", None)
    if cls is None:
        raise NotImplementedError("pooling='max' needs a GlobalMaxPooling2D layer, which learnnet does not have yet. "
                                  "Use pooling='avg' (GlobalAveragePooling2D) or pooling=None.")
    return cls


def input_shape_for(input_shape, default_size, min_size, channels, require_flatten, weights_name):
    """The sample shape ``(height, width, channels)`` the model is built for, checked as Keras checks it.

    Args:
        input_shape: what the user gave, or None for the default.
        default_size: the image side the model was designed (and pretrained) for.
        min_size: the smallest side its pooling layers accept.
        channels: the number of channels the pretrained weights expect.
        require_flatten: True with ``include_top``: the classifier's Flatten needs a fixed size.
        weights_name: the pretrained weights being loaded, or None.

    Without ``input_shape``: ``(default_size, default_size, channels)`` if the top is
    included, else ``(None, None, channels)``: any image size.
    """
    default_shape = (default_size, default_size, channels)
    if input_shape is None:
        shape = default_shape if require_flatten else (None, None, channels)
    else:
        if (not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3
                or any(d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d <= 0)
                       for d in input_shape)):
            raise ValueError("`input_shape` must be a tuple of three integers (height, width, channels), "
                             f"channels last. Received: input_shape={input_shape!r}")
        shape = tuple(None if d is None else int(d) for d in input_shape)
        if weights_name is not None and shape[-1] != channels:
            raise ValueError(f"The input must have {channels} channel{'s' if channels > 1 else ''} to use the "
                             f"'{weights_name}' weights; Received `input_shape={input_shape}`")
        if weights_name is None and shape[-1] not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was passed an "
                          f"input_shape with {shape[-1]} input channels.", stacklevel=5)
        if any(d is not None and d < min_size for d in shape[:2]):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}")
        if weights_name is not None and require_flatten and shape != default_shape:
            raise ValueError(f"When setting `include_top=True` and loading `{weights_name}` weights, `input_shape` "
                             f"should be {default_shape}.  Received: input_shape={input_shape}")
    if require_flatten and None in shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return shape


# ----------------------------------------------------------------------- the input ----

def image_input(input_tensor, input_shape, check_shape):
    """The tensor the first layer is called on, and the model's inputs.

    Without ``input_tensor``: a new ``Input(shape=input_shape)``, which is both.
    With one (``Input(...)`` or a layer's output): the model starts from it, and its
    inputs are the ``Input`` tensors it was made from (Keras's ``get_source_inputs``),
    so the model also runs whatever layers produced ``input_tensor``.
    ``check_shape(shape)`` validates the tensor's sample shape when no input_shape was given.
    """
    if input_tensor is None:
        img_input = Input(shape=check_shape(input_shape))
        return img_input, img_input
    if not isinstance(input_tensor, SymbolicTensor):
        raise TypeError("`input_tensor` must be a symbolic tensor, made by Input(...) or by calling layers on one "
                        f"(arrays go to fit/predict). Received: {type(input_tensor).__name__}")
    tensor_shape = tuple(input_tensor.shape[1:])
    if len(tensor_shape) != 3:
        raise ValueError("`input_tensor` must stand for images, shape (batch, height, width, channels); "
                         f"received a tensor of shape {input_tensor.shape}.")
    shape = check_shape(tensor_shape if input_shape is None else input_shape)
    if any(a is not None and b is not None and a != b for a, b in zip(shape, tensor_shape)):
        raise ValueError(f"`input_tensor` has sample shape {tensor_shape}, which does not match "
                         f"input_shape={input_shape}. Give one of them, or make them agree.")
    sources = source_inputs(input_tensor)
    return input_tensor, sources[0] if len(sources) == 1 else sources


def source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` was computed from, in the order they are met."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        node = t.node
        if isinstance(node.layer, InputLayer):
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
        else:
            stack.extend(reversed(node.input_tensors))
    return found


# ------------------------------------------------------------------ weights files ----

def weight_arrays(model):
    """``{"block1_conv1/kernel": array, ...}``: every weight of ``model``, named by layer and weight."""
    return {f"{layer.name}/{name}": getattr(layer, name) for layer in model._leaf_layers() for name in layer._names()}


def read_weights_file(path):
    """The arrays and the metadata (a dict) of a pretrained weights file."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "metadata"}
        metadata = json.loads(str(data["metadata"])) if "metadata" in data.files else {}
    return arrays, metadata


def pretrained_path(model_name, weights):
    """The path of a shipped weights file (package data, read offline)."""
    return os.path.join(WEIGHTS_DIR, PRETRAINED[model_name][weights])


def pretrained_metadata(model_name="MiniVGG", weights="digits"):
    """How shipped weights were made and how well they do: data, seed, training settings, test accuracy.

    ``pretrained_metadata()["test_accuracy"]`` is MiniVGG's accuracy on the held-out digits.
    """
    if weights not in PRETRAINED.get(model_name, {}):
        raise ValueError(f"No pretrained weights {weights!r} ship for {model_name!r}; the shipped ones are: "
                         f"{', '.join(pretrained_models())}.")
    return read_weights_file(pretrained_path(model_name, weights))[1]


def load_by_name(model, path):
    """Copy the weights of ``path`` into every layer of ``model`` that has weights, matching layer names.

    The file may hold more layers than the model (the classifier, when ``include_top=False``);
    every weight of the model must be in the file, with its shape. Everything is checked
    before any weight changes.
    """
    arrays, _ = read_weights_file(path)
    targets = weight_arrays(model)
    missing = [key for key in targets if key not in arrays]
    if missing:
        raise ValueError(f"The weights file '{path}' has no weights for {missing[:4]}: it was made for another "
                         f"architecture. It holds {sorted(arrays)[:6]}...")
    for key, target in targets.items():
        if arrays[key].shape != target.shape:
            raise ValueError(f"The weights file '{path}' holds {key} of shape {arrays[key].shape}, but the model's "
                             f"is {target.shape}: build the model with the input shape and classes it was trained for.")
    for key, target in targets.items():
        target[...] = arrays[key]
