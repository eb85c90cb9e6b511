"""learnnet.applications: VGG16 as Keras builds it, and MiniVGG with its shipped, pretrained weights.

The transfer-learning story of lesson 10 is checked end to end: the pretrained base,
frozen, with a new head trained on a few letters, beats the same network trained from
scratch on the same letters.
"""
import json
import os
import re
import socket
import tracemalloc

import numpy as np
import pytest

from learnnet import applications, datasets, initializers, utils
from learnnet.applications import VGG16, MiniVGG
from learnnet.applications import _common
from learnnet.layers import Dense, Flatten, Input
from learnnet.models import Model
from learnnet.optimizers import Adam


@pytest.fixture(scope="module", autouse=True)
def _single_threaded_blas():
    """Convolutions here are many small matrix products: one BLAS thread is faster on a busy CPU (threads
    that wait for each other cost far more than they save) and adds the terms in the same order everywhere,
    so the accuracies below repeat exactly. Uses threadpoolctl when installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# --------------------------------------------------------------------------- VGG16 ----

VGG16_LAYERS = ["block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
                "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
                "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool",
                "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool"]


def layer_table(model):
    """(name, type, output shape, parameter count) of every layer but the input, as summary() lists them."""
    return [(layer.name, type(layer).__name__, layer._inbound_nodes[-1].output_tensors[0].shape,
             layer.count_params()) for layer in model.layers[1:]]


@pytest.fixture
def no_random_init(monkeypatch):
    """Kernels start as untouched zeros (pages the OS does not even allocate) instead of random numbers,
    so VGG16 with its 553 MB top can be counted without filling that memory."""
    monkeypatch.setattr(initializers.VarianceScaling, "sample",
                        lambda self, shape: np.zeros(shape, dtype=np.float32))


def test_vgg16_has_kerass_layers_and_parameter_counts(no_random_init):
    base = VGG16(include_top=False, input_shape=(224, 224, 3))
    assert [layer.name for layer in base.layers[1:]] == VGG16_LAYERS
    assert base.output.shape == (None, 7, 7, 512)
    assert base.count_params() == 14_714_688
    full = VGG16()
    assert [layer.name for layer in full.layers[-4:]] == ["flatten", "fc1", "fc2", "predictions"]
    assert full.input.shape == (None, 224, 224, 3) and full.output.shape == (None, 1000)
    assert full.count_params() == 138_357_544
    assert full.get_layer("fc1").count_params() == 25088 * 4096 + 4096
    lines = []
    full.summary(print_fn=lines.append)
    assert "Total params: 138,357,544" in "\n".join(lines)


def test_vgg16_matches_the_installed_keras_layer_by_layer():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")

    def keras_table(model):
        return [(layer.name, type(layer).__name__, tuple(layer.output.shape), layer.count_params())
                for layer in model.layers[1:]]

    # Without the top at 224x224 (59 MB each), and with it on 32x32 images (fc1 then has 512 inputs).
    for kwargs in (dict(include_top=False, input_shape=(224, 224, 3)),
                   dict(include_top=True, input_shape=(32, 32, 3), classes=7)):
        ours, theirs = VGG16(weights=None, **kwargs), keras.applications.VGG16(weights=None, **kwargs)
        assert layer_table(ours) == keras_table(theirs)
        assert ours.count_params() == theirs.count_params()
    assert VGG16(include_top=False, pooling="avg").output.shape == \
        tuple(keras.applications.VGG16(weights=None, include_top=False, pooling="avg").output.shape)


def test_imagenet_weights_are_refused_at_once_naming_the_shipped_models():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as error:
            VGG16(weights="imagenet")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000          # nothing was built: the top alone would be 553 MB
    message = str(error.value)
    assert "ImageNet weights are not shipped" in message and "never downloads" in message
    assert "MiniVGG(weights='digits')" in message and "weights=None" in message


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(16, 16, 3), include_top=False), "Input size must be at least 32x32; Received: input_shape=(16, 16, 3)"),
    (dict(input_shape=(32, 32)), "`input_shape` must be a tuple of three integers"),
    (dict(input_shape=(None, None, 3)), "If `include_top` is True, you should specify a static `input_shape`"),
    (dict(weights="vgg.h5"), "The `weights` argument should be either `None` (random initialization)"),
    (dict(include_top=False, pooling="min"), "Received an invalid value for `pooling`, expected one of None, 'avg', 'max'"),
    (dict(classes=0), "Received an invalid value for `classes`, expected a positive integer. Received: classes=0"),
])
def test_vgg16_rejects_bad_arguments_in_kerass_words(kwargs, message):
    with pytest.raises(ValueError) as error:
        VGG16(**kwargs)
    assert message in str(error.value)


def test_vgg16_warns_as_keras_about_unusual_channel_counts():
    with pytest.warns(UserWarning, match="expects 1 or 3 input channels"):
        VGG16(include_top=False, input_shape=(32, 32, 4))


def test_vgg16_builds_on_an_input_tensor_and_keeps_what_came_before():
    inputs = Input(shape=(32, 32, 3))
    scaled = Dense(3, name="colour_mix")(inputs)
    model = VGG16(input_tensor=scaled, include_top=False)
    assert model.input is inputs and model.layers[1].name == "colour_mix"
    assert model.output.shape == (None, 1, 1, 512)


# -------------------------------------------------- the seed's transfer example ----

SEED_EXAMPLE = """\
from learnnet.applications import VGG16
from learnnet.models import Model
from learnnet.layers import Dense, Flatten
from learnnet.optimizers import Adam
# 加载预训练模型
base_model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
# 添加自定义层
x = base_model.output
x = Flatten()(x)
x = Dense(1024, activation='relu')(x)
x = Dense(512, activation='relu')(x)
output = Dense(10, activation='softmax')(x)
# 创建新的模型
model = Model(inputs=base_model.input, outputs=output)
# 编译模型
model.compile(loss='categorical_crossentropy', optimizer=Adam(lr=0.0001), metrics=['accuracy'])
# 训练模型
model.fit(X_train, y_train, epochs=10, batch_size=32)
"""


def test_the_seed_vgg16_example_runs_with_only_imports_weights_and_image_size_changed(capsys):
    # The seed's lines (section 4.2), with `from tensorflow.keras...` -> `from learnnet...`, the unused
    # ImageDataGenerator import dropped, weights='imagenet' -> None and 224x224 -> 32x32 images.
    rng = np.random.default_rng(0)
    X_train = rng.random((4, 32, 32, 3), dtype=np.float32)
    y_train = utils.to_categorical(np.arange(4), 10)
    utils.set_random_seed(0)
    namespace = {"X_train": X_train, "y_train": y_train}
    exec(SEED_EXAMPLE, namespace)
    model = namespace["model"]
    history = model.history.history
    assert len(history["loss"]) == 10 and history["loss"][-1] < history["loss"][0]
    assert model.count_params() == 14_714_688 + (512 * 1024 + 1024) + (1024 * 512 + 512) + (512 * 10 + 10)
    assert capsys.readouterr().out.count("Epoch ") == 10


# ------------------------------------------------------------------------ MiniVGG ----

def test_minivgg_is_vgg_shaped_with_vgg16s_layer_names():
    model = MiniVGG(weights=None)
    assert [layer.name for layer in model.layers[1:]] == [
        "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
        "block3_conv1", "block3_conv2", "block3_pool", "flatten", "fc1", "fc2", "predictions"]
    assert model.input.shape == (None, 28, 28, 1) and model.output.shape == (None, 10)
    assert model.count_params() == 163_450


def test_the_shipped_weights_are_small_float32_and_describe_themselves():
    path = _common.pretrained_path("MiniVGG", "digits")
    assert os.path.getsize(path) <= 2 * 1024 * 1024
    arrays, metadata = _common.read_weights_file(path)
    assert all(a.dtype == np.float32 for a in arrays.values())
    assert metadata == applications.pretrained_metadata()
    assert metadata["data"]["function"] == "learnnet.datasets.load_digits" and "date" not in json.dumps(metadata)
    sidecar = os.path.splitext(path)[0] + ".json"       # the readable copy in the source tree
    if os.path.exists(sidecar):
        with open(sidecar) as f:
            assert json.load(f) == metadata


def test_the_pretrained_minivgg_reaches_its_documented_accuracy_on_the_digits_test_split(monkeypatch):
    metadata = applications.pretrained_metadata()
    (_, _), (x_test, y_test) = datasets.load_digits(**metadata["data"]["arguments"])

    def no_network(*args, **kwargs):
        raise AssertionError("learnnet tried to open a network connection")
    monkeypatch.setattr(socket, "socket", no_network)
    model = MiniVGG()                                  # weights="digits": read from package data, offline
    monkeypatch.undo()
    accuracy = float(np.mean(model.predict(x_test, batch_size=250, verbose=0).argmax(axis=1) == y_test))
    assert accuracy == pytest.approx(metadata["test_accuracy"], abs=2 / len(y_test))
    documented = float(re.search(r"reach \*\*([\d.]+) %\*\*", MiniVGG.__doc__).group(1)) / 100
    assert accuracy == pytest.approx(documented, abs=0.001 + 2 / len(y_test))


def test_without_the_top_the_convolutional_weights_load_for_any_image_size():
    arrays, _ = _common.read_weights_file(_common.pretrained_path("MiniVGG", "digits"))
    for shape in [(28, 28, 1), (40, 36, 1), None]:
        base = MiniVGG(include_top=False, input_shape=shape)
        assert [layer.name for layer in base.layers][-1] == "block3_pool"
        np.testing.assert_array_equal(base.get_layer("block2_conv1").kernel, arrays["block2_conv1/kernel"])
    assert MiniVGG(include_top=False, input_shape=(40, 36, 1)).output.shape == (None, 5, 4, 64)


def test_weights_none_gives_a_fresh_random_network():
    utils.set_random_seed(0)
    first = MiniVGG(weights=None).get_layer("block1_conv1").kernel
    arrays, _ = _common.read_weights_file(_common.pretrained_path("MiniVGG", "digits"))
    assert not np.allclose(first, arrays["block1_conv1/kernel"])
    utils.set_random_seed(0)
    np.testing.assert_array_equal(first, MiniVGG(weights=None).get_layer("block1_conv1").kernel)


def test_weights_can_be_a_file_saved_by_save_weights(tmp_path):
    utils.set_random_seed(3)
    trained = MiniVGG(weights=None, input_shape=(32, 32, 1), classes=5)
    path = tmp_path / "mine.weights.h5"
    trained.save_weights(path)
    loaded = MiniVGG(weights=str(path), input_shape=(32, 32, 1), classes=5)
    for a, b in zip(trained.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_an_input_tensor_must_stand_for_images():
    with pytest.raises(ValueError, match=r"`input_tensor` must stand for images"):
        MiniVGG(weights=None, input_tensor=Input(shape=(100,)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(28, 28, 3)), "The input must have 1 channel to use the 'digits' weights"),
    (dict(input_shape=(32, 32, 1)), "When setting `include_top=True` and loading `digits` weights, `input_shape` "
                                    "should be (28, 28, 1)"),
    (dict(classes=26), "If using `weights='digits'` with `include_top=True`, `classes` should be 10"),
    (dict(classifier_activation="sigmoid"), "Only `None` and `softmax` activations are allowed"),
    (dict(include_top=False, input_shape=(4, 4, 1)), "Input size must be at least 8x8"),
    (dict(weights="imagenet"), "ImageNet weights are not shipped with learnnet"),
])
def test_minivgg_rejects_bad_arguments_in_kerass_words(kwargs, message):
    with pytest.raises(ValueError) as error:
        MiniVGG(**kwargs)
    assert message in str(error.value)


def test_minivgg_with_random_weights_takes_any_classes_and_channels():
    model = MiniVGG(weights=None, input_shape=(32, 32, 3), classes=26, classifier_activation=None)
    assert model.output.shape == (None, 26) and model.get_layer("block1_conv1").kernel.shape == (3, 3, 3, 16)


# ------------------------------------------------------------- transfer learning ----

# Lesson 10's task, exactly: the letters A-J, 5 labelled images of each (50 in all), 200 test letters.
LETTERS = 10
FEW_SHOT = dict(n_per_class=5, n_test_per_class=20, seed=1)   # load_letters: 5 labelled letters per class
EPOCHS = 10


def letters_classifier(weights, freeze):
    """Lesson 10's model: MiniVGG's convolutional base and the seed example's Flatten/Dense head."""
    base_model = MiniVGG(weights=weights, include_top=False, input_shape=(28, 28, 1))
    if freeze:
        base_model.trainable = False
    x = Flatten()(base_model.output)
    x = Dense(1024, activation="relu")(x)
    x = Dense(512, activation="relu")(x)
    output = Dense(LETTERS, activation="softmax")(x)
    model = Model(inputs=base_model.input, outputs=output)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(lr=0.0001), metrics=["accuracy"])
    return base_model, model


