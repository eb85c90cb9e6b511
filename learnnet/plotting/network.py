"""``NetworkDiagram``: a small fully connected network drawn as circles and edges.

Layer ``l`` has ``layer_sizes[l]`` neurons; neuron ``(l, i)`` is the i-th circle of column ``l``
(column 0 is the input). Edge ``(l, i, j)`` joins neuron ``i`` of column ``l`` to neuron ``j`` of
column ``l + 1``, so it carries the weight ``kernel[i, j]`` of the Dense layer between them
(Keras's kernel shape ``(in, out)``).

Everything is drawn once, in the constructor; the ``set_*`` methods and ``highlight`` change the
existing artists (colours, widths, texts), so a widget can redraw it many times a second::

    d = NetworkDiagram(ax, [2, 3, 1], layer_titles=["input", "dense\\nrelu", "dense_1\\nsigmoid"])
    d.set_weights([layer.kernel for layer in layers])      # blue +, red -, width ~ |w|
    d.set_values([x, a1, a2])                              # fill by value, number inside
    d.highlight(nodes=[(1, 0)], edges=[(0, 0, 0), (0, 1, 0)])
    d.set_edge_labels({(0, 0, 0): "0.53", (0, 1, 0): "-1.2"})
"""
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib import colormaps

from .figures import HIGHLIGHT, NEUTRAL, VALUE_CMAP, weight_colors

MAX_NEURONS_PER_LAYER = 12


