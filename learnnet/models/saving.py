"""Saving and loading: ``model.save("model.keras")`` and ``load_model("model.keras")``.

A saved model is one zip file (like Keras's ``.keras`` files) holding:

- ``metadata.json``: which program wrote it (``"format": "learnnet"``) and what it holds;
- ``config.json``: the architecture (``model.get_config()``) and the ``compile`` settings;
- ``model.weights.npz``: every weight array, in ``model.get_weights()`` order;
- ``optimizer.npz``: the optimizer's state (step count, momentum, Adam's running means),
  so training continues exactly where it stopped.

``model.save_weights("model.weights.h5")`` writes only the weights (and ``metadata.json``).
learnnet cannot write HDF5: whatever the name ends with, the content is this zip of JSON
and NumPy arrays. Names follow Keras's rules so the same code runs on both.

Files are written atomically: to a temporary file in the same folder, then renamed
over the target, so a crash never leaves half a file behind. A truncated or foreign
file gives an error naming it.
"""
import io
import json
import os
import tempfile
import zipfile

import numpy as np

FORMAT = "learnnet"
FORMAT_VERSION = 1


# ----------------------------------------------------------------------- saving ----

def save_model(model, filepath, overwrite=True):
    """Write architecture, weights, compile settings and optimizer state to ``filepath`` (``.keras``)."""
    path = os.fspath(filepath)
    if not path.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add a `.keras` extension, as Keras wants "
                         f"(learnnet writes a zip of JSON and NumPy arrays). Received: filepath={path}")
    from .functional import serialize_layer
    config = {**serialize_layer(model), "compile_config": _compile_config(model)}
    weights = model.get_weights()
    files = {
        "metadata.json": _metadata("model", model, weights),
        "config.json": json.dumps(config, indent=1).encode(),
        "model.weights.npz": _npz({f"w{i}": w for i, w in enumerate(weights)}),
    }
    if model.compiled:
        index = {id(w): i for i, w in enumerate(model.weights)}
        state = model.optimizer.get_state()
        tracked = model._optimizer_params if len(state) > 1 else []   # no state yet: nothing tracked
        files["optimizer.npz"] = _npz({
            "params": np.array([index[id(p)] for p in tracked], dtype=np.int64),
            **{f"s{i}": s for i, s in enumerate(state)},
        })
    _write_zip_atomically(path, files, overwrite)


def save_weights(model, filepath, overwrite=True):
    """Write only the weights, in ``get_weights`` order, to ``filepath`` (``.weights.h5`` or ``.weights.npz``)."""
    path = os.fspath(filepath)
    if not path.endswith((".weights.h5", ".weights.npz")):
        raise ValueError("The filename must end in `.weights.h5` (as in Keras) or `.weights.npz`. "
                         f"Received: filepath={path}")
    weights = model.get_weights()
    files = {"metadata.json": _metadata("weights", model, weights),
             "model.weights.npz": _npz({f"w{i}": w for i, w in enumerate(weights)})}
    _write_zip_atomically(path, files, overwrite)


def _metadata(kind, model, weights):
    from .. import __version__
    names = [f"{leaf.name}.{n}" for leaf in model._leaf_layers() for n in leaf._names()]
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "learnnet_version": __version__,
                       "content": kind, "model_name": model.name, "weight_names": names,
                       "weight_shapes": [list(w.shape) for w in weights]}, indent=1).encode()


def _compile_config(model):
    if not model.compiled:
        return None
    from .. import losses as losses_module
    from .. import metrics as metrics_module
    from .. import optimizers as optimizers_module

    def metric_spec(m):
        return m if isinstance(m, str) else metrics_module.serialize(metrics_module.get(m))

    return {"optimizer": optimizers_module.serialize(model.optimizer),
            "losses": [None if loss is None else losses_module.serialize(loss) for loss in model._losses],
            "loss_weights": list(model._loss_weights),
            "metrics": [[metric_spec(m) for m in spec] for spec in model._metric_specs]}


