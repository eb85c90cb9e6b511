"""learnnet's benchmarks, side by side in one run: one command, a JSON file and a Markdown table.

    python benchmarks/run.py            # everything (~10 minutes on 2 cores)
    python benchmarks/run.py --quick    # fewer rounds and samples (~3 minutes), same table
    python benchmarks/run.py --only mlp cnn predict     # some sections only

Writes ``benchmarks/results/latest.json`` and ``benchmarks/results/latest.md`` (``--out`` to
change the folder). See ``benchmarks/README.md`` for what each number means.

Sections:
    mlp      training step of the course's MLP through fit: learnnet vs NumPy floor, PyTorch, Keras
    cnn      training step of a small CNN through fit: learnnet vs PyTorch (and Keras, for information)
    predict  predict throughput at batch 256, both models, against the same peers
    widgets  every lesson widget: control change -> redrawn figure; the Playground's steps/s
    lessons  the whole lesson suite, each notebook in a fresh kernel
    memory   peak memory of training the CNN, each contender in a fresh process

Never part of the test run: pytest collects only ``tests/`` and ``lessons/`` (pyproject.toml).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ["KERAS_BACKEND"] = "torch"          # Keras 3 on PyTorch, the backend installed here

import bench_common as common   # noqa: E402
import bench_training as bt     # noqa: E402

SECTIONS = ["mlp", "cnn", "predict", "widgets", "lessons", "memory"]

TARGETS = {   # learnnet's time / the peer's time must be at most this (issue #6)
    "mlp": {"numpy": 1.3, "torch": 0.5, "keras": 0.1},
    "cnn": {"torch": 1.0},
    # The issue sets no separate numbers for predict; the training targets are applied.
    "predict_mlp": {"numpy": 1.3, "torch": 0.5, "keras": 0.1},
    "predict_cnn": {"torch": 1.0},
}
WIDGET_MEDIAN_MS = 50
PLAYGROUND_STEPS_PER_S = 20
LESSON_SUITE_S = 120


def settings(quick):
    if quick:
        return {"mlp_samples": 1024, "mlp_rounds": 7, "cnn_samples": 256, "cnn_rounds": 5,
                "predict_mlp_samples": 4096, "predict_cnn_samples": 1024, "predict_rounds": 7,
                "widget_repeats": 1, "memory_samples": 512, "playground_steps": 40}
    return {"mlp_samples": 2048, "mlp_rounds": 15, "cnn_samples": 512, "cnn_rounds": 11,
            "predict_mlp_samples": 8192, "predict_cnn_samples": 2048, "predict_rounds": 15,
            "widget_repeats": 3, "memory_samples": 2048, "playground_steps": 100}


def optional(module):
    try:
        return __import__(module)
    except Exception as exc:   # not installed, or broken: skip its contender, say why
        return f"{module} unavailable: {type(exc).__name__}: {exc}"


def label(name, threads):
    return f"{name} @{threads}t"


def compare(times, section, unit_scale, unit, settings):
    """Medians per contender and learnnet's ratio against each peer at the same thread count
    (per round), with the targets.

    The wall-clock ratios decide; the CPU-time ratios (``cpu_ratios``) are there to show how much
    of a difference the machine's load made.
    """
    out = {"unit": unit, "thread_settings": settings, "contenders": {}, "ratios": {}, "cpu_ratios": {}}
    cpu = common.CPU_SUFFIX
    for name, values in times.items():
        if name.endswith(cpu):
            continue
        s = common.summary(values)
        out["contenders"][name] = {k: (v * unit_scale if k != "n" else v) for k, v in s.items()}
        out["contenders"][name]["cpu_median"] = common.summary(times[name + cpu])["median"] * unit_scale
    for peer in out["contenders"]:
        family, threads = peer.split(" @")
        if family != "learnnet":
            own = f"learnnet @{threads}"
            target = TARGETS.get(section, {}).get(family)
            out["ratios"][peer] = common.ratio_stats(times, own, peer, target)
            out["cpu_ratios"][peer] = common.ratio_stats(times, own + cpu, peer + cpu)
    return out


class Threads:
    """Sets NumPy's BLAS (through threadpoolctl, at run time: the environment is left alone) and
    PyTorch to the same number of threads. Called untimed, right before each contender's round."""

    def __init__(self, torch):
        self.torch = torch
        try:
            import threadpoolctl
            self.controller = threadpoolctl.ThreadpoolController()
        except ImportError:
            self.controller = None

    def setter(self, n):
        def set_threads():
            if self.controller is not None:
                self.controller.limit(limits=n, user_api="blas")
            if self.torch is not None:
                self.torch.set_num_threads(n)
        return set_threads


