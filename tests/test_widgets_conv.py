import numpy as np
import pytest

from learnnet import activations, utils
from learnnet.layers import Add, AveragePooling2D, Conv2D, Dense, Flatten, Input, MaxPooling2D
from learnnet.models import Model, Sequential
from learnnet.plotting.mosaic import mosaic
from learnnet.widgets.conv import PRESETS, ConvExplorer, FeatureMapViewer, layer_chain


@pytest.fixture
def explorer():
    w = ConvExplorer(interactive=False)
    yield w
    w.close()


def engine_feature_map(image, kernel, stride=1, padding="valid", activation=None):
    """An independent Conv2D with the same kernel: what the widget must show."""
    conv = Conv2D(1, 3, strides=stride, padding=padding, activation=activation, use_bias=False, dtype="float64")
    conv.build((None, 28, 28, 1))
    conv.set_weights([np.asarray(kernel, dtype=float)[:, :, None, None]])
    return conv.forward(image[None, :, :, None])[0, :, :, 0]


# ------------------------------------------------------------------------------ ConvExplorer

def test_conv_explorer_constructs_with_defaults_and_shows_the_engines_feature_map(explorer):
    assert explorer.controls["preset"].value == "vertical edges"
    np.testing.assert_array_equal(explorer.kernel, PRESETS["vertical edges"][1])
    assert explorer.feature_map.shape == (26, 26)
    np.testing.assert_allclose(explorer.feature_map, engine_feature_map(explorer.image, explorer.kernel))
    np.testing.assert_array_equal(explorer.conv.kernel[:, :, 0, 0], explorer.kernel)  # set by set_weights
    assert explorer.map_image.get_array().shape == (26, 26)
    assert "feature map 26×26" in explorer.readout()


def test_every_kernel_slider_sets_one_weight_and_the_map_follows(explorer):
    rng = np.random.default_rng(0)
    for i in range(3):
        for j in range(3):
            value = float(np.round(rng.uniform(-3, 3), 2))
            explorer.controls[f"k{i}{j}"].value = value
            assert explorer.kernel[i, j] == value
    np.testing.assert_allclose(explorer.feature_map, engine_feature_map(explorer.image, explorer.kernel))
    np.testing.assert_allclose(explorer.map_image.get_array(), explorer.feature_map)


def test_identity_and_blur_kernels_give_hand_computed_maps(explorer):
    explorer.set(preset="identity", image="A")
    np.testing.assert_allclose(explorer.feature_map, explorer.image[1:-1, 1:-1], atol=1e-12)  # each pixel, copied
    explorer.set(preset="blur", row=10, col=7)
    assert explorer.value == pytest.approx(explorer.image[10:13, 7:10].mean())
    explorer.set(padding="same", row=0, col=0)  # the corner window is 5 zeros of padding and 4 pixels
    assert explorer.value == pytest.approx(explorer.image[:2, :2].sum() / 9)


def test_a_preset_moves_all_nine_sliders_in_one_redraw_and_editing_makes_it_custom(explorer):
    before = explorer.update_count
    explorer.controls["preset"].value = "sharpen"
    assert explorer.update_count == before + 1
    np.testing.assert_array_equal(explorer._kernel_from_sliders(), PRESETS["sharpen"][1])
    explorer.controls["k00"].value = 0.5
    assert explorer.controls["preset"].value == "custom"
    assert explorer.kernel[0, 0] == 0.5 and explorer.kernel[1, 1] == 5
    explorer.controls["preset"].value = "gaussian blur"
    np.testing.assert_allclose(explorer.kernel, np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16)
    assert explorer.controls["preset"].value == "gaussian blur"


@pytest.mark.parametrize("stride, padding, size, pads", [
    (1, "valid", 26, ((0, 0), (0, 0))),
    (1, "same", 28, ((1, 1), (1, 1))),
    (2, "valid", 13, ((0, 0), (0, 0))),
    (2, "same", 14, ((0, 1), (0, 1))),       # TensorFlow puts the odd pixel at the bottom/right
    (3, "valid", 9, ((0, 0), (0, 0))),
    (3, "same", 10, ((1, 1), (1, 1))),
])
def test_stride_and_padding_set_the_size_keras_gives(explorer, stride, padding, size, pads):
    explorer.set(stride=stride, padding=padding)
    assert explorer.feature_map.shape == (size, size)
    assert explorer.pads == pads
    assert explorer.padded.shape == (28 + sum(pads[0]), 28 + sum(pads[1]))
    np.testing.assert_allclose(explorer.feature_map,
                               engine_feature_map(explorer.image, explorer.kernel, stride, padding))
    assert explorer.controls["row"].max == explorer.controls["col"].max == size - 1


