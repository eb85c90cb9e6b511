"""VGG16, the architecture of Simonyan & Zisserman (2015), built layer for layer as Keras builds it.

VGG's idea is a plain, repeated pattern: blocks of 3x3 convolutions (``padding="same"``,
so the image keeps its size) followed by a 2x2 max pooling that halves it, with twice
the filters in each new block (64, 128, 256, 512, 512). At 224x224 the five blocks
leave a 7x7x512 feature map; the classifier on top flattens it into 25,088 numbers and
runs two Dense layers of 4096 units and a softmax over the 1000 ImageNet classes.

Parameter counts, as in Keras: 138,357,544 with the top, 14,714,688 without, most of
them (102,764,544) in ``fc1``. Built with the top, the model holds about 553 MB of
float32 weights; without it, 59 MB.

learnnet ships no ImageNet weights (and downloads nothing): ``weights="imagenet"`` is
refused at once. The architecture itself is what this module gives: read it with
``model.summary()``, or train it (on small images) with ``weights=None``.
"""
from ..layers import Conv2D, Dense, Flatten, GlobalAveragePooling2D, MaxPooling2D
from ..models import Model
from . import _common

# (filters, number of 3x3 convolutions) of each block
BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def VGG16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """Instantiates the VGG16 model, as ``keras.applications.VGG16``.

    Layers: ``block1_conv1``, ``block1_conv2``, ``block1_pool``, ... ``block5_pool``, then
    with the top ``flatten``, ``fc1``, ``fc2`` and ``predictions``.

    Args:
        include_top: whether to include the 3 fully-connected layers at the top.
        weights: ``None`` (random initialization) or the path of a weights file saved by
            ``model.save_weights``. ``"imagenet"`` raises a ValueError: learnnet ships no
            ImageNet weights and never downloads; ``MiniVGG(weights="digits")`` is pretrained.
            (Unlike Keras, the default is therefore ``None``.)
        input_tensor: optional symbolic tensor (``Input(...)`` or a layer's output) to use
            as the image input.
        input_shape: ``(height, width, channels)``, channels last; height and width at least
            32. With ``include_top=True`` it must be static; by default ``(224, 224, 3)``
            with the top and ``(None, None, 3)`` (any size) without.
        pooling: without the top, ``None`` (the output is the last block's 4-D feature map),
            ``"avg"`` (global average pooling: one number per channel) or ``"max"``.
        classes: the number of classes of the ``predictions`` layer (with the top).
        classifier_activation: the activation of ``predictions``; None gives the logits.
        name: the model's name.

    Returns:
        a functional ``Model``: ``model.input``, ``model.output`` and ``model.layers`` are
        there to build on, e.g. ``Model(inputs=base.input, outputs=Dense(10)(Flatten()(base.output)))``.
    """
    # Every check first: nothing is allocated before the arguments are known to be good.
    _common.check_weights(weights, "VGG16")
    include_top = bool(include_top)
    _common.check_choice(pooling, "pooling", (None, "avg", "max"))
    classes = _common.check_classes(classes)
    _common.check_classifier_activation(classifier_activation, pretrained=False)
    if pooling == "max":
        _common.global_max_pooling_layer()   # fails now if learnnet has no GlobalMaxPooling2D

    def check_shape(shape):
        return _common.input_shape_for(shape, default_size=224, min_size=32, channels=3,
                                       require_flatten=include_top, weights_name=None)

    img_input, inputs = _common.image_input(input_tensor, input_shape, check_shape)

    x = img_input
    for block, (filters, convs) in enumerate(BLOCKS, start=1):
        for i in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = _common.global_max_pooling_layer()()(x)

    model = Model(inputs, x, name=name)
    if weights is not None:
        model.load_weights(weights)
    return model
