"""Drawing helpers: geometry and the network diagram (the widgets' shared toolkit)."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from learnnet.plotting import NetworkDiagram, input_grid, line_in_box, new_figure, tangent_segment, weight_colors


def test_input_grid_rows_cover_the_box_and_reshape_to_an_image():
    points, shape = input_grid((-1, 1), (0, 2), resolution=5)
    assert points.shape == (25, 2) and shape == (5, 5)
    assert tuple(points[0]) == (-1, 0) and tuple(points[-1]) == (1, 2)
    assert points.reshape(*shape, 2)[0, -1, 0] == 1  # row 0 is the bottom edge, going right


@pytest.mark.parametrize("w, b", [((1, 1), 0), ((1, 0), 0.5), ((0, 2), -1), ((3, -1), 2)])
def test_line_in_box_gives_two_points_on_the_line_inside_the_box(w, b):
    xs, ys = line_in_box(w, b, (-3, 3), (-3, 3))
    assert len(xs) == 2
    np.testing.assert_allclose(w[0] * xs + w[1] * ys + b, 0, atol=1e-9)
    assert np.all(np.abs(xs) <= 3 + 1e-9) and np.all(np.abs(ys) <= 3 + 1e-9)


def test_line_in_box_is_empty_when_the_line_misses_the_box_or_is_undefined():
    assert len(line_in_box((1, 0), 10, (-3, 3), (-3, 3))[0]) == 0
    assert len(line_in_box((0, 0), 1, (-3, 3), (-3, 3))[0]) == 0


def test_tangent_segment_passes_through_the_point_with_the_slope():
    xs, ys = tangent_segment(1.0, 2.0, 0.5, half_width=2)
    assert tuple(xs) == (-1.0, 3.0) and tuple(ys) == (1.0, 3.0)


def test_weight_colors_blue_positive_red_negative_width_by_magnitude():
    rgba, widths = weight_colors([2.0, -1.0, 0.0])
    assert rgba[0, 2] > rgba[0, 0] and rgba[1, 0] > rgba[1, 2]
    assert widths[0] > widths[1] > widths[2]


def test_network_diagram_maps_kernels_values_labels_and_highlights():
    fig = new_figure((5, 3), interactive=False)
    d = NetworkDiagram(fig.add_subplot(), [2, 3, 1], layer_titles=["in", "h", "out"])
    assert len(d.edges) == 2 * 3 + 3 * 1 and len(d.nodes) == 6
    k1 = np.array([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]])
    d.set_weights([k1, np.ones((3, 1))])
    widths = d.edge_artist.get_linewidths()
    assert widths[d.edges.index((0, 0, 1))] == max(widths)  # |-2| is the largest weight
    d.set_values([[0.5, -1.0], None, [0.7]])
    assert [t.get_text() for t in d.node_texts] == ["0.50", "-1.00", "", "", "", "0.70"]
    d.label_layer_edges(0, k1)
    assert d.edge_texts[d.edges.index((0, 1, 2))].get_text() == "-1.00"
    assert not d.edge_texts[d.edges.index((1, 0, 0))].get_visible()
    d.highlight(nodes=[(1, 0)], edges=[(0, 0, 0)])
    alphas = d.edge_artist.get_colors()[:, 3]
    assert alphas[d.edges.index((0, 0, 0))] > 0.2 and alphas[d.edges.index((0, 1, 0))] == pytest.approx(0.12)
    with pytest.raises(ValueError, match="no neuron"):
        d.highlight(nodes=[(5, 0)])
    with pytest.raises(ValueError, match="shape"):
        d.set_weights([k1.T, np.ones((3, 1))])
    fig.savefig(__import__("io").BytesIO(), format="png")


def test_network_diagram_refuses_layers_too_wide_to_read():
    fig = new_figure((5, 3), interactive=False)
    with pytest.raises(ValueError, match="at most"):
        NetworkDiagram(fig.add_subplot(), [784, 10])


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (308, 900)])
def test_rgba_png_decodes_to_the_same_pixels_transparency_included(shape):
    import io

    from PIL import Image

    from learnnet.plotting.figures import rgba_png
    rng = np.random.default_rng(shape[1])
    rgba = rng.integers(0, 256, size=(*shape, 4), dtype=np.uint8)
    rgba[: shape[0] // 2, ..., 3] = 0                     # a transparent half, as in a diff image
    png = rgba_png(rgba)
    decoded = Image.open(io.BytesIO(png))
    decoded.load()                                        # a broken chunk or CRC fails here
    assert decoded.mode == "RGBA" and decoded.size == (shape[1], shape[0])
    np.testing.assert_array_equal(np.asarray(decoded), rgba)