def test_the_selected_output_is_the_weighted_sum_of_its_window(explorer):
    explorer.set(preset="outline", image="K", stride=2, padding="same", activation="relu", row=4, col=9)
    r0, c0 = 4 * 2, 9 * 2  # window (i, j) starts at (i * stride, j * stride) of the padded image
    np.testing.assert_array_equal(explorer.window, explorer.padded[r0:r0 + 3, c0:c0 + 3])
    z = float(np.sum(explorer.window * explorer.kernel))
    assert explorer.z_value == pytest.approx(z)
    assert explorer.value == pytest.approx(max(z, 0.0))
    assert explorer.value == explorer.feature_map[4, 9]
    assert explorer.window_box.get_xy() == (c0 - 0 - 0.5, r0 - 0 - 0.5)  # padded by 0 at the top/left
    assert "ReLU" in explorer.readout()


def test_relu_keeps_only_the_positive_part_of_the_map(explorer):
    linear = explorer.feature_map.copy()
    explorer.controls["activation"].value = "relu"
    np.testing.assert_allclose(explorer.feature_map, activations.relu.forward(linear))
    assert linear.min() < 0 and explorer.feature_map.min() == 0


def test_max_and_average_pooling_come_from_the_engine(explorer):
    explorer.set(pooling="max", row=7, col=12)
    expected = MaxPooling2D(2, dtype="float64").forward(explorer.feature_map[None, :, :, None])[0, :, :, 0]
    np.testing.assert_allclose(explorer.pooled, expected)
    assert explorer.pooled.shape == (13, 13)
    assert explorer.pool_position == (3, 6)
    np.testing.assert_array_equal(explorer.pool_window, explorer.feature_map[6:8, 12:14])
    assert explorer.pooled_value == pytest.approx(explorer.pool_window.max())
    explorer.controls["pooling"].value = "average"
    expected = AveragePooling2D(2, dtype="float64").forward(explorer.feature_map[None, :, :, None])[0, :, :, 0]
    np.testing.assert_allclose(explorer.pooled, expected)
    assert explorer.pooled_value == pytest.approx(explorer.pool_window.mean())
    np.testing.assert_allclose(explorer.pool_image.get_array(), explorer.pooled)


def test_pooling_drops_the_odd_last_row_and_says_so(explorer):
    explorer.set(stride=3, pooling="max", row=8, col=2)  # 9x9 -> 4x4: row 8 is in no window
    assert explorer.pooled.shape == (4, 4)
    assert explorer.pool_position is None and explorer.pooled_value is None
    assert "drops" in explorer.readout()
    explorer.controls["pooling"].value = "none"
    assert explorer.pooled is None and "no pooling" in explorer.readout()


def test_position_sliders_stay_inside_a_shrinking_map(explorer):
    explorer.set(padding="same", row=27, col=27)
    explorer.controls["stride"].value = 3
    assert explorer.position == (9, 9)
    assert explorer.value == explorer.feature_map[9, 9]


def test_clicking_the_feature_map_selects_that_pixel(explorer):
    class Click:
        inaxes, xdata, ydata = explorer.ax_map, 0.5 / 26 + 5 / 26, 20.2 / 26  # pixel (row 20, col 5)

    explorer._on_click(Click)
    assert explorer.position == (20, 5)


def test_conv_explorer_survives_every_setting():
    w = ConvExplorer(interactive=False)
    for preset in list(PRESETS) + ["custom"]:
        for stride in (1, 2, 3):
            for padding in ("valid", "same"):
                w.set(preset=preset, stride=stride, padding=padding, pooling="max", row=30, col=0)
                assert "nan" not in w.readout() and "inf" not in w.readout()
    for name in ("k00", "k11", "k22"):
        w.controls[name].value = w.controls[name].min
        w.controls[name].value = w.controls[name].max
    w.set(**{f"k{i}{j}": 0.0 for i in range(3) for j in range(3)})  # an all-zero kernel: a flat map
    assert np.all(w.feature_map == 0)
    w.close()


# -------------------------------------------------------------------------- FeatureMapViewer

@pytest.fixture
def small_cnn():
    utils.set_random_seed(3)
    return Sequential([Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(),
                       Conv2D(20, 3, activation="relu"), MaxPooling2D(), Flatten(), Dense(10, activation="softmax")])


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (5, 28, 28, 1)).astype("float32"), np.arange(5)


def test_viewer_layer_outputs_are_the_engines_forward_pass(small_cnn, digits):
    images, labels = digits
    v = FeatureMapViewer(small_cnn, images, labels, interactive=False)
    v.controls["image"].value = 2
    np.testing.assert_allclose(v.probabilities, small_cnn.predict(images[2:3], verbose=0)[0], rtol=1e-5)
    conv = small_cnn.layers[0]
    np.testing.assert_allclose(v.layer_outputs[conv.name], conv.forward(images[2:3])[0], rtol=1e-5, atol=1e-6)
    assert v.predicted_class == int(np.argmax(v.probabilities))
    assert [layer.name for layer in v.map_layers] == [layer.name for layer in small_cnn.layers[:4]]
    np.testing.assert_array_equal(v.filters, conv.kernel)
    v.close()


