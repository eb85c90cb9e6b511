"""Lesson 09 widgets: what a convolution does to an image, and what a trained CNN sees.

- ``ConvExplorer``: edit one 3x3 kernel (sliders or presets: edges, blur, sharpen...) and watch
  the feature map it makes of a character from ``learnnet.datasets``; stride, padding, ReLU and
  2x2 pooling are controls, and one output pixel is traced back to the window it was computed
  from.
- ``FeatureMapViewer``: a trained convolutional network, one input image, the filters of its first
  convolution and the feature maps every convolution and pooling layer produces.

Neither widget convolves anything itself: the feature maps are the outputs of the engine's
``Conv2D``, ``MaxPooling2D`` and ``AveragePooling2D`` (``learnnet/layers/conv.py``,
``pooling.py``), with the kernel put in place by ``set_weights``; the windows shown are the ones
the engine's ``pad_images`` and ``sliding_windows`` read.
"""
import ipywidgets
import numpy as np

from .. import datasets
from ..layers import AveragePooling2D, Conv2D, MaxPooling2D
from ..layers.conv import pad_images, sliding_windows
from ..plotting import HIGHLIGHT, NEUTRAL, POSITIVE, SURFACE_CMAP, VALUE_CMAP
from ..plotting.mosaic import mosaic
from ._base import LessonWidget

# ------------------------------------------------------------------------------ ConvExplorer

KERNEL_SIZE = 3
KERNEL_RANGE = 8.0   # the sliders go from -8 to 8: the "outline" kernel needs its 8
POOL = 2             # 2x2 pooling windows, side by side (stride 2), as in most CNNs

