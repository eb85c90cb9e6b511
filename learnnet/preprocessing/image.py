r"""Data augmentation for images: ``ImageDataGenerator``, with the names and defaults of Keras's.

**Why augment?** A network trained on a few thousand pictures learns those pictures; it may
fail on the same digit drawn a little to the left, a cat photographed tilted, a leaf seen from
the other side. Data augmentation shows the network, at every epoch, a slightly *different*
copy of each training image - shifted, rotated, zoomed, mirrored - that keeps its label. The
network cannot memorise pixels that keep moving, so it learns what stays: the shapes. It is
the cheapest regulariser there is: more (plausible) data for free. Augment only the training
data; evaluate on the images as they are::

    from learnnet.preprocessing.image import ImageDataGenerator

    datagen = ImageDataGenerator(rescale=1/255, rotation_range=10, width_shift_range=0.1,
                                 height_shift_range=0.1, horizontal_flip=True)
    model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=10)

**How an image is moved** (``apply_transform``). Rotating, shifting and zooming are one
*affine* map of pixel coordinates. Pushing every input pixel to its new place would leave holes,
so the generator works backwards (*inverse mapping*): for every pixel ``(row, col)`` of the
output it asks "where in the input does this come from?"::

    [row_in, col_in] = centre + R(theta) @ ([row, col] - centre + [tx, ty]) * [zx, zy]   (roughly)

and reads the input there. That place falls between pixels, so the value is either the nearest
pixel's (``interpolation_order=0``) or a distance-weighted mix of the four around it
(``interpolation_order=1``, *bilinear*, the default). Places outside the image get the nearest
edge pixel (``fill_mode='nearest'``) or the constant ``cval`` (``fill_mode='constant'``).
All of it is a handful of NumPy array operations on every pixel at once - no Python loop.

Images are ``(height, width, channels)`` arrays (channels last); batches add the sample axis first.
"""
import math
import warnings

import numpy as np

from .._checks import as_float_array, describe
from ..utils import get_rng

# Keras's other ImageDataGenerator arguments (and the value that means "off"): accepted at their
# default, refused with a clear message otherwise.
_KERAS_ONLY = {"zca_whitening": False, "zca_epsilon": 1e-6, "brightness_range": None, "shear_range": 0.0,
               "channel_shift_range": 0.0, "preprocessing_function": None, "data_format": None,
               "validation_split": 0.0, "dtype": None}