def test_viewer_shows_the_selected_layers_maps_each_on_its_own_scale(small_cnn, digits):
    images, labels = digits
    v = FeatureMapViewer(small_cnn, images, labels, interactive=False)
    second = small_cnn.layers[2]
    v.controls["layer"].value = second.name
    assert v.feature_maps.shape == (11, 11, 20)
    assert v.shown_channels == list(range(16))
    picture, boxes = mosaic(np.moveaxis(v.feature_maps[:, :, :16], -1, 0), 2, 8, scale_each=True)
    np.testing.assert_allclose(v.maps_image.get_array().filled(np.nan), picture)
    top, left, h, w = boxes[5]
    fmap = v.feature_maps[:, :, 5]
    if fmap.max() > fmap.min():
        np.testing.assert_allclose(picture[top:top + h, left:left + w], (fmap - fmap.min()) / (fmap.max() - fmap.min()))
    v.controls["first_channel"].value = 16           # the next page: channels 16-19
    assert v.shown_channels == [16, 17, 18, 19]
    v.controls["layer"].value = small_cnn.layers[0].name  # 8 channels: the page falls back to 0-7
    assert v.shown_channels == list(range(8))
    v.close()


def test_viewer_constructs_with_no_arguments_on_the_pretrained_network():
    v = FeatureMapViewer(interactive=False)
    assert v.conv_layers[0].name == "block1_conv1"
    assert v.predicted_class == v.label            # the pretrained network reads its first test digit
    v.controls["layer"].value = "block3_conv2"
    assert v.feature_maps.shape == (7, 7, 64)
    v.close()


def test_viewer_refuses_a_model_with_branches():
    inputs = Input(shape=(8, 8, 1))
    a = Conv2D(2, 3, padding="same")(inputs)
    b = Conv2D(2, 3, padding="same")(a)
    model = Model(inputs, Flatten()(Add()([a, b])))
    assert len(layer_chain(model)) == 4
    with pytest.raises(ValueError, match="plain chain"):
        FeatureMapViewer(model, np.zeros((2, 8, 8, 1)), interactive=False)


def test_viewer_refuses_images_without_a_batch_and_channel_axis(small_cnn):
    with pytest.raises(ValueError, match=r"x\[None, :, :, None\]"):
        FeatureMapViewer(small_cnn, np.zeros((28, 28)), interactive=False)


# ------------------------------------------------------------ the self-checks of lessons 09 and 10

def _conv_by_hand(image, kernel, stride):
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out


def test_conv_self_check_passes_a_correct_answer_and_names_the_usual_mistakes():
    from learnnet import exercises

    assert exercises.check_conv2d(_conv_by_hand).passed
    flipped = exercises.check_conv2d(lambda x, k, s: _conv_by_hand(x, k[::-1, ::-1], s))
    assert not flipped and "kernel flipped" in str(flipped)
    no_stride = exercises.check_conv2d(lambda x, k, s: _conv_by_hand(x, k, 1))
    assert not no_stride and "stride 1" in str(no_stride)


def _unfreeze_top(base_model, n_blocks):
    base_model.trainable = True
    for layer in base_model.layers:
        if layer.name.startswith("block"):
            layer.trainable = int(layer.name[len("block")]) > 3 - n_blocks


def test_unfreeze_self_check_passes_a_correct_answer_names_mistakes_and_leaves_the_seed_alone():
    from learnnet import exercises

    utils.set_random_seed(7)
    expected_draw = utils.get_rng().random()
    utils.set_random_seed(7)
    assert exercises.check_unfreeze_top(_unfreeze_top).passed
    assert utils.get_rng().random() == expected_draw      # building its MiniVGG drew nothing from the learner's seed

    def bottom_blocks(base_model, n_blocks):
        base_model.trainable = True
        for layer in base_model.layers:
            if layer.name.startswith("block"):
                layer.trainable = int(layer.name[len("block")]) <= n_blocks

    def layers_only(base_model, n_blocks):                  # forgets base_model.trainable = True
        for layer in base_model.layers:
            if layer.name.startswith("block"):
                layer.trainable = int(layer.name[len("block")]) > 3 - n_blocks

    assert "BOTTOM" in str(exercises.check_unfreeze_top(bottom_blocks))
    assert "base_model.trainable is still False" in str(exercises.check_unfreeze_top(layers_only))
