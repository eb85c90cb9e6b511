"""Peak memory of training the CNN (the lesson's model, see ``bench_training.learnnet_cnn``).

Each contender trains in its own fresh process, so nothing another contender allocated is
counted. The process's peak resident memory (Linux's ``VmHWM``) is reset right before
training (``/proc/self/clear_refs``), after imports, data and model are ready; the number
reported is ``peak during training - resident before training``: what training itself needs.
For learnnet, ``tracemalloc`` (which sees every NumPy array) gives the peak of Python and NumPy
allocations during training as well.

Run by ``run.py``: ``python bench_memory.py learnnet|torch SAMPLES``; prints one JSON line.
"""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def _reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def child(which, samples):
    import bench_training as bt
    x, y, labels = bt.cnn_data(samples)
    traced = None
    if which == "learnnet":
        model = bt.learnnet_cnn()
        model.fit(x[:64], y[:64], batch_size=bt.BATCH, epochs=1, verbose=0)   # warm up, as the others
        train = bt.learnnet_fit(model, x, y)
    elif which == "torch":
        import torch
        from bench_common import numpy_blas_threads
        torch.set_num_threads(numpy_blas_threads())
        model, opt = bt.torch_cnn()
        tx, ty = bt.torch_tensors(x, labels, channels_first=True)
        bt.torch_fit(model, opt, tx[:64], ty[:64])()
        train = bt.torch_fit(model, opt, tx, ty)
    else:
        raise SystemExit(f"unknown contender {which}")
    import gc
    if which == "learnnet":
        import tracemalloc
        tracemalloc.start()
        train()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    gc.collect()
    before = _status_kb("VmRSS")
    exact = _reset_peak()
    train()
    peak = _status_kb("VmHWM")
    print(json.dumps({
        "contender": which, "samples": samples,
        "rss_before_mb": before / 1024, "peak_rss_mb": peak / 1024,
        "training_peak_mb": max(peak - before, 0) / 1024 if exact else None,
        "tracemalloc_peak_mb": None if traced is None else traced / 2**20,
        "peak_reset": exact,
    }))


def run(contenders, samples):
    out = {}
    for which in contenders:
        proc = subprocess.run([sys.executable, str(Path(__file__)), which, str(samples)], cwd=HERE,
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            out[which] = {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
            continue
        out[which] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(1, str(HERE.parent))
    child(sys.argv[1], int(sys.argv[2]))