class ImageDataGenerator:
    """Make randomly transformed copies of images, batch after batch (data augmentation).

    Args (as Keras's ``ImageDataGenerator``; every one is off by default):
        featurewise_center: subtract the per-channel mean of the training set (computed by ``fit``).
        samplewise_center: subtract each image's own mean.
        featurewise_std_normalization: divide by the per-channel standard deviation (from ``fit``).
        samplewise_std_normalization: divide each image by its own standard deviation.
        rotation_range: rotate by a random angle in [-rotation_range, rotation_range] degrees.
        width_shift_range: shift left/right by a random amount: a float < 1 is a fraction of the width,
            a number >= 1 a number of pixels, a list the allowed pixel shifts.
        height_shift_range: the same, up/down.
        zoom_range: zoom by a random factor in [1 - zoom_range, 1 + zoom_range] (or a pair [lower, upper]);
            below 1 zooms in, above 1 zooms out. Rows and columns get independent factors.
        fill_mode: what fills the places that come from outside the image: ``'nearest'`` (the edge
            pixel, default) or ``'constant'`` (``cval``).
        cval: the value for ``fill_mode='constant'``.
        horizontal_flip, vertical_flip: mirror left-right / top-bottom, each with probability 1/2.
        rescale: multiply every pixel by this (e.g. ``1/255`` for 0..255 images), before everything else
            in ``standardize``.
        interpolation_order: 1 (bilinear, default) or 0 (nearest pixel).

    Keras's ``zca_whitening``, ``shear_range``, ``brightness_range``, ``channel_shift_range``,
    ``preprocessing_function``, ``data_format``, ``validation_split`` and ``dtype`` are not supported:
    passing one raises ``NotImplementedError`` naming it.
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, rotation_range=0, width_shift_range=0.0,
                 height_shift_range=0.0, zoom_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, interpolation_order=1, **kwargs):
        unknown = sorted(set(kwargs) - set(_KERAS_ONLY))
        if unknown:
            raise TypeError(f"ImageDataGenerator() got unexpected keyword arguments {unknown}.")
        unsupported = sorted(name for name, value in kwargs.items() if not _is_default(value, _KERAS_ONLY[name])
                             and not (name == "data_format" and value == "channels_last"))
        if unsupported:
            raise NotImplementedError(
                f"learnnet's ImageDataGenerator does not support {unsupported} (Keras arguments); it supports "
                "rotation_range, width_shift_range, height_shift_range, zoom_range, horizontal_flip, vertical_flip, "
                "fill_mode, cval, rescale and the featurewise/samplewise centering and normalization.")
        rotation_range = _number(rotation_range, "rotation_range", minimum=0)
        width_shift_range = _shift_range(width_shift_range, "width_shift_range")
        height_shift_range = _shift_range(height_shift_range, "height_shift_range")
        if isinstance(zoom_range, (list, tuple)):
            if len(zoom_range) != 2:
                raise ValueError("`zoom_range` should be a float or a tuple or list of two floats. "
                                 f"Received: zoom_range={zoom_range!r}")
            zoom = tuple(_number(z, "zoom_range", minimum=0) for z in zoom_range)
        else:
            z = _number(zoom_range, "zoom_range", minimum=0)
            zoom = (1.0 - z, 1.0 + z)
        if zoom[0] <= 0 or zoom[0] > zoom[1]:
            raise ValueError(f"`zoom_range` must give zoom factors 0 < lower <= upper; received zoom_range="
                             f"{zoom_range!r} (factors {zoom}).")
        if fill_mode in ("reflect", "wrap"):
            raise NotImplementedError(f"fill_mode={fill_mode!r} is not supported by learnnet's ImageDataGenerator; "
                                      "use 'nearest' or 'constant'.")
        if fill_mode not in ("nearest", "constant"):
            raise ValueError(f"`fill_mode` must be 'nearest' or 'constant' (Keras also has 'reflect' and 'wrap'); "
                             f"received fill_mode={fill_mode!r}")
        cval = _number(cval, "cval")
        if rescale is not None and rescale != 0:
            rescale = _number(rescale, "rescale")
        if isinstance(interpolation_order, bool) or interpolation_order not in (0, 1):
            raise NotImplementedError(f"learnnet supports interpolation_order 0 (nearest) and 1 (bilinear); "
                                      f"received interpolation_order={interpolation_order!r}")
        for name, flag in [("featurewise_center", featurewise_center), ("samplewise_center", samplewise_center),
                           ("featurewise_std_normalization", featurewise_std_normalization),
                           ("samplewise_std_normalization", samplewise_std_normalization),
                           ("horizontal_flip", horizontal_flip), ("vertical_flip", vertical_flip)]:
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"`{name}` must be True or False; received {name}={flag!r}")
        # As Keras: std normalization implies centering (dividing by a std only makes sense around the mean).
        if featurewise_std_normalization and not featurewise_center:
            featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.")
        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.zoom_range = list(zoom)
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = bool(horizontal_flip), bool(vertical_flip)
        self.rescale = rescale
        self.interpolation_order = int(interpolation_order)
        self.mean = None     # per-channel statistics of the training set, set by fit()
        self.std = None

    # -------------------------------------------------------------- the random part
    def get_random_transform(self, img_shape, seed=None):
        """Draw the parameters of one random transformation for an image of shape ``img_shape``.

        Returns a dict (Keras's keys): ``theta`` (degrees), ``tx`` (rows), ``ty`` (columns), ``zx``, ``zy``,
        ``flip_horizontal``, ``flip_vertical``. ``seed`` (int or Generator) or the global generator.
        """
        rng = get_rng(seed)
        theta = rng.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0.0
        tx = _draw_shift(rng, self.height_shift_range, img_shape[0])
        ty = _draw_shift(rng, self.width_shift_range, img_shape[1])
        if self.zoom_range == [1.0, 1.0]:
            zx = zy = 1.0
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], size=2)
        flip_h = bool(rng.random() < 0.5) and self.horizontal_flip
        flip_v = bool(rng.random() < 0.5) and self.vertical_flip
        return {"theta": float(theta), "tx": float(tx), "ty": float(ty), "zx": float(zx), "zy": float(zy),
                "flip_horizontal": flip_h, "flip_vertical": flip_v}

    def random_transform(self, x, seed=None):
        """A randomly transformed copy of one image ``x`` of shape ``(height, width, channels)``."""
        x = _image(x, "x", "random_transform")
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    # ---------------------------------------------------------- the geometric part
    def apply_transform(self, x, transform_parameters):
        """Apply the transformation described by ``transform_parameters`` (see ``get_random_transform``).

        Missing keys mean "no change": ``apply_transform(x, {"theta": 90})`` rotates by 90 degrees,
        ``{"ty": 2}`` reads every pixel from 2 columns to the right (the picture moves 2 columns left),
        ``{"tx": 2}`` likewise moves it 2 rows up, ``{"zx": 0.5, "zy": 0.5}`` zooms in twice around the centre.
        """
        x = _image(x, "x", "apply_transform")
        p = transform_parameters
        theta = math.radians(p.get("theta", 0.0) or 0.0)
        tx, ty = p.get("tx", 0.0) or 0.0, p.get("ty", 0.0) or 0.0
        zx, zy = p.get("zx", 1.0) or 1.0, p.get("zy", 1.0) or 1.0
        out = x
        if theta or tx or ty or zx != 1 or zy != 1:
            # Where each output pixel comes from: input = A @ (output - centre) + centre + A_shift.
            # As Keras: rotation, then shift, then zoom, composed as matrices on (row, col) coordinates.
            rotation = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
            zoom = np.diag([zx, zy])
            matrix = rotation @ zoom
            offset = rotation @ np.array([tx, ty])
            out = self._resample(x, matrix, offset)
        if p.get("flip_horizontal", False):
            out = out[:, ::-1]       # mirror left-right: column c <- column width-1-c
        if p.get("flip_vertical", False):
            out = out[::-1]          # mirror top-bottom
        return np.array(out, dtype=x.dtype)

    def _resample(self, x, matrix, offset):
        """Inverse mapping: read the input at ``matrix @ (p - centre) + centre + offset`` for every output pixel p."""
        h, w = x.shape[:2]
        centre = np.array([h / 2 - 0.5, w / 2 - 0.5])
        rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
        grid = np.stack([rows.ravel(), cols.ravel()]) - centre[:, None]        # (2, h*w) output coordinates
        src_r, src_c = matrix @ grid + (centre + offset)[:, None]           # where each one comes from
        if self.interpolation_order == 0:
            samples, weights = [(np.round(src_r), np.round(src_c))], [np.ones_like(src_r)]
        else:   # bilinear: the four surrounding pixels, each weighted by how close it is
            r0, c0 = np.floor(src_r), np.floor(src_c)
            fr, fc = src_r - r0, src_c - c0
            samples = [(r0, c0), (r0, c0 + 1), (r0 + 1, c0), (r0 + 1, c0 + 1)]
            weights = [(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc]
        out = np.zeros((h * w, x.shape[2]), dtype=np.float64)
        for (r, c), weight in zip(samples, weights):
            inside = (r >= 0) & (r <= h - 1) & (c >= 0) & (c <= w - 1)
            ri = np.clip(r, 0, h - 1).astype(np.intp)     # 'nearest': outside reads the edge pixel
            ci = np.clip(c, 0, w - 1).astype(np.intp)
            values = x[ri, ci].astype(np.float64)
            if self.fill_mode == "constant":
                values[~inside] = self.cval
            out += weight[:, None] * values
        return out.reshape(x.shape)

    # ------------------------------------------------------------ pixel statistics
    def standardize(self, x):
        """Normalise pixel values, in Keras's order: ``rescale``, samplewise centre/std, featurewise centre/std.

        Works on one image or a batch (the statistics of samplewise_* are then over the whole array,
        so pass one image at a time for per-image statistics, as ``flow`` does). Returns a new array.
        """
        x = as_float_array(x, "x", dtype=np.float32).copy()
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.")
            else:
                x /= self.std + 1e-6
        return x

    def fit(self, x):
        """Compute the training set's per-channel mean and std (for featurewise_center/std_normalization).

        ``x`` is a batch ``(samples, height, width, channels)``. As in Keras, ``rescale`` is *not* applied
        here: pass the images on the scale ``standardize`` will see them after rescaling.
        """
        x = as_float_array(x, "x", dtype=np.float64)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit expects a batch of images of shape (samples, height, width, "
                             f"channels); received shape {x.shape}.")
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, -1).astype(np.float32)
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, -1).astype(np.float32)

    # ---------------------------------------------------------------- batches
    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None, **kwargs):
        """Batches of augmented images: ``model.fit(datagen.flow(x, y, batch_size=32), epochs=...)``.

        Each image of a batch is ``standardize(random_transform(image))``: a new random copy every time
        it is drawn, so every epoch sees different pictures with the same labels.

        Returns a ``NumpyArrayIterator``: ``len(it)`` batches per epoch, ``it[i]`` the i-th batch
        ``(x_batch, y_batch)`` (just ``x_batch`` if ``y`` is None). ``it.on_epoch_end()`` reshuffles
        (``fit`` calls it after each epoch). As in Keras, iterating (``next(it)``, ``for xb, yb in it``)
        never ends - it starts a new, reshuffled epoch after the last batch - so break out of the loop.
        """
        defaults = {"sample_weight": None, "save_to_dir": None, "save_prefix": "", "save_format": "png",
                    "ignore_class_split": False, "subset": None}
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise TypeError(f"flow() got unexpected keyword arguments {unknown}.")
        unsupported = sorted(name for name, value in kwargs.items() if not _is_default(value, defaults[name]))
        if unsupported:
            raise NotImplementedError(f"learnnet's ImageDataGenerator.flow does not support {unsupported}; it takes "
                                      "x, y, batch_size, shuffle and seed.")
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, seed=seed)


class NumpyArrayIterator:
    """The batches of ``ImageDataGenerator.flow``: a *batch sequence* that ``model.fit`` can train on.

    A batch sequence (Keras calls it a ``PyDataset``) is anything with ``len(seq)`` (batches per
    epoch) and ``seq[i]`` (the i-th batch). The samples are reshuffled at every epoch
    (``on_epoch_end``); the random draws come from ``seed`` or learnnet's global generator,
    so ``learnnet.utils.set_random_seed`` makes a run repeat.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=True, seed=None):
        x = as_float_array(x, "x", dtype=np.float32)
        if x.ndim != 4:
            raise ValueError(f"Input data in `flow` should have rank 4 (samples, height, width, channels); "
                             f"received shape {x.shape}.")
        if x.shape[0] == 0:
            raise ValueError("`x` in `flow` is empty: it needs at least one image.")
        if y is not None:
            y = np.asarray(y)
            if y.ndim == 0 or y.shape[0] != x.shape[0]:
                raise ValueError(f"`x` (images) and `y` (labels) should have the same length. Found: "
                                 f"x.shape = {x.shape}, y.shape = {y.shape}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"Received an invalid value for `batch_size`, expected a positive integer. "
                             f"Received: batch_size={batch_size!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"`shuffle` must be True or False; received shuffle={shuffle!r}")
        self._rng = get_rng(seed)    # validates seed; None -> the global generator
        self.x, self.y = x, y
        self.image_data_generator = image_data_generator
        self.batch_size, self.shuffle, self.n = int(batch_size), bool(shuffle), x.shape[0]
        self.index_array = None      # this epoch's sample order, drawn on first use
        self._position = 0           # the next batch for next()

    def __len__(self):
        """Batches per epoch: ceil(samples / batch_size) (the last batch may be smaller)."""
        return math.ceil(self.n / self.batch_size)

    def on_epoch_end(self):
        """Start a new epoch: a new sample order (if shuffling)."""
        self.index_array = None

    def __getitem__(self, idx):
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
            raise TypeError(f"batch index must be an integer; received {describe(idx)}")
        if not -len(self) <= idx < len(self):
            raise IndexError(f"Asked for batch {idx}, but the sequence has only {len(self)} batches.")
        idx = int(idx) % len(self)
        if self.index_array is None:
            self.index_array = self._rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        chosen = self.index_array[idx * self.batch_size:(idx + 1) * self.batch_size]
        gen = self.image_data_generator
        batch_x = np.stack([gen.standardize(gen.random_transform(self.x[j], seed=self._rng)) for j in chosen])
        if self.y is None:
            return batch_x
        return batch_x, self.y[chosen]

    def __iter__(self):
        return self

    def __next__(self):
        """The next batch; after the last one of an epoch, a new (reshuffled) epoch begins."""
        if self._position >= len(self):
            self._position = 0
            self.on_epoch_end()
        batch = self[self._position]
        self._position += 1
        return batch


# ------------------------------------------------------------------ helpers
def _is_default(value, default):
    """Is ``value`` Keras's "off" value ``default`` (None only for None; else equal and not a bool for a number)?"""
    if default is None or value is None:
        return value is default
    if isinstance(value, bool) != isinstance(default, bool):
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):    # arrays and other things that do not compare to a single bool
        return False


def _number(value, name, minimum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(f"Received an invalid value for `{name}`, expected a finite number{bound}. "
                         f"Received: {name}={value!r}")
    return float(value)


def _shift_range(value, name):
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_number(v, name) for v in value]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    return _number(value, name, minimum=0)


def _draw_shift(rng, shift_range, size):
    """A random shift in pixels, as Keras: an int n -> an integer in (-n, n); a list -> one of its
    values with a random sign; a float -> uniform in [-range, range]. If every allowed value is
    below 1, it is a fraction of ``size`` (the height or the width)."""
    if isinstance(shift_range, list):
        if not shift_range:
            return 0.0
        shift = rng.choice(shift_range) * rng.choice([-1, 1])
    elif not shift_range:
        return 0.0
    elif isinstance(shift_range, int):
        shift = rng.integers(0, shift_range) * rng.choice([-1, 1])
    else:
        shift = rng.uniform(-shift_range, shift_range)
    return float(shift * size if np.max(shift_range) < 1 else shift)


def _image(x, name, who):
    x = as_float_array(x, name)
    if x.ndim != 3:
        raise ValueError(f"ImageDataGenerator.{who} expects one image of shape (height, width, channels); "
                         f"received shape {x.shape}. For a batch, use flow().")
    return x
