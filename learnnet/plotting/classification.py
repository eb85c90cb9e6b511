"""Looking at a classifier's mistakes: a confusion matrix, and the misclassified examples as images.

::

    predicted = model.predict(x_test).argmax(axis=1)
    counts = confusion_matrix(y_test, predicted, num_classes=10)
    plot_confusion_matrix(counts, class_names)                  # a Figure (shown as a PNG in a notebook)
    plot_misclassified(images, y_test, predicted, class_names, probabilities=model.predict(x_test))
    plot_examples(images, labels, class_names)                  # a first look at the data

The figures are plain (Agg) figures: they do not change, so a notebook shows them as images.
"""
import numpy as np

from .figures import NEGATIVE, new_figure


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Count how often each true class was predicted as each class.

    ``counts[i, j]`` is the number of samples whose true class is ``i`` and whose predicted
    class is ``j``: the diagonal holds the correct answers, everything else a mistake. Each row
    sums to the number of samples of that class.

    Args:
        y_true, y_pred: integer class labels, shape ``(n,)`` (use ``.argmax(axis=1)`` on one-hot
            targets or on ``predict``'s probabilities).
        num_classes: the number of classes (default: the largest label + 1).
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` need one label per sample each; received shapes {y_true.shape} "
                         f"and {y_pred.shape}.")
    n = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1) if num_classes is None else int(num_classes)
    if y_true.size and max(y_true.max(), y_pred.max()) >= n:
        raise ValueError(f"A label is {max(y_true.max(), y_pred.max())}, but num_classes={n}: labels must be in "
                         f"0..{n - 1}.")
    # one count per (true, predicted) pair: pair (i, j) is bin i * n + j
    return np.bincount(y_true * n + y_pred, minlength=n * n).reshape(n, n)


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(f"`{name}` has shape {y.shape}: it looks one-hot or like probabilities. Pass class labels: "
                         f"{name}.argmax(axis=1).")
    y = y.reshape(-1)
    if y.size and (not np.all(np.equal(np.mod(y, 1), 0)) or y.min() < 0):
        raise ValueError(f"`{name}` must hold class labels 0, 1, 2, ...; received values such as {y.flat[0]!r}.")
    return y.astype(np.int64)


def plot_confusion_matrix(counts, class_names=None, title="confusion matrix", figsize=(5.2, 4.6)):
    """Draw ``counts`` (from ``confusion_matrix``) as a grid: rows = true class, columns = predicted.

    Each cell shows its count; colour shows the count as a fraction of the row (of that true
    class), so a weak class stands out whatever its size. Returns the ``Figure``.
    """
    counts = np.asarray(counts)
    n = counts.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(n))]
    fig = new_figure(figsize, interactive=False)
    ax = fig.add_axes([0.15, 0.13, 0.7, 0.74])
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(n):
        for j in range(n):
            if counts[i, j]:
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8 if n <= 12 else 6,
                        color="white" if share[i, j] > 0.55 else ("#b2182b" if i != j else "#222222"))
    ax.set_xticks(range(n), names, fontsize=8)
    ax.set_yticks(range(n), names, fontsize=8)
    ax.set_xlabel("predicted class", fontsize=9)
    ax.set_ylabel("true class", fontsize=9)
    correct = int(np.trace(counts))
    total = int(counts.sum())
    ax.set_title(f"{title}: {correct} of {total} right ({correct / max(total, 1):.1%})", fontsize=10)
    bar = fig.colorbar(image, cax=fig.add_axes([0.87, 0.13, 0.025, 0.74]))
    bar.set_label("share of the true class", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig


def plot_examples(images, labels, class_names=None, max_images=16, ncols=8, image_shape=None, title=None):
    """Show the first ``max_images`` images, each titled with its class. Returns the ``Figure``.

    ``images`` are grey images, shape ``(n, h, w)`` or ``(n, h, w, 1)``, or flat with ``image_shape=(h, w)``.
    """
    labels = _labels(labels, "labels")
    images = _grey_images(images, len(labels), image_shape)
    shown = np.arange(min(max_images, len(labels)))
    name = _namer(class_names)
    return _image_grid(images[shown], [name(labels[i]) for i in shown], "#222222",
                       title or f"{len(shown)} of {len(labels)} images", ncols)


def plot_misclassified(images, y_true, y_pred, class_names=None, probabilities=None, max_images=24, ncols=8,
                       image_shape=None):
    """Show the examples the model got wrong, each titled ``true → predicted`` (and the model's confidence).

    Args:
        images: the inputs, shape ``(n, h, w)``, ``(n, h, w, 1)`` or flat ``(n, h*w)`` with ``image_shape``.
        y_true, y_pred: class labels, shape ``(n,)``.
        class_names: names to print instead of the label numbers.
        probabilities: ``predict``'s output, shape ``(n, classes)``: adds the probability the model
            gave its (wrong) answer.
        max_images: show at most this many (the first mistakes in order).
        image_shape: ``(h, w)`` for flat inputs, e.g. ``(10, 10)``.

    Returns the ``Figure``; its ``mistakes`` attribute lists the indices shown.
    """
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    images = _grey_images(images, len(y_true), image_shape)
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[:max_images]
    name = _namer(class_names)
    titles = []
    for index in shown:
        text = f"{name(y_true[index])} → {name(y_pred[index])}"
        if probabilities is not None:
            text += f" ({float(np.asarray(probabilities)[index, y_pred[index]]):.0%})"
        titles.append(text)
    more = f"; the first {len(shown)}, titled true → predicted" if len(wrong) > len(shown) else \
        ", titled true → predicted"
    fig = _image_grid(images[shown], titles, NEGATIVE, f"{len(wrong)} of {len(y_true)} misclassified{more}", ncols)
    fig.mistakes = shown
    return fig


def _namer(class_names):
    names = [str(c) for c in class_names] if class_names is not None else None
    return (lambda k: names[k]) if names else str


def _grey_images(images, n, image_shape):
    images = np.asarray(images)
    if image_shape is not None:
        images = images.reshape((len(images),) + tuple(image_shape))
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or len(images) != n:
        raise ValueError(f"`images` must be {n} grey images, shape (n, h, w) (or flat, with image_shape=); "
                         f"received shape {np.shape(images)}.")
    return images


def _image_grid(images, titles, colour, suptitle, ncols=8):
    """A grid of grey images (dark ink on white), each with a short title."""
    ncols = max(1, min(ncols, len(images)))
    nrows = max(1, -(-len(images) // ncols))
    height = 1.45 * nrows + 0.45
    fig = new_figure((1.25 * ncols + 0.2, height), interactive=False)
    fig.suptitle(suptitle, fontsize=10, y=1 - 0.06 / height)
    top = 1 - 0.3 / height
    vmax = max(1.0, float(images.max())) if len(images) else 1.0
    for k, (image, title) in enumerate(zip(images, titles)):
        row, col = divmod(k, ncols)
        ax = fig.add_axes([(col + 0.08) / ncols, top - (row + 1) * (top - 0.01) / nrows, 0.84 / ncols,
                           (top - 0.01) / nrows * 0.74])
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8, color=colour, pad=2)
    if not len(images):
        fig.text(0.5, 0.5, "nothing to show", ha="center", va="center")
    return fig
