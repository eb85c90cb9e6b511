"""Comparing training runs side by side: learning curves and test accuracies (lesson 10).

::

    fig = plot_runs({"transfer": history_a.history["accuracy"], "from scratch": history_b.history["accuracy"]},
                    test_accuracy={"transfer": 0.77, "from scratch": 0.15}, chance=1 / 10)

The figure is a plain (Agg) figure: a notebook shows it as an image. It draws the numbers it is
given (``History`` values, ``evaluate`` results) and computes none of its own.
"""
import numpy as np

from .figures import HIGHLIGHT, NEGATIVE, NEUTRAL, POSITIVE, new_figure

RUN_COLORS = (POSITIVE, NEGATIVE, HIGHLIGHT, "#1b9e77", "#7570b3")


def plot_runs(curves, test_accuracy=None, first_epoch=None, chance=None, ylabel="training accuracy",
              figsize=(9.5, 3.4)):
    """Per-epoch curves of several runs (left) and their test accuracies as bars (right).

    Args:
        curves: ``{label: values per epoch}`` (e.g. ``history.history["accuracy"]``), in the order
            to draw them.
        test_accuracy: ``{label: accuracy}`` for the bars (the labels need not match ``curves``);
            None for no bar chart.
        first_epoch: ``{label: epoch number of the first value}`` for a run that continues another
            (fine-tuning after 10 epochs starts at 11); default 1.
        chance: the accuracy of guessing (``1 / classes``), drawn as a dotted line on both plots.
        ylabel: what the curves are.

    Returns:
        the ``Figure``; ``fig.axes[0]`` holds the curves (one line per run, labelled), ``fig.axes[1]``
        the bars (in the order of ``test_accuracy``).
    """
    curves = {label: np.asarray(values, dtype=float) for label, values in curves.items()}
    first_epoch = dict(first_epoch or {})
    fig = new_figure(figsize, interactive=False)
    if test_accuracy:
        ax, ax_bars = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.5, 1]})
    else:
        ax, ax_bars = fig.subplots(1, 1), None
    colors = {label: RUN_COLORS[i % len(RUN_COLORS)] for i, label in enumerate(
        list(curves) + [k for k in (test_accuracy or {}) if k not in curves])}

    last = 1
    for label, values in curves.items():
        start = int(first_epoch.get(label, 1))
        epochs = np.arange(start, start + len(values))
        ax.plot(epochs, values, "o-", ms=3.5, lw=2, color=colors[label], label=label)
        last = max(last, int(epochs[-1]) if len(epochs) else start)
    ax.set(xlabel="epoch", ylabel=ylabel, ylim=(0, 1.05), xlim=(0.5, last + 0.5))
    ax.set_xticks(np.arange(1, last + 1, max(1, round(last / 10))))
    if chance is not None:
        ax.axhline(chance, color=NEUTRAL, ls=":", lw=1.2)
        ax.text(last + 0.4, chance + 0.02, "chance", ha="right", va="bottom", fontsize=8, color=NEUTRAL)
    ax.legend(loc="upper left", fontsize=8.5, frameon=False)
    ax.set_title("while training (on the training images)", fontsize=10)

    if ax_bars is not None:
        labels = list(test_accuracy)
        values = [float(test_accuracy[k]) for k in labels]
        x = np.arange(len(labels))
        ax_bars.bar(x, values, color=[colors[k] for k in labels], width=0.6)
        for i, v in enumerate(values):
            ax_bars.text(i, v + 0.02, f"{v:.1%}", ha="center", va="bottom", fontsize=9)
        ax_bars.set_xticks(x, [k.replace(" + ", "\n+ ").replace(" (", "\n(") for k in labels], fontsize=8.5)
        ax_bars.set(ylim=(0, 1.12), ylabel="test accuracy")
        if chance is not None:
            ax_bars.axhline(chance, color=NEUTRAL, ls=":", lw=1.2)
        ax_bars.set_title("after training (test images, unseen fonts)", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.985, bottom=0.2 if ax_bars is not None else 0.14, top=0.9,
                        wspace=0.25)
    return fig


def plot_few_shot(images, labels, class_names=None, title=None, column_width=0.62):
    """Every training image of a few-shot task in one picture: one column per class.

    Args:
        images: grey images ``(n, h, w)`` or ``(n, h, w, 1)``, values in [0, 1].
        labels: their class indices ``(n,)``.
        class_names: names shown under the columns (default: the class numbers).
        title: the figure's title (default: how many images of how many classes).

    Returns:
        the ``Figure``: one image (a mosaic: class ``c`` in column ``c``, its examples top to bottom)
        with the class names as the x tick labels.
    """
    from .mosaic import mosaic

    images = np.asarray(images, dtype=float)
    images = images[..., 0] if images.ndim == 4 else images
    labels = np.asarray(labels).astype(int)
    classes = np.unique(labels)
    rows = max(int(np.sum(labels == c)) for c in classes)
    tiles = np.full((rows, len(classes)) + images.shape[1:], np.nan)
    for j, c in enumerate(classes):
        examples = images[labels == c]
        tiles[:len(examples), j] = examples
    h, w = images.shape[1:]
    picture, boxes = mosaic(tiles.reshape((-1,) + images.shape[1:]), rows, len(classes))
    fig = new_figure((column_width * len(classes) + 0.4, column_width * rows * h / w + 0.75), interactive=False)
    ax = fig.add_axes([0.2 / fig.get_figwidth(), 0.35 / fig.get_figheight(),
                       1 - 0.4 / fig.get_figwidth(), 1 - 0.7 / fig.get_figheight()])
    ax.imshow(picture, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
    names = [str(class_names[c]) if class_names is not None else str(c) for c in classes]
    ax.set_xticks([left + w / 2 - 0.5 for _, left, _, _ in boxes[:len(classes)]], names)
    ax.set_yticks([])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title or f"all {len(labels)} training images: {rows} per class, {len(classes)} classes",
                 fontsize=10)
    return fig