def contenders_for(peers, makers):
    """``{label: (set threads, fn)}`` for each contender in ``makers`` ({name: make()}) whose library is
    available, once per thread setting: each makes its own model and data pipeline."""
    out = {}
    for n in peers["thread_settings"]:
        for name, make in makers.items():
            if name in ("learnnet", "numpy") or name in peers:
                out[label(name, n)] = (peers["threads"].setter(n), make())
    return out


def bench_mlp(cfg, peers, log):
    x, y, labels = bt.mlp_data(cfg["mlp_samples"])
    contenders = contenders_for(peers, {
        "learnnet": lambda: bt.learnnet_fit(bt.learnnet_mlp(), x, y),
        "numpy": lambda: bt.numpy_fit(bt.NumpyMLP(), x, y),
        "torch": lambda: bt.torch_fit(*bt.torch_mlp(), *bt.torch_tensors(x, labels)),
        "keras": lambda: bt.keras_fit(bt.keras_mlp(), x, y),
    })
    log(f"mlp: {list(contenders)}, {cfg['mlp_rounds']} rounds of {cfg['mlp_samples'] // bt.BATCH} steps")
    times = common.interleaved_by_threads(contenders, cfg["mlp_rounds"])
    return compare(times, "mlp", 1e3, "ms per training step", peers["thread_settings"])


def bench_cnn(cfg, peers, log):
    x, y, labels = bt.cnn_data(cfg["cnn_samples"])
    contenders = contenders_for(peers, {
        "learnnet": lambda: bt.learnnet_fit(bt.learnnet_cnn(), x, y),
        "torch": lambda: bt.torch_fit(*bt.torch_cnn(), *bt.torch_tensors(x, labels, channels_first=True)),
        "keras": lambda: bt.keras_fit(bt.keras_cnn(), x, y),
    })
    log(f"cnn: {list(contenders)}, {cfg['cnn_rounds']} rounds of {cfg['cnn_samples'] // bt.BATCH} steps")
    times = common.interleaved_by_threads(contenders, cfg["cnn_rounds"])
    return compare(times, "cnn", 1e3, "ms per training step", peers["thread_settings"])


def bench_predict(cfg, peers, log):
    out = {}
    x, y, labels = bt.mlp_data(cfg["predict_mlp_samples"])
    contenders = contenders_for(peers, {
        "learnnet": lambda: bt.learnnet_predict(bt.learnnet_mlp(), x),
        "numpy": lambda: bt.numpy_predict(bt.NumpyMLP(), x),
        "torch": lambda: bt.torch_predict(bt.torch_mlp()[0], bt.torch_tensors(x, labels)[0]),
        "keras": lambda: bt.keras_predict(bt.keras_mlp(), x),
    })
    log(f"predict mlp: {list(contenders)}, {cfg['predict_rounds']} rounds of {len(x)} samples")
    out["mlp"] = compare(common.interleaved_by_threads(contenders, cfg["predict_rounds"]), "predict_mlp", 1e6,
                         "µs per sample", peers["thread_settings"])
    x, y, labels = bt.cnn_data(cfg["predict_cnn_samples"])
    contenders = contenders_for(peers, {
        "learnnet": lambda: bt.learnnet_predict(bt.learnnet_cnn(), x),
        "torch": lambda: bt.torch_predict(bt.torch_cnn()[0], bt.torch_tensors(x, labels, True)[0]),
        "keras": lambda: bt.keras_predict(bt.keras_cnn(), x),
    })
    log(f"predict cnn: {list(contenders)}, {cfg['predict_rounds']} rounds of {len(x)} samples")
    out["cnn"] = compare(common.interleaved_by_threads(contenders, cfg["predict_rounds"]), "predict_cnn", 1e6,
                         "µs per sample", peers["thread_settings"])
    for model in out.values():   # throughput is what people quote: samples per second
        for stats in model["contenders"].values():
            stats["samples_per_second"] = 1e6 / stats["median"]
    return out