class NetworkDiagram:
    """Circles for neurons, lines for weights, on an existing matplotlib ``ax``.

    Args:
        ax: the axes to draw on (its frame and ticks are turned off).
        layer_sizes: neurons per column, input first, e.g. ``[2, 3, 1]``.
        layer_titles: one caption per column (optional).
        node_size: circle area in points² (as ``scatter``'s ``s``).
        value_range: values mapped to the ends of the colour map, default ``(-1, 1)``;
            ``set_values(..., value_range=...)`` changes it.
        fmt: how node values are printed.
    """

    def __init__(self, ax, layer_sizes, layer_titles=None, node_size=900, value_range=(-1.0, 1.0), fmt="{:.2f}"):
        sizes = [int(n) for n in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"`layer_sizes` needs at least two columns of >= 1 neuron; received {layer_sizes!r}")
        if max(sizes) > MAX_NEURONS_PER_LAYER:
            raise ValueError(
                f"NetworkDiagram draws at most {MAX_NEURONS_PER_LAYER} neurons per layer so that numbers stay "
                f"readable; received layer_sizes={layer_sizes!r}. Draw a smaller model."
            )
        self.ax, self.layer_sizes, self.fmt = ax, sizes, fmt
        self.cmap = colormaps[VALUE_CMAP]
        self.norm = Normalize(*value_range)

        # column l at x = l, its neurons centred on y = 0, one unit apart, first neuron on top
        self.node_xy = [[(float(l), (n - 1) / 2 - i) for i in range(n)] for l, n in enumerate(sizes)]
        self.nodes = [(l, i) for l, n in enumerate(sizes) for i in range(n)]
        self.edges = [(l, i, j) for l in range(len(sizes) - 1) for i in range(sizes[l]) for j in range(sizes[l + 1])]
        self._node_index = {k: n for n, k in enumerate(self.nodes)}
        self._edge_index = {k: n for n, k in enumerate(self.edges)}

        segments = [(self.node_xy[l][i], self.node_xy[l + 1][j]) for l, i, j in self.edges]
        self._edge_rgba = np.tile(to_rgba(NEUTRAL), (len(self.edges), 1))
        self._edge_width = np.full(len(self.edges), 1.0)
        self.edge_artist = LineCollection(segments, colors=self._edge_rgba, linewidths=self._edge_width, zorder=1)
        ax.add_collection(self.edge_artist)

        xy = np.array([self.node_xy[l][i] for l, i in self.nodes])
        self.node_artist = ax.scatter(xy[:, 0], xy[:, 1], s=node_size, c=np.full((len(self.nodes), 4), 1.0),
                                      edgecolors="#333333", linewidths=1.2, zorder=3)
        self.node_texts = [ax.text(x, y, "", ha="center", va="center", fontsize=8, zorder=4) for x, y in xy]
        self.edge_texts = []
        for l, i, j in self.edges:
            (xa, ya), (xb, yb) = self.node_xy[l][i], self.node_xy[l + 1][j]
            t = 0.3 + 0.4 * (j + 0.5) / sizes[l + 1]  # stagger labels along the edge so they do not collide
            self.edge_texts.append(ax.text(xa + t * (xb - xa), ya + t * (yb - ya), "", ha="center", va="center",
                                           fontsize=8, zorder=5, visible=False,
                                           bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85)))
        top = max((n - 1) / 2 for n in sizes)
        self.title_texts = [ax.text(l, top + 0.75, "", ha="center", va="bottom", fontsize=9)
                            for l in range(len(sizes))]
        if layer_titles is not None:
            self.set_layer_titles(layer_titles)
        ax.set_xlim(-0.5, len(sizes) - 0.5)
        ax.set_ylim(-top - 0.7, top + 1.45)
        ax.set_axis_off()
        self._weights_rgba = self._edge_rgba.copy()
        self._weights_width = self._edge_width.copy()
        self.highlighted_nodes, self.highlighted_edges = set(), set()

    @property
    def weight_artists(self):
        """The edges and their labels: what ``set_weights``, ``set_edge_labels`` and ``highlight`` change."""
        return [self.edge_artist, *self.edge_texts]

    @property
    def value_artists(self):
        """The neurons and their numbers: what ``set_values`` and ``highlight`` change."""
        return [self.node_artist, *self.node_texts]

    @property
    def artists(self):
        """Every artist the ``set_*`` methods change, in drawing order (for ``LessonWidget.dynamic``).

        The column titles are not among them: they rarely change, so a widget that changes them
        asks for a full redraw. A widget whose weights change less often than its values can
        register ``weight_artists`` with ``dynamic(..., tier=1)`` and ``value_artists`` with tier 0.
        """
        return self.weight_artists + self.value_artists

    # ------------------------------------------------------------------ content
    def set_layer_titles(self, titles):
        """One caption per column (``"input"``, ``"dense\\nrelu"``...)."""
        if len(titles) != len(self.layer_sizes):
            raise ValueError(f"expected {len(self.layer_sizes)} titles, received {len(titles)}")
        for text, title in zip(self.title_texts, titles):
            text.set_text(title)

    def set_weights(self, kernels, max_abs=None):
        """Colour and thicken edges by the kernels (one ``(in, out)`` array per gap between columns)."""
        if len(kernels) != len(self.layer_sizes) - 1:
            raise ValueError(f"expected {len(self.layer_sizes) - 1} kernels, received {len(kernels)}")
        flat = []
        for l, k in enumerate(kernels):
            k = np.asarray(k, dtype=float)
            expected = (self.layer_sizes[l], self.layer_sizes[l + 1])
            if k.shape != expected:
                raise ValueError(f"kernel {l} should have shape {expected} (in, out); received {k.shape}")
            flat.append(k.ravel())  # row-major (i, j) order matches self.edges
        self._weights_rgba, self._weights_width = weight_colors(np.concatenate(flat), max_abs=max_abs)
        self._restyle_edges()

    def set_values(self, values, value_range=None):
        """Fill each neuron by its value and print the value inside (one 1-D array per column).

        A column given as ``None`` is left blank (white, no number).
        """
        if len(values) != len(self.layer_sizes):
            raise ValueError(f"expected {len(self.layer_sizes)} columns of values, received {len(values)}")
        if value_range is not None:
            self.norm = Normalize(*value_range)
        colors = np.ones((len(self.nodes), 4))
        for l, col in enumerate(values):
            if col is None:
                for i in range(self.layer_sizes[l]):
                    self.node_texts[self._node_index[(l, i)]].set_text("")
                continue
            col = np.asarray(col, dtype=float).ravel()
            if col.size != self.layer_sizes[l]:
                raise ValueError(f"column {l} has {self.layer_sizes[l]} neurons; received {col.size} values")
            for i, v in enumerate(col):
                n = self._node_index[(l, i)]
                colors[n] = self.cmap(self.norm(v))
                text = self.node_texts[n]
                text.set_text(self.fmt.format(v))
                r, g, b, _ = colors[n]
                text.set_color("white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
        self.node_artist.set_facecolors(colors)

    def set_edge_labels(self, labels):
        """Write text on edges: ``{(l, i, j): "0.53", ...}``; edges not named lose their label."""
        for k, text in zip(self.edges, self.edge_texts):
            label = labels.get(k)
            text.set_visible(label is not None)
            text.set_text("" if label is None else str(label))

    def label_layer_edges(self, layer, matrix, fmt="{:.2f}"):
        """Label every edge of gap ``layer`` with ``matrix[i, j]`` (e.g. the kernel or dL/dW)."""
        m = np.asarray(matrix, dtype=float)
        self.set_edge_labels({(layer, i, j): fmt.format(m[i, j]) for (l, i, j) in self.edges if l == layer})

    # ---------------------------------------------------------------- highlight
    def highlight(self, nodes=(), edges=()):
        """Ring ``nodes`` (``(l, i)``) in amber and fade every edge not in ``edges`` (``(l, i, j)``).

        ``highlight()`` with no arguments clears all highlights.
        """
        nodes, edges = set(map(tuple, nodes)), set(map(tuple, edges))
        for k in nodes:
            if k not in self._node_index:
                raise ValueError(f"no neuron {k} in a network with layer sizes {self.layer_sizes}")
        for k in edges:
            if k not in self._edge_index:
                raise ValueError(f"no edge {k} in a network with layer sizes {self.layer_sizes}")
        self.highlighted_nodes, self.highlighted_edges = nodes, edges
        ring = [HIGHLIGHT if k in nodes else "#333333" for k in self.nodes]
        width = [3.5 if k in nodes else 1.2 for k in self.nodes]
        self.node_artist.set_edgecolors(ring)
        self.node_artist.set_linewidths(width)
        self._restyle_edges()

    def clear_highlight(self):
        self.highlight()

    def _restyle_edges(self):
        rgba, width = self._weights_rgba.copy(), self._weights_width.copy()
        if self.highlighted_edges:
            on = np.array([k in self.highlighted_edges for k in self.edges])
            rgba[~on, 3] = 0.12
            width[on] += 1.0
        self.edge_artist.set_color(rgba)
        self.edge_artist.set_linewidth(width)