@pytest.fixture(scope="module")
def few_letters():
    """Lesson 10's data: the first ten letters of ``load_letters``, one-hot."""
    (x, labels), (x_test, labels_test) = datasets.load_letters(**FEW_SHOT)
    keep, keep_test = labels < LETTERS, labels_test < LETTERS
    return ((x[keep], utils.to_categorical(labels[keep], LETTERS)),
            (x_test[keep_test], utils.to_categorical(labels_test[keep_test], LETTERS)))


def test_transfer_from_digits_beats_training_from_scratch_and_fine_tuning_adds_to_it(few_letters):
    # What lesson 10 states and measures: the frozen pretrained base reads letters in unseen fonts
    # (77 % there), the same network from scratch on the same 50 images barely beats guessing (14.5 %),
    # and fine-tuning block3 for 3 epochs at a ten times smaller learning rate adds to it (82.5 %).
    (x_train, y_train), (x_test, y_test) = few_letters
    assert len(x_train) == 50 and len(x_test) == 200
    results = {}
    for label, weights, freeze in [("transfer", "digits", True), ("scratch", None, False)]:
        utils.set_random_seed(0)
        base_model, model = letters_classifier(weights, freeze)
        frozen = base_model.get_weights()
        model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
        results[label] = model.evaluate(x_test, y_test, verbose=0)[1]
        if freeze:    # the frozen base kept exactly what it learned on digits
            for before, after in zip(frozen, base_model.get_weights()):
                np.testing.assert_array_equal(before, after)
            transfer_base, transfer_model = base_model, model
    transfer_base.trainable = True        # the lesson's fine-tuning: block3 only, learning rate / 10
    for layer in transfer_base.layers:
        if not layer.name.startswith("block3"):
            layer.trainable = False
    transfer_model.compile(loss="categorical_crossentropy", optimizer=Adam(lr=0.00001), metrics=["accuracy"])
    transfer_model.fit(x_train, y_train, epochs=3, batch_size=32, verbose=0)
    results["fine-tuned"] = transfer_model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"letters A-J test accuracy, {FEW_SHOT['n_per_class']} examples per class, {EPOCHS} epochs: {results}")
    assert results["transfer"] > 0.7 and results["scratch"] < 0.25
    assert results["fine-tuned"] > results["transfer"]