# name -> (label in the menu, 3x3 kernel). Cross-correlation, as Conv2D computes it: the kernel
# is laid on the window as it is written here, not flipped.
PRESETS = {
    "vertical edges": ("edges: vertical (Sobel x)", [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "horizontal edges": ("edges: horizontal (Sobel y)", [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "outline": ("edges: all directions (outline)", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]]),
    "blur": ("blur (box: mean of 9)", np.full((3, 3), 1 / 9)),
    "gaussian blur": ("blur (Gaussian)", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16),
    "sharpen": ("sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "emboss": ("emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
    "identity": ("identity (copy the pixel)", [[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
}
PRESETS = {name: (label, np.asarray(kernel, dtype=float)) for name, (label, kernel) in PRESETS.items()}
CUSTOM = "custom"
KERNEL_STEP = 0.01
POOLINGS = {"none": None, "max": MaxPooling2D, "average": AveragePooling2D}


def sample_characters(seed=0, noise=0.0):
    """One image of every character 0-9 and A-Z from ``datasets.load_glyphs``: ``{char: (28, 28) array}``.

    Distorted as the dataset's training images are, but without pixel noise by default, so that
    an edge or blur kernel shows the character's strokes rather than the noise.
    """
    (x, y), _ = datasets.load_glyphs("all", n_per_class=1, n_test_per_class=1, noise=noise, seed=seed)
    names = datasets.class_names("all")
    return {names[label]: x[i, :, :, 0] for i, label in sorted(enumerate(y), key=lambda item: item[1])}


def _kernel_slider(value):
    return ipywidgets.FloatSlider(value=value, min=-KERNEL_RANGE, max=KERNEL_RANGE, step=KERNEL_STEP,
                                  readout_format=".2f", continuous_update=True,
                                  layout=ipywidgets.Layout(width="190px"))


class ConvExplorer(LessonWidget):
    r"""One 3x3 kernel slid over an image: the feature map, stride, padding and pooling.

    Controls: ``k00`` ... ``k22`` (the kernel, row by row), ``preset`` (a named kernel; editing a
    slider makes it ``"custom"``), ``image`` (a character, ``"0"``-``"9"``, ``"A"``-``"Z"``),
    ``stride`` (1, 2, 3), ``padding`` (``"valid"``, ``"same"``), ``activation`` (``"linear"``,
    ``"relu"``), ``pooling`` (``"none"``, ``"max"``, ``"average"``, 2x2 with stride 2), ``row`` and
    ``col`` (one output pixel; clicking the feature map sets them too).

    Shown (readable attributes), every number from the engine:

    - ``conv``: the ``Conv2D(1, 3, strides, padding, activation, use_bias=False)`` layer whose
      kernel ``set_weights`` set to ``kernel`` (3x3); ``pool``: the pooling layer or None;
    - ``image`` (28x28), ``padded`` (the image as ``pad_images`` pads it for ``conv``) and ``pads``
      (``((top, bottom), (left, right))``);
    - ``feature_map`` (``conv.forward`` of the image), ``pooled`` (``pool.forward`` of the feature
      map, or None);
    - ``position`` (row, col), ``window`` (the 3x3 patch of ``padded`` that ``sliding_windows``
      reads for it), ``z_value`` (the weighted sum before the activation, from ``conv.cache``) and
      ``value`` (``feature_map[position]``);
    - ``pool_position``, ``pool_window`` (the 2x2 patch of the feature map) and ``pooled_value``
      (None when no pooling, or when the pixel's row/column is one the pooling drops).
    """

    figsize = (11.0, 3.5)

    def __init__(self, preset="vertical edges", image="E", stride=1, padding="valid", activation="linear",
                 pooling="none", interactive=None):
        self._start = dict(preset=preset, image=image, stride=stride, padding=padding, activation=activation,
                           pooling=pooling)
        self.images = sample_characters()
        self._layers = {}               # (stride, padding, activation) / pooling kind -> engine layer
        self._syncing = False           # True while a preset moves the sliders (see _on_control_change)
        super().__init__(interactive=interactive)

    # ------------------------------------------------------------------ controls
    def _make_controls(self):
        s = self._start
        if s["preset"] not in PRESETS:
            raise ValueError(f"Received an invalid value for `preset`, expected one of "
                             f"{', '.join(map(repr, PRESETS))}. Received: preset={s['preset']!r}")
        kernel = PRESETS[s["preset"]][1]
        style = {"description_width": "82px"}  # "output row" in full (seen in the browser test)
        wide = ipywidgets.Layout(width="310px")
        controls = {f"k{i}{j}": _kernel_slider(kernel[i, j]) for i in range(KERNEL_SIZE) for j in range(KERNEL_SIZE)}
        controls.update(
            preset=ipywidgets.Dropdown(options=[(label, name) for name, (label, _) in PRESETS.items()]
                                       + [("custom (edited)", CUSTOM)], value=s["preset"],
                                       description="preset", style=style, layout=wide),
            image=ipywidgets.Dropdown(options=list(self.images), value=s["image"], description="image",
                                      style=style, layout=ipywidgets.Layout(width="150px")),
            stride=ipywidgets.ToggleButtons(options=[1, 2, 3], value=s["stride"], description="stride",
                                            style={**style, "button_width": "52px"}),
            padding=ipywidgets.ToggleButtons(options=["valid", "same"], value=s["padding"], description="padding",
                                             style={**style, "button_width": "78px"}),
            activation=ipywidgets.ToggleButtons(options=[("none", "linear"), ("ReLU", "relu")],
                                                value=s["activation"], description="activation",
                                                style={**style, "button_width": "78px"}),
            pooling=ipywidgets.ToggleButtons(options=["none", "max", "average"], value=s["pooling"],
                                             description="pool 2×2", style={**style, "button_width": "74px"}),
            row=ipywidgets.IntSlider(value=13, min=0, max=25, description="output row", style=style, layout=wide),
            col=ipywidgets.IntSlider(value=13, min=0, max=25, description="output col", style=style, layout=wide),
        )
        return controls

    def _layout(self, controls, readout, figure_view):
        c = self.controls
        grid = ipywidgets.GridBox([c[f"k{i}{j}"] for i in range(KERNEL_SIZE) for j in range(KERNEL_SIZE)],
                                  layout=ipywidgets.Layout(grid_template_columns="repeat(3, 195px)"))
        kernel = ipywidgets.VBox([ipywidgets.HTML("<b>kernel</b> (3×3, drag any weight)"), c["preset"], grid])
        settings = ipywidgets.VBox([c["image"], c["stride"], c["padding"], c["activation"], c["pooling"],
                                    c["row"], c["col"]])
        kernel.layout.flex = settings.layout.flex = "0 0 auto"  # no squeezing: a narrow screen puts settings below
        panel = ipywidgets.HBox([kernel, settings], layout=ipywidgets.Layout(grid_gap="10px 18px", flex_flow="row wrap"))
        return ipywidgets.VBox([panel, readout, figure_view])

    def _on_control_change(self, change):
        """A preset sets the nine sliders (one redraw); editing a slider makes the preset "custom"."""
        if self._syncing:
            return                # a slider or the menu moved by the lines below: the caller redraws
        name = next(k for k, control in self.controls.items() if control is change["owner"])
        self._syncing = True
        try:
            if name == "preset" and change["new"] != CUSTOM:
                for (i, j), value in np.ndenumerate(PRESETS[change["new"]][1]):
                    self.controls[f"k{i}{j}"].value = float(value)
            elif name.startswith("k") and self.controls["preset"].value != CUSTOM and not np.allclose(
                    self._kernel_from_sliders(), PRESETS[self.controls["preset"].value][1], atol=KERNEL_STEP / 2):
                self.controls["preset"].value = CUSTOM
        finally:
            self._syncing = False
        super()._on_control_change(change)

    def _kernel_from_sliders(self):
        return np.array([[self.controls[f"k{i}{j}"].value for j in range(KERNEL_SIZE)] for i in range(KERNEL_SIZE)])

    # --------------------------------------------------------------- the engine
    def conv_layer(self, stride, padding, activation):
        """The engine's ``Conv2D`` for these settings (one filter, no bias), made once and kept."""
        key = (stride, padding, activation)
        if key not in self._layers:
            layer = Conv2D(1, KERNEL_SIZE, strides=stride, padding=padding, activation=activation, use_bias=False,
                           kernel_initializer="zeros", dtype="float64", name="explorer_conv")
            layer.build((None, 28, 28, 1))
            self._layers[key] = layer
        return self._layers[key]

    def pool_layer(self, kind):
        """The engine's 2x2 pooling layer of this kind (``"max"``, ``"average"``), or None for ``"none"``."""
        if POOLINGS[kind] is None:
            return None
        if kind not in self._layers:
            self._layers[kind] = POOLINGS[kind](POOL, dtype="float64", name=f"explorer_{kind}_pool")
        return self._layers[kind]

    # -------------------------------------------------------------------- drawing
    def _draw(self):
        fig = self.fig
        self.ax_in = fig.add_axes([0.015, 0.06, 0.27, 0.76])
        self.ax_kernel = fig.add_axes([0.335, 0.27, 0.115, 0.37])
        self.ax_map = fig.add_axes([0.50, 0.06, 0.25, 0.76])
        self.ax_pool = fig.add_axes([0.80, 0.16, 0.185, 0.57])
        for ax in (self.ax_in, self.ax_kernel, self.ax_map, self.ax_pool):
            ax.set_xticks([])
            ax.set_yticks([])
        fig.text(0.31, 0.45, "∗", fontsize=20, ha="center", va="center")
        fig.text(0.475, 0.45, "→", fontsize=18, ha="center", va="center")
        fig.text(0.775, 0.45, "→", fontsize=18, ha="center", va="center")

        # input: the padded image in pixel coordinates, the original 28x28 framed by a dashed line
        ax = self.ax_in
        ax.set_xlim(-1.6, 28.6)
        ax.set_ylim(28.6, -1.6)
        ax.add_patch(_rectangle((-0.5, -0.5), 28, 28, NEUTRAL, ls="--", lw=1))
        self.input_image = ax.imshow(np.zeros((28, 28)), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        self.padding_tint = ax.imshow(np.full((28, 28), np.nan), cmap=_single_color(HIGHLIGHT), vmin=0, vmax=1,
                                      alpha=0.3, interpolation="nearest")
        self.input_title = ax.set_title("", fontsize=9.5)
        self.next_window = ax.add_patch(_rectangle((0, 0), 3, 3, POSITIVE, ls="--", lw=1.5))
        self.window_box = ax.add_patch(_rectangle((0, 0), 3, 3, HIGHLIGHT, lw=2.5))

        # the kernel, one colour per weight (purple < 0 < green; its numbers are on the sliders: text is
        # slow to redraw)
        ax = self.ax_kernel
        self.kernel_image = ax.imshow(np.zeros((3, 3)), cmap=VALUE_CMAP, vmin=-1, vmax=1)
        ax.set_title("kernel 3×3", fontsize=9.5)
        ax.text(1, 2.75, "purple < 0 < green", ha="center", va="top", fontsize=8, color=NEUTRAL)

        # the feature map and the pooled map fill fixed boxes: coordinates are fractions of their size,
        # so a new size changes no axis limits (no full redraw)
        for ax in (self.ax_map, self.ax_pool):
            ax.set_xlim(0, 1)
            ax.set_ylim(1, 0)
        self.map_image = self.ax_map.imshow(np.zeros((2, 2)), cmap=VALUE_CMAP, extent=(0, 1, 1, 0),
                                            interpolation="nearest")
        self.map_title = self.ax_map.set_title("", fontsize=9.5)
        self.pool_box = self.ax_map.add_patch(_rectangle((0, 0), 0.1, 0.1, POSITIVE, ls="--", lw=1.5))
        self.pixel_box = self.ax_map.add_patch(_rectangle((0, 0), 0.1, 0.1, HIGHLIGHT, lw=2.5))
        self.pool_image = self.ax_pool.imshow(np.zeros((2, 2)), cmap=VALUE_CMAP, extent=(0, 1, 1, 0),
                                              interpolation="nearest")
        self.pool_title = self.ax_pool.set_title("", fontsize=9.5)
        self.pool_cell = self.ax_pool.add_patch(_rectangle((0, 0), 0.1, 0.1, HIGHLIGHT, lw=2.5))
        self.no_pool_text = self.ax_pool.text(0.5, 0.5, "no pooling", ha="center", va="center", color=NEUTRAL,
                                              fontsize=10)

        # Redrawn only when they change, rarest first: the titles and the padding (the settings), the
        # input image (also the image), the kernel and maps (also the kernel); the boxes move with the
        # selected pixel, so they are redrawn every time.
        self.dynamic(self.input_title, self.padding_tint, self.map_title, self.pool_title, self.no_pool_text, tier=3)
        self.dynamic(self.input_image, tier=2)
        self.dynamic(self.kernel_image, self.map_image, self.pool_image, tier=1)
        self.dynamic(self.next_window, self.window_box, self.pool_box, self.pixel_box, self.pool_cell)
        self.fig.canvas.mpl_connect("button_press_event", self._on_click)

    def _on_click(self, event):
        """Clicking a pixel of the feature map (or of the pooled map) selects it."""
        if event.xdata is None or event.ydata is None:
            return
        if event.inaxes is self.ax_map:
            shape = self.feature_map.shape
            scale = 1
        elif event.inaxes is self.ax_pool and self.pooled is not None:
            shape, scale = self.pooled.shape, POOL
        else:
            return
        row = min(int(event.ydata * shape[0]), shape[0] - 1) * scale
        col = min(int(event.xdata * shape[1]), shape[1] - 1) * scale
        self.set(row=row, col=col)

    # -------------------------------------------------------------------- update
    def _update(self):
        c = self.controls
        stride, padding, activation = c["stride"].value, c["padding"].value, c["activation"].value
        self.kernel = self._kernel_from_sliders()
        self.image = self.images[c["image"].value]
        self.conv = self.conv_layer(stride, padding, activation)
        self.conv.set_weights([self.kernel[:, :, None, None]])           # kernel shape (3, 3, 1 in, 1 filter)
        self.pool = self.pool_layer(c["pooling"].value)

        x = self.image[None, :, :, None]                                  # a batch of one 28x28x1 image
        self.feature_map = self.conv.forward(x)[0, :, :, 0]
        z = self.conv.cache[1][0, :, :, 0]                                # the weighted sums, before the activation
        self.pooled = None if self.pool is None else self.pool.forward(self.feature_map[None, :, :, None])[0, :, :, 0]
        padded, self.pads = pad_images(x, self.conv.kernel_size, self.conv.strides, self.conv.padding)
        self.padded = padded[0, :, :, 0]
        windows = sliding_windows(padded, self.conv.kernel_size, self.conv.strides)[0, :, :, :, :, 0]

        self._fit_position_sliders(self.feature_map.shape)
        row, col = c["row"].value, c["col"].value
        self.position = (row, col)
        self.window = windows[row, col]
        self.z_value = float(z[row, col])
        self.value = float(self.feature_map[row, col])
        self.pool_position = self.pool_window = self.pooled_value = None
        if self.pooled is not None and row // POOL < self.pooled.shape[0] and col // POOL < self.pooled.shape[1]:
            self.pool_position = (row // POOL, col // POOL)
            fm_windows = sliding_windows(self.feature_map[None, :, :, None], self.pool.pool_size, self.pool.strides)
            self.pool_window = fm_windows[0, self.pool_position[0], self.pool_position[1], :, :, 0]
            self.pooled_value = float(self.pooled[self.pool_position])
        self._draw_state(stride)

    def _fit_position_sliders(self, shape):
        """Keep ``row``/``col`` inside the feature map (its size follows stride and padding)."""
        was_syncing = self._syncing
        self._syncing = True      # we are inside _update already: no second redraw
        try:
            for name, size in zip(("row", "col"), shape):
                slider = self.controls[name]
                if slider.max != size - 1:
                    slider.value = min(slider.value, size - 1)
                    slider.max = size - 1
        finally:
            self._syncing = was_syncing

    def _draw_state(self, stride):
        (top, bottom), (left, right) = self.pads
        out_h, out_w = self.feature_map.shape
        row, col = self.position
        extent = (-left - 0.5, 28 + right - 0.5, 28 + bottom - 0.5, -top - 0.5)
        if self.changed("input", self.controls["image"].value, self.pads):
            self.input_image.set_data(self.padded)
            self.input_image.set_extent(extent)
        if self.changed("padding", self.pads):
            tint = np.full(self.padded.shape, np.nan)
            tint[:top, :] = tint[self.padded.shape[0] - bottom:, :] = 1
            tint[:, :left] = tint[:, self.padded.shape[1] - right:] = 1
            self.padding_tint.set_data(tint)
            self.padding_tint.set_extent(extent)
            padded_text = (f"zeros: top {top}, bottom {bottom}, left {left}, right {right}"
                           if top + bottom + left + right else "no padding ('valid')")
            self.input_title.set_text(f"input 28×28\n{padded_text}")
        if self.changed("kernel", self.kernel):
            scale = max(float(np.abs(self.kernel).max()), 1e-6)
            self.kernel_image.set_data(self.kernel)
            self.kernel_image.set_clim(-scale, scale)
        scale = max(float(np.abs(self.feature_map).max()), 1e-6)         # one colour scale for both maps
        if self.changed("map", self.feature_map):
            self.map_image.set_data(self.feature_map)
            self.map_image.set_clim(-scale, scale)
        if self.changed("map title", self.feature_map.shape, stride):
            self.map_title.set_text(f"feature map {out_h}×{out_w} (stride {stride})")
        if self.changed("pooled", None if self.pooled is None else self.pooled, scale):
            has_pool = self.pooled is not None
            self.pool_image.set_visible(has_pool)
            self.no_pool_text.set_visible(not has_pool)
            if has_pool:
                self.pool_image.set_data(self.pooled)
                self.pool_image.set_clim(-scale, scale)
                kind = self.controls["pooling"].value
                self.pool_title.set_text(f"{kind} pooling 2×2 → {self.pooled.shape[0]}×{self.pooled.shape[1]}")
            else:
                self.pool_title.set_text("")

        # the window under the selected output pixel, and the next one along the row: `stride` pixels on
        self.window_box.set_xy((col * stride - left - 0.5, row * stride - top - 0.5))
        has_next = col + 1 < out_w
        self.next_window.set_visible(has_next)
        if has_next:
            self.next_window.set_xy(((col + 1) * stride - left - 0.5, row * stride - top - 0.5))
        self.pixel_box.set_bounds(col / out_w, row / out_h, 1 / out_w, 1 / out_h)
        if self.pool_position is None:
            for box in (self.pool_box, self.pool_cell):
                box.set_visible(False)
        else:
            (pi, pj), (ph, pw) = self.pool_position, self.pooled.shape
            self.pool_box.set_visible(True)
            self.pool_box.set_bounds(pj * POOL / out_w, pi * POOL / out_h, POOL / out_w, POOL / out_h)
            self.pool_cell.set_visible(True)
            self.pool_cell.set_bounds(pj / pw, pi / ph, 1 / pw, 1 / ph)

    # ------------------------------------------------------------------- read-out
    def readout(self):
        c = self.controls
        stride, padding = c["stride"].value, c["padding"].value
        (top, bottom), (left, right) = self.pads
        out_h, out_w = self.feature_map.shape
        size = (f"(28 - 3) // {stride} + 1 = {out_h}" if padding == "valid" else f"ceil(28 / {stride}) = {out_h}")
        row, col = self.position
        r0, c0 = row * stride, col * stride
        lines = [
            f"image '{c['image'].value}' 28×28, padding '{padding}'"
            + (f": zeros {top} top, {bottom} bottom, {left} left, {right} right" if padding == "same" else ""),
            f"3×3 kernel, stride {stride}: output size {size}  ->  feature map {out_h}×{out_w}",
            f"output[{row}, {col}] reads padded rows {r0}-{r0 + 2}, cols {c0}-{c0 + 2}:",
            f"  {'window':<22}   {'kernel':<22}",
        ]
        for i in range(KERNEL_SIZE):
            lines.append("  " + " ".join(f"{v:6.2f}" for v in self.window[i]) + "  "
                         + (" ⊙ " if i == 1 else "   ") + " ".join(f"{v:6.2f}" for v in self.kernel[i]))
        summed = f"sum of window ⊙ kernel = {self.z_value:+.4f}"
        if self.conv.activation.name == "relu":
            summed += f"  ->  ReLU: {self.value:.4f}"
        lines.append("  " + summed)
        if self.pool is None:
            lines.append("no pooling")
        elif self.pool_position is None:
            lines.append(f"{c['pooling'].value} pooling 2×2 drops row/col {row}/{col} (an odd edge): "
                         f"{out_h}×{out_w} -> {self.pooled.shape[0]}×{self.pooled.shape[1]}")
        else:
            pi, pj = self.pool_position
            cells = " ".join(f"{v:.3f}" for v in self.pool_window.ravel())
            lines.append(f"{c['pooling'].value} pooling 2×2: {out_h}×{out_w} -> {self.pooled.shape[0]}×"
                         f"{self.pooled.shape[1]}; pooled[{pi}, {pj}] = {c['pooling'].value} of [{cells}] "
                         f"= {self.pooled_value:.4f}")
        return "\n".join(lines)


def _rectangle(xy, width, height, color, lw=2.0, ls="-"):
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, fill=False, edgecolor=color, lw=lw, ls=ls, zorder=5)


def _single_color(color):
    from matplotlib.colors import ListedColormap

    return ListedColormap([color])


# -------------------------------------------------------------------------- FeatureMapViewer

MAPS_SHOWN = 16          # feature maps on screen at once (1 or 2 rows of 8)
FILTERS_SHOWN = 16       # first-layer filters on screen (1 or 2 rows of 8)
COLUMNS = 8
IMAGES_OFFERED = 24      # how many images the menu lists


def layer_chain(model):
    """The layers of ``model`` in the order they run, nested models unrolled, input layers left out.

    For a plain chain (a ``Sequential`` model, a VGG-style functional model) running these
    layers one after another, each on the previous one's output, *is* the forward pass.
    """
    from ..layers import InputLayer
    from ..models import Model

    chain = []
    for layer in model.layers:
        if isinstance(layer, InputLayer):
            continue
        chain.extend(layer_chain(layer) if isinstance(layer, Model) else [layer])
    return chain


class FeatureMapViewer(LessonWidget):
    """What a trained CNN sees: its first-layer filters, and the feature maps of each layer for one image.

    Args:
        model: a trained convolutional network that is a plain chain of layers (``Sequential``, or
            a VGG-style functional model such as ``learnnet.applications.MiniVGG``; nested models are
            unrolled). Default: ``MiniVGG(weights="digits")``, pretrained on printed digits.
        images: images to choose from, ``(n, height, width, channels)``; default: digits from
            ``load_digits``'s test split (fonts the network never saw).
        labels, class_names: their labels (class indices) and the classes' names, if known.

    Controls: ``image`` (which image), ``layer`` (a convolution or pooling layer) and
    ``first_channel`` (which 16 of its channels to show, for layers with more than 16).

    Shown (readable attributes), computed by the engine's ``layer.forward``, layer after layer (for all
    the images at once, when the viewer is made):
    ``layer_outputs`` (``{layer name: output for this image}``, batch axis dropped),
    ``feature_maps`` (the selected layer's output, ``(h, w, channels)``), ``shown_channels``,
    ``filters`` (the first ``Conv2D``'s kernel, ``(kh, kw, in, filters)``), ``probabilities``
    (the model's output) and ``predicted_class``.
    """

    figsize = (11.0, 5.0)    # the height follows the number of rows of filters and maps

    def __init__(self, model=None, images=None, labels=None, class_names=None, interactive=None):
        if model is None:
            from ..applications import MiniVGG

            model = MiniVGG(weights="digits")
        if images is None:
            _, (images, labels) = datasets.load_digits(n_per_class=1, n_test_per_class=3, seed=0)
            class_names = datasets.class_names("digits")
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"FeatureMapViewer: `images` must be a batch of images (n, height, width, channels); "
                             f"received shape {images.shape}. For one grayscale image x of shape (28, 28), "
                             f"pass x[None, :, :, None].")
        self.model = model
        self.chain = layer_chain(model)
        self.map_layers = [layer for layer in self.chain if _is_image_layer(layer)]
        self.conv_layers = [layer for layer in self.chain if isinstance(layer, Conv2D)]
        if not self.conv_layers:
            raise ValueError("FeatureMapViewer shows convolutional networks: this model has no Conv2D layer.")
        self.images = images[:IMAGES_OFFERED]
        self.labels = None if labels is None else np.asarray(labels)[:IMAGES_OFFERED]
        self.class_names = None if class_names is None else list(class_names)
        self._check_chain()
        self._max_channels = max(self._output_shape(layer)[-1] for layer in self.map_layers)
        self.figsize = (11.0, self._figure_height())
        super().__init__(interactive=interactive)

    def _check_chain(self):
        """Run every image through the layers once; this must give the model's own prediction (a plain chain)."""
        message = (f"FeatureMapViewer shows networks that are a plain chain of layers (Sequential, or a VGG-style "
                   f"model); '{self.model.name}' has branches or merges.")
        predicted = self.model.predict(self.images, verbose=0)
        try:
            self._all_outputs = self._forward(self.images)
        except (ValueError, TypeError) as exc:   # e.g. Add given one array instead of a list
            raise ValueError(message) from exc
        chained = self._all_outputs[self.chain[-1].name]
        if np.shape(chained) != np.shape(predicted) or not np.allclose(chained, predicted, rtol=1e-4, atol=1e-5):
            raise ValueError(message)

    def _forward(self, batch):
        """``{layer name: its output}`` for a batch of images: the forward pass, one engine layer at a time."""
        outputs, a = {}, batch
        for layer in self.chain:
            a = layer.forward(a)
            outputs[layer.name] = a
        return outputs

    # ------------------------------------------------------------------ controls
    def _make_controls(self):
        style = {"description_width": "90px"}
        wide = ipywidgets.Layout(width="330px")
        options = []
        for i in range(len(self.images)):
            name = self._name(self.labels[i]) if self.labels is not None else None
            options.append((f"#{i}" + (f"  '{name}'" if name is not None else ""), i))
        layers = [(f"{layer.name}  ({'×'.join(str(d) for d in self._output_shape(layer))})", layer.name)
                  for layer in self.map_layers]
        pages = max(0, (self._max_channels - 1) // MAPS_SHOWN * MAPS_SHOWN)
        return {
            "image": ipywidgets.Dropdown(options=options, value=0, description="image", style=style, layout=wide),
            "layer": ipywidgets.Dropdown(options=layers, value=self.map_layers[0].name, description="layer",
                                         style=style, layout=wide),
            "first_channel": ipywidgets.IntSlider(value=0, min=0, max=pages, step=MAPS_SHOWN, disabled=pages == 0,
                                                  description="first channel", style=style, layout=wide),
        }

    def _name(self, label):
        label = int(label)
        return self.class_names[label] if self.class_names and label < len(self.class_names) else str(label)

    def _output_shape(self, layer):
        shape = (None,) + self.images.shape[1:]
        for item in self.chain:
            shape = item.compute_output_shape(shape)
            if item is layer:
                return shape[1:]
        raise KeyError(layer.name)

    # -------------------------------------------------------------------- drawing
    def _grid(self, count):
        """(rows, columns) of a mosaic of ``count`` tiles (at most 16: 1 or 2 rows of 8)."""
        return -(-min(count, MAPS_SHOWN) // COLUMNS), COLUMNS

    def _draw(self):
        fig = self.fig
        conv = self.conv_layers[0]
        self._filter_grid = self._grid(conv.filters)
        self._map_grid = self._grid(self._max_channels)
        # positions in inches from the top, turned into figure fractions: the height follows the rows
        width_in, height_in = fig.get_figwidth(), fig.get_figheight()
        left, right = 0.25, 0.99
        cell = (right - left) * width_in / COLUMNS            # inches per tile, gaps included

        def box(top_in, height):                               # [left, bottom, width, height] of a band
            return [left, 1 - (top_in + height) / height_in, right - left, height / height_in]

        filters_h = self._filter_grid[0] * cell
        maps_top = 0.45 + filters_h + 0.55
        self.ax_filters = fig.add_axes(box(0.45, filters_h))
        self.ax_maps = fig.add_axes(box(maps_top, self._map_grid[0] * cell))
        for ax in (self.ax_filters, self.ax_maps):
            ax.set_axis_off()
            ax.set_xlim(0, 1)
            ax.set_ylim(1, 0)
        n_filters = min(conv.filters, FILTERS_SHOWN)
        self.ax_filters.set_title(
            f"filters of the first convolution '{conv.name}': {conv.kernel_size[0]}×{conv.kernel_size[1]}, "
            f"{n_filters} of {conv.filters} (purple < 0 < green)", fontsize=9.5, loc="left")
        self.filter_image = self.ax_filters.imshow(np.zeros((2, 2)), cmap=VALUE_CMAP, extent=(0, 1, 1, 0),
                                                   interpolation="nearest", aspect="auto")
        self.ax_maps.set_title("feature maps, each scaled to its own max", fontsize=9.5, loc="left")
        self.maps_title = self.ax_maps.set_title("", fontsize=9.5, loc="right")   # short: redrawn with the layer
        self.maps_image = self.ax_maps.imshow(np.zeros((2, 2)), cmap=SURFACE_CMAP, vmin=0, vmax=1,
                                              extent=(0, 1, 1, 0), interpolation="nearest", aspect="auto")

        # the input image, and the model's output: one bar per class
        side = min(2.0, 0.2 * width_in)
        self.ax_image = fig.add_axes([0.02, 1 - (0.45 + side) / height_in, side / width_in, side / height_in])
        self.ax_image.set_xticks([])
        self.ax_image.set_yticks([])
        first = self.images[0]
        self.input_image = self.ax_image.imshow(first[:, :, 0] if first.shape[-1] == 1 else first, cmap="gray_r",
                                                vmin=0, vmax=1, interpolation="nearest")
        self.image_title = self.ax_image.set_title("", fontsize=9.5)
        n_out = int(np.prod(self._output_shape(self.chain[-1])))
        probs_top = 0.45 + side + 0.55
        self.ax_probs = fig.add_axes([0.04, 0.45 / height_in, 0.16, (height_in - probs_top - 0.45) / height_in])
        self.prob_bars = self.ax_probs.bar(np.arange(n_out), np.zeros(n_out), color=NEUTRAL, width=0.75)
        self.ax_probs.set_xticks(np.arange(n_out), [self._name(i) for i in range(n_out)],
                                 fontsize=6.5 if n_out > 12 else 8.5)
        self.ax_probs.set_ylim(0, 1.05)
        self.ax_probs.set_xlim(-0.6, n_out - 0.4)
        self.ax_probs.tick_params(axis="y", labelsize=7.5)
        self.prob_title = self.ax_probs.set_title("", fontsize=9.5)

        # rarest first: the filters (the weights), the input and the output (the image), the maps'
        # title (the layer), the maps (the image, the layer and the channels)
        self.dynamic(self.filter_image, tier=3)
        self.dynamic(self.input_image, self.image_title, *self.prob_bars, self.prob_title, tier=2)
        self.dynamic(self.maps_title, tier=1)
        self.dynamic(self.maps_image)

    def _figure_height(self):
        """Inches: the header, the filter rows and the feature-map rows, each tile about an inch."""
        conv = self.conv_layers[0]
        cell = 0.74 * self.figsize[0] / COLUMNS
        rows = self._grid(conv.filters)[0] + self._grid(self._max_channels)[0]
        return max(0.45 + rows * cell + 0.55 + 0.3, 4.0)

    # -------------------------------------------------------------------- update
    def _update(self):
        c = self.controls
        self.image_index = c["image"].value
        self.image = self.images[self.image_index]
        self.label = None if self.labels is None else int(self.labels[self.image_index])
        # every image went through the network once, in one batch, when the viewer was made
        self.layer_outputs = {name: output[self.image_index] for name, output in self._all_outputs.items()}
        self.layer = next(layer for layer in self.map_layers if layer.name == c["layer"].value)
        self.feature_maps = self.layer_outputs[self.layer.name]
        n_channels = self.feature_maps.shape[-1]
        first = min(c["first_channel"].value, (n_channels - 1) // MAPS_SHOWN * MAPS_SHOWN)
        self.shown_channels = list(range(first, min(first + MAPS_SHOWN, n_channels)))
        self.filters = self.conv_layers[0].kernel
        self.probabilities = np.ravel(self.layer_outputs[self.chain[-1].name])
        self.predicted_class = int(np.argmax(self.probabilities))

        if self.changed("filters", self.filters):
            shown = np.moveaxis(self.filters[:, :, 0, :FILTERS_SHOWN], -1, 0)  # the weights on input channel 0
            scale = max(float(np.abs(shown).max()), 1e-6)
            self.filter_image.set_data(mosaic(shown, *self._filter_grid)[0])
            self.filter_image.set_clim(-scale, scale)
        if self.changed("image", self.image_index):
            self.input_image.set_data(self.image[:, :, 0] if self.image.shape[-1] == 1 else self.image)
            self.image_title.set_text(f"input #{self.image_index}" + (
                f": '{self._name(self.label)}'" if self.label is not None else ""))
            for k, (bar, p) in enumerate(zip(self.prob_bars, self.probabilities)):
                bar.set_height(float(p))
                bar.set_color(HIGHLIGHT if k == self.predicted_class else NEUTRAL)
            self.prob_title.set_text(f"output: '{self._name(self.predicted_class)}' "
                                     f"(p = {self.probabilities[self.predicted_class]:.2f})")
        if self.changed("maps", self.image_index, self.layer.name, first):
            maps = np.moveaxis(self.feature_maps[:, :, self.shown_channels], -1, 0)
            self.maps_image.set_data(mosaic(maps, *self._map_grid, scale_each=True)[0])
        h, w = self.feature_maps.shape[:2]
        self.maps_title.set_text(f"{self.layer.name}: {h}×{w}, channels {self.shown_channels[0]}-"
                                 f"{self.shown_channels[-1]} of {n_channels}")

    def readout(self):
        name = self._name(self.label) if self.label is not None else "?"
        lines = [f"image #{self.image_index}: true '{name}', predicted '{self._name(self.predicted_class)}' "
                 f"(p = {self.probabilities[self.predicted_class]:.3f})"]
        h, w, n = self.feature_maps.shape
        dead = [k for k in range(n) if float(self.feature_maps[:, :, k].max()) <= 0]
        lines.append(f"layer '{self.layer.name}' ({type(self.layer).__name__}): output {h}×{w}×{n}"
                     + (f"; {len(dead)} of {n} channels are all zero for this image" if dead else ""))
        steps = [f"input {'×'.join(str(d) for d in self.image.shape)}"] + [
            f"{layer.name} {'×'.join(str(d) for d in np.shape(self.layer_outputs[layer.name]))}"
            for layer in self.map_layers]
        path = steps[0]
        for step in steps[1:]:            # the shapes along the way, wrapped at about 100 characters
            if len(path.rsplit("\n", 1)[-1]) + len(step) > 96:
                path += " ->\n  " + step
            else:
                path += " -> " + step
        lines.append(path)
        return "\n".join(lines)


def _is_image_layer(layer):
    """Convolution and 2-D pooling layers: their outputs are images (feature maps)."""
    from ..layers.pooling import _Pooling2D

    return isinstance(layer, (Conv2D, _Pooling2D))