def _npz(arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _write_zip_atomically(path, files, overwrite):
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' already exists; pass overwrite=True to replace it.")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".learnnet-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
                for name, data in files.items():
                    archive.writestr(name, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)     # atomic: readers see the old file or the new one, never half of one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------- loading ----

class _Archive:
    """Read the members of a saved file, turning every kind of damage into a ValueError naming the file."""

    def __init__(self, path):
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"No such file: '{self.path}'.")
        try:
            self.zip = zipfile.ZipFile(self.path)
            self.names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise self.error(f"it is not a zip archive ({exc})") from None
        self.metadata = self.json("metadata.json")
        if self.metadata.get("format") != FORMAT:
            who = f"Keras {self.metadata['keras_version']}" if "keras_version" in self.metadata else "another program"
            raise self.error(f"it was written by {who}, not by learnnet")

    def error(self, reason):
        return ValueError(f"Cannot load '{self.path}': {reason}. Was it saved by learnnet's model.save() or "
                          "model.save_weights(), and completely written?")

    def read(self, name):
        if name not in self.names:
            raise self.error(f"it has no '{name}'")
        try:
            return self.zip.read(name)
        except Exception as exc:   # a truncated or corrupted member
            raise self.error(f"'{name}' is damaged ({type(exc).__name__}: {exc})") from None

    def json(self, name):
        try:
            return json.loads(self.read(name).decode())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.error(f"'{name}' is not valid JSON ({exc})") from None

    def arrays(self, name):
        try:
            with np.load(io.BytesIO(self.read(name)), allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except ValueError as exc:
            if str(exc).startswith("Cannot load"):
                raise
            raise self.error(f"'{name}' is not a valid NumPy archive ({exc})") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise self.error(f"'{name}' is not a valid NumPy archive ({exc})") from None

    def weights(self):
        data = self.arrays("model.weights.npz")
        return [data[f"w{i}"] for i in range(len(data))]

    def close(self):
        self.zip.close()


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model saved with ``model.save``: architecture, weights and (with ``compile=True``)
    the compile settings and optimizer state, so ``fit`` continues exactly where it stopped."""
    from .. import losses as losses_module
    from .. import metrics as metrics_module
    from .. import optimizers as optimizers_module
    from .functional import deserialize_layer
    archive = _Archive(filepath)
    try:
        if archive.metadata.get("content") != "model":
            raise archive.error("it holds weights only (from save_weights): build the model, then "
                                "model.load_weights(path)")
        config = archive.json("config.json")
        try:
            model = deserialize_layer(config)
        except (KeyError, TypeError) as exc:
            raise archive.error(f"its config.json does not describe a model ({type(exc).__name__}: {exc})") from None
        _set_weights(model, archive.weights(), archive)
        compile_config = config.get("compile_config")
        if compile and compile_config:
            multi = len(compile_config["losses"]) > 1
            losses = [None if c is None else losses_module.deserialize(c) for c in compile_config["losses"]]
            specs = [[m if isinstance(m, str) else metrics_module.deserialize(m) for m in spec]
                     for spec in compile_config["metrics"]]
            model.compile(optimizer=optimizers_module.deserialize(compile_config["optimizer"]),
                          loss=losses if multi else losses[0],
                          loss_weights=compile_config["loss_weights"] if multi else None,
                          metrics=specs if multi else specs[0])
            if "optimizer.npz" in archive.names:
                data = archive.arrays("optimizer.npz")
                weights = model.weights
                params = [weights[i] for i in data["params"]]
                state = [data[f"s{i}"] for i in range(len(data) - 1)]
                model.optimizer.set_state(state, params=params)
                model._optimizer_params = params
                model._optimizer_seen = {id(p) for p in params}
        return model
    finally:
        archive.close()


def load_weights(model, filepath):
    """Load weights from ``save_weights`` (or ``save``) into ``model``, which must have the same layers."""
    archive = _Archive(filepath)
    try:
        _set_weights(model, archive.weights(), archive)
    finally:
        archive.close()


def _set_weights(model, weights, archive):
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to load into: build it first "
                         "(give the first layer an input shape, or call model.build(input_shape)).")
    expected = [w.shape for w in model.weights]
    saved = [tuple(w.shape) for w in weights]
    if saved != expected:
        names = archive.metadata.get("weight_names", [])
        raise ValueError(
            f"The weights in '{archive.path}' do not fit model '{model.name}': the file has {len(saved)} arrays "
            f"{list(zip(names, saved))[:4]}..., the model expects {len(expected)} of shapes {expected[:4]}... "
            "Build the same architecture as the saved model."
        )
    model.set_weights(weights)
