"""Train the pretrained weights that ship with learnnet: MiniVGG on printed digits.

Run from the repository root::

    python scripts/train_pretrained.py            # writes learnnet/applications/weights/mini_vgg_digits.npz
    python scripts/train_pretrained.py --check    # trains again and compares with the shipped file
    python scripts/train_pretrained.py --out /tmp/w.npz

Everything comes from the package itself: the images from ``learnnet.datasets.load_digits``
(generated from the shipped glyph templates, nothing downloaded), the network from
``learnnet.applications.MiniVGG(weights=None)``, the training from learnnet's own
``compile``/``fit``. The seed fixes the data, the initial weights and the shuffling.

The file holds one float32 array per weight (``"block1_conv1/kernel"``, ...) and a
``"metadata"`` JSON text: the recipe below and the accuracy measured on the held-out
test split (digits in 5 fonts the training never saw). It carries no date, and the zip
entries have fixed timestamps, so the same training gives the same bytes. The file is
written atomically (a temporary file, then a rename), with a readable copy of the
metadata beside it (``mini_vgg_digits.json``).

BLAS runs single-threaded unless ``OPENBLAS_NUM_THREADS`` (etc.) says otherwise: a
multi-threaded matrix product may add its terms in another order from run to run
or machine to machine, and the weights would then differ in their last bits.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # before NumPy loads BLAS: reproducible sums

import argparse
import hashlib
import io
import json
import sys
import tempfile
import time
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import learnnet  # noqa: E402
from learnnet import datasets, utils  # noqa: E402
from learnnet.applications import MiniVGG  # noqa: E402
from learnnet.applications._common import pretrained_path, weight_arrays  # noqa: E402
from learnnet.optimizers import Adam  # noqa: E402

SEED = 0
DATA = {"n_per_class": 1000, "n_test_per_class": 100, "seed": SEED}   # load_digits arguments
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
OUT = pretrained_path("MiniVGG", "digits")


def train(log=print):
    """Train MiniVGG on digits; return the model and the metadata describing it."""
    utils.set_random_seed(SEED)
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(**DATA)
    model = MiniVGG(weights=None)   # 28x28x1, 10 classes, random initial weights from the seed
    model.compile(optimizer=Adam(learning_rate=LEARNING_RATE), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=2 if log else 0)
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    if log:
        log(f"trained in {seconds:.0f} s; test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}")
    metadata = {
        "model": "MiniVGG",
        "weights": "digits",
        "script": "scripts/train_pretrained.py",
        "data": {"function": "learnnet.datasets.load_digits", "arguments": DATA,
                 "train_samples": int(len(x_train)), "test_samples": int(len(x_test))},
        "seed": SEED,
        "training": {"epochs": EPOCHS, "batch_size": BATCH_SIZE, "optimizer": "Adam",
                     "learning_rate": LEARNING_RATE, "loss": "sparse_categorical_crossentropy"},
        "history": {key: [round(float(v), 6) for v in values] for key, values in history.history.items()},
        "test_accuracy": round(float(test_accuracy), 6),
        "test_loss": round(float(test_loss), 6),
        "params": int(model.count_params()),
        "learnnet_version": learnnet.__version__,
        "numpy_version": np.__version__,
    }
    return model, metadata


def npz_bytes(arrays, metadata):
    """An .npz archive (float32 arrays + the metadata text) with fixed zip timestamps: same input, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        items = {**{key: np.asarray(a, dtype=np.float32) for key, a in arrays.items()},
                 "metadata": np.array(json.dumps(metadata, sort_keys=True))}
        for key, array in items.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            data = io.BytesIO()
            np.lib.format.write_array(data, array, allow_pickle=False)
            archive.writestr(info, data.getvalue(), compresslevel=9)
    return buffer.getvalue()


def write_atomically(path, data):
    """Write to a temporary file in the same folder, then rename it over ``path``: never half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".train-pretrained-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)     # mkstemp makes it private; package data is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=OUT, help="where to write the .npz (default: the shipped file)")
    parser.add_argument("--check", action="store_true",
                        help="train, then compare with --out instead of writing it (exit status 1 if they differ)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    model, metadata = train()
    data = npz_bytes(weight_arrays(model), metadata)
    print(f"total {time.perf_counter() - start:.0f} s; {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    if args.check:
        with open(args.out, "rb") as f:
            same = f.read() == data
        print("identical to " + args.out if same else "DIFFERS from " + args.out)
        return 0 if same else 1
    write_atomically(args.out, data)
    json_path = os.path.splitext(args.out)[0] + ".json"
    write_atomically(json_path, (json.dumps(metadata, indent=1, sort_keys=True) + "\n").encode())
    print(f"wrote {args.out} and {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
