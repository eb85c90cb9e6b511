"""MiniVGG: VGG16's design at the size of a lesson, pretrained on printed digits.

The same pattern as VGG16 (``learnnet/applications/vgg16.py``) -- blocks of two 3x3
convolutions and a 2x2 max pooling, the filters doubling from block to block -- with
three blocks instead of five, for 28x28 grayscale images::

    28x28x1  -> block1 (16 filters) -> 14x14x16
             -> block2 (32 filters) ->  7x7x32
             -> block3 (64 filters) ->  3x3x64  -> flatten (576) -> fc1 (128) -> fc2 (128) -> predictions (10)

163,450 parameters (71,792 in the convolutions): 654 KB of float32, where VGG16 holds 553 MB.
The layer names are VGG16's, so the transfer-learning code reads the same for both.
"""
from ..layers import Conv2D, Dense, Flatten, GlobalAveragePooling2D, MaxPooling2D
from ..models import Model
from . import _common

BLOCK_FILTERS = (16, 32, 64)   # two 3x3 convolutions per block, then a 2x2 max pooling
DENSE_UNITS = 128              # fc1 and fc2
DEFAULT_SIZE = 28
MIN_SIZE = 8                   # three 2x2 poolings need at least 8 pixels: 8 -> 4 -> 2 -> 1
CHANNELS = 1
DIGITS_CLASSES = 10


def MiniVGG(include_top=True, weights="digits", input_tensor=None, input_shape=None, pooling=None, classes=10,
            classifier_activation="softmax", name="mini_vgg"):
    """A small VGG-style network for 28x28 grayscale images; pretrained on ``load_digits`` by default.

    The shipped weights (``weights="digits"``) reach **100.0 %** accuracy on the test split of
    ``learnnet.datasets.load_digits(n_per_class=1000, n_test_per_class=100, seed=0)``: all 1,000
    test digits, drawn in 5 fonts the network never saw during training (on 3,000 fresh draws
    from those fonts, ``seed=123``, it gets 99.9 %). They come from 10 epochs of learnnet's own
    ``fit`` (Adam, learning rate 0.001, batches of 32) on that call's 10,000 training digits;
    ``scripts/train_pretrained.py`` repeats it (about 5 minutes of CPU) and records the recipe
    and the accuracy in the file's metadata: ``learnnet.applications.pretrained_metadata()``.

    Layers: ``block1_conv1``, ``block1_conv2``, ``block1_pool``, ..., ``block3_pool``, then with
    the top ``flatten``, ``fc1``, ``fc2``, ``predictions``: VGG16's names.

    Args:
        include_top: whether to include the classifier (``flatten``, ``fc1``, ``fc2``,
            ``predictions``). Without it, the model ends with the last block's feature map:
            the base for transfer learning.
        weights: ``"digits"`` (pretrained, the default), ``None`` (random initialization) or
            the path of a weights file saved by ``model.save_weights``. The convolutional
            weights load for any image size; the classifier's only at 28x28x1 with 10 classes.
        input_tensor: optional symbolic tensor (``Input(...)`` or a layer's output) to use
            as the image input.
        input_shape: ``(height, width, channels)``, channels last, height and width at least 8;
            1 channel with the pretrained weights. By default ``(28, 28, 1)`` with the top
            and ``(None, None, 1)`` (any size) without.
        pooling: without the top, ``None`` (4-D feature map), ``"avg"`` or ``"max"`` (global pooling).
        classes: the number of classes of ``predictions``; 10 with the pretrained top.
        classifier_activation: the activation of ``predictions``; None gives the logits.
        name: the model's name.

    Returns:
        a functional ``Model`` (``.input``, ``.output``, ``.layers``).
    """
    # Every check first: nothing is allocated before the arguments are known to be good.
    _common.check_weights(weights, "MiniVGG")
    pretrained = weights if weights in _common.PRETRAINED["MiniVGG"] else None
    include_top = bool(include_top)
    _common.check_choice(pooling, "pooling", (None, "avg", "max"))
    classes = _common.check_classes(classes)
    if pretrained and include_top and classes != DIGITS_CLASSES:
        raise ValueError(f"If using `weights='{pretrained}'` with `include_top=True`, `classes` should be "
                         f"{DIGITS_CLASSES}.  Received classes={classes}")
    _common.check_classifier_activation(classifier_activation, pretrained=bool(pretrained) and include_top)
    if pooling == "max" and not include_top:
        _common.global_max_pooling_layer()

    def check_shape(shape):
        return _common.input_shape_for(shape, default_size=DEFAULT_SIZE, min_size=MIN_SIZE, channels=CHANNELS,
                                       require_flatten=include_top, weights_name=pretrained)

    img_input, inputs = _common.image_input(input_tensor, input_shape, check_shape)

    x = img_input
    for block, filters in enumerate(BLOCK_FILTERS, start=1):
        x = Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv1")(x)
        x = Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv2")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)

    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(DENSE_UNITS, activation="relu", name="fc1")(x)
        x = Dense(DENSE_UNITS, activation="relu", name="fc2")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = _common.global_max_pooling_layer()()(x)

    model = Model(inputs, x, name=name)
    if pretrained:
        _common.load_by_name(model, _common.pretrained_path("MiniVGG", pretrained))
    elif weights is not None:
        model.load_weights(weights)
    return model