def bench_widgets(cfg, log):
    import bench_widgets
    log("widgets: sweeping every control of every widget")
    result = bench_widgets.run(repeats=cfg["widget_repeats"], playground_steps=cfg["playground_steps"])
    for stats in result["widgets"].values():
        stats["met"] = stats["median_ms"] <= WIDGET_MEDIAN_MS
    pg = result["playground"]
    if "steps_per_second" in pg:
        pg["target"], pg["met"] = PLAYGROUND_STEPS_PER_S, pg["steps_per_second"] >= PLAYGROUND_STEPS_PER_S
    result["target_median_ms"] = WIDGET_MEDIAN_MS
    return result


def bench_lessons(cfg, log):
    import bench_lessons
    log("lessons: executing every notebook in a fresh kernel")
    result = bench_lessons.run()
    result["target_seconds"] = LESSON_SUITE_S
    result["met"] = result["total_seconds"] <= LESSON_SUITE_S and not result["failed"]
    return result


def bench_memory(cfg, peers, log):
    import bench_memory
    contenders = ["learnnet"] + (["torch"] if "torch" in peers else [])
    log(f"memory: {contenders}, one epoch of {cfg['memory_samples']} samples each in a fresh process")
    return {"samples": cfg["memory_samples"], "contenders": bench_memory.run(contenders, cfg["memory_samples"])}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and samples")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="leave these sections out")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder for latest.json / latest.md")
    args = parser.parse_args(argv)
    sections = [s for s in (args.only or SECTIONS) if s not in args.skip]
    cfg = settings(args.quick)
    start = time.perf_counter()

    def log(message):
        print(f"[{time.perf_counter() - start:6.1f} s] {message}", flush=True)

    blas_threads = common.numpy_blas_threads()
    peers, notes = {}, []
    torch = optional("torch")
    if isinstance(torch, str):
        notes.append(torch)
        torch = None
    else:
        peers["torch"] = {"default_threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads()}
        keras = optional("keras")
        if isinstance(keras, str):
            notes.append(keras)
        else:
            peers["keras"] = {"backend": keras.backend.backend()}
    # Every contender runs with NumPy's BLAS and PyTorch set to the same number of threads: NumPy's
    # own count, and also 1. On a loaded machine each OpenMP/OpenBLAS barrier of a multi-threaded
    # matrix product can wait for a descheduled thread (10-100x slower); one thread shows the work itself.
    peers["thread_settings"] = [blas_threads] + ([1] if blas_threads > 1 else [])
    peers["threads"] = Threads(torch)
    machine = common.machine_info()
    machine["threads"] = {"numpy_blas": blas_threads, "settings": peers["thread_settings"],
                          **{k: v for k, v in peers.items() if k in ("torch", "keras")}}
    results = {"machine": machine, "settings": {**cfg, "quick": args.quick, "sections": sections},
               "notes": notes, "targets": TARGETS}
    log(f"BLAS {machine['blas']}; thread settings {peers['thread_settings']}")

    if "mlp" in sections:
        results["mlp"] = bench_mlp(cfg, peers, log)
    if "cnn" in sections:
        results["cnn"] = bench_cnn(cfg, peers, log)
    if "predict" in sections:
        results["predict"] = bench_predict(cfg, peers, log)
    peers["threads"].setter(blas_threads)()        # the rest runs with the default threads
    if "widgets" in sections:
        results["widgets"] = bench_widgets(cfg, log)
    if "memory" in sections:
        results["memory"] = bench_memory(cfg, peers, log)
    if "lessons" in sections:
        results["lessons"] = bench_lessons(cfg, log)
    machine["load_average_at_end"] = common.load_average()
    machine["benchmark_seconds"] = round(time.perf_counter() - start, 1)

    import bench_report as report
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=1, default=float) + "\n")
    text = report.markdown(results)
    (args.out / "latest.md").write_text(text)
    print(text)
    log(f"wrote {args.out / 'latest.json'} and {args.out / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
