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


def compare(times, section, unit_scale, unit):
    """Medians per contender and learnnet's ratio against each peer (per round), with targets.

    The wall-clock ratios decide; the CPU-time ratios (``cpu_ratios``) are there to show how much
    of a difference the machine's load made.
    """
    out = {"unit": unit, "contenders": {}, "ratios": {}, "cpu_ratios": {}}
    cpu = common.CPU_SUFFIX
    for name, values in times.items():
        if name.endswith(cpu):
            continue
        s = common.summary(values)
        out["contenders"][name] = {k: (v * unit_scale if k != "n" else v) for k, v in s.items()}
        out["contenders"][name]["cpu_median"] = common.summary(times[name + cpu])["median"] * unit_scale
    for peer in out["contenders"]:
        if peer != "learnnet":
            target = TARGETS.get(section, {}).get(peer.split(" ")[0])   # "torch (1 thread)" is judged as "torch"
            out["ratios"][peer] = common.ratio_stats(times, "learnnet", peer, target)
            out["cpu_ratios"][peer] = common.ratio_stats(times, "learnnet" + cpu, peer + cpu)
    return out


def threaded(fn, threads):
    """A contender that runs with PyTorch set to ``threads`` threads (set untimed, before each round)."""
    import torch
    return (lambda: torch.set_num_threads(threads), fn)


def add_peers(contenders, peers, family, make):
    """Add ``family`` ("torch" or "keras") once per thread setting in ``peers["thread_settings"]``."""
    if family not in peers:
        return
    for label, threads in peers["thread_settings"]:
        contenders[family + label] = threaded(make(), threads)


def bench_mlp(cfg, peers, log):
    x, y, labels = bt.mlp_data(cfg["mlp_samples"])
    contenders = {"learnnet": bt.learnnet_fit(bt.learnnet_mlp(), x, y),
                  "numpy": bt.numpy_fit(bt.NumpyMLP(), x, y)}
    add_peers(contenders, peers, "torch", lambda: bt.torch_fit(*bt.torch_mlp(), *bt.torch_tensors(x, labels)))
    add_peers(contenders, peers, "keras", lambda: bt.keras_fit(bt.keras_mlp(), x, y))
    log(f"mlp: {list(contenders)}, {cfg['mlp_rounds']} rounds of {cfg['mlp_samples'] // bt.BATCH} steps")
    times = common.interleaved(contenders, cfg["mlp_rounds"])
    return compare(times, "mlp", 1e3, "ms per training step")


def bench_cnn(cfg, peers, log):
    x, y, labels = bt.cnn_data(cfg["cnn_samples"])
    contenders = {"learnnet": bt.learnnet_fit(bt.learnnet_cnn(), x, y)}
    add_peers(contenders, peers, "torch",
              lambda: bt.torch_fit(*bt.torch_cnn(), *bt.torch_tensors(x, labels, channels_first=True)))
    add_peers(contenders, peers, "keras", lambda: bt.keras_fit(bt.keras_cnn(), x, y))
    log(f"cnn: {list(contenders)}, {cfg['cnn_rounds']} rounds of {cfg['cnn_samples'] // bt.BATCH} steps")
    times = common.interleaved(contenders, cfg["cnn_rounds"])
    return compare(times, "cnn", 1e3, "ms per training step")


def bench_predict(cfg, peers, log):
    out = {}
    x, y, labels = bt.mlp_data(cfg["predict_mlp_samples"])
    contenders = {"learnnet": bt.learnnet_predict(bt.learnnet_mlp(), x), "numpy": bt.numpy_predict(bt.NumpyMLP(), x)}
    add_peers(contenders, peers, "torch", lambda: bt.torch_predict(bt.torch_mlp()[0], bt.torch_tensors(x, labels)[0]))
    add_peers(contenders, peers, "keras", lambda: bt.keras_predict(bt.keras_mlp(), x))
    log(f"predict mlp: {list(contenders)}, {cfg['predict_rounds']} rounds of {len(x)} samples")
    out["mlp"] = compare(common.interleaved(contenders, cfg["predict_rounds"]), "predict_mlp", 1e6,
                         "µs per sample")
    x, y, labels = bt.cnn_data(cfg["predict_cnn_samples"])
    contenders = {"learnnet": bt.learnnet_predict(bt.learnnet_cnn(), x)}
    add_peers(contenders, peers, "torch", lambda: bt.torch_predict(bt.torch_cnn()[0], bt.torch_tensors(x, labels, True)[0]))
    add_peers(contenders, peers, "keras", lambda: bt.keras_predict(bt.keras_cnn(), x))
    log(f"predict cnn: {list(contenders)}, {cfg['predict_rounds']} rounds of {len(x)} samples")
    out["cnn"] = compare(common.interleaved(contenders, cfg["predict_rounds"]), "predict_cnn", 1e6,
                         "µs per sample")
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
    else:
        torch.set_num_threads(blas_threads)   # the same number of threads as NumPy's BLAS
        peers["torch"] = {"threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads()}
        # Also one thread: on a loaded machine, every OpenMP barrier of a 2-thread PyTorch can wait for a
        # descheduled thread (10-100x slower for small ops). Each target is judged against every setting.
        peers["thread_settings"] = [("", blas_threads)] + ([(" (1 thread)", 1)] if blas_threads > 1 else [])
        keras = optional("keras")
        if isinstance(keras, str):
            notes.append(keras)
        else:
            peers["keras"] = {"backend": keras.backend.backend()}
    machine = common.machine_info()
    machine["threads"] = {"numpy_blas": blas_threads, **peers}
    results = {"machine": machine, "settings": {**cfg, "quick": args.quick, "sections": sections},
               "notes": notes, "targets": TARGETS}
    log(f"BLAS {machine['blas']}; torch threads {peers.get('torch', {}).get('threads')}")

    if "mlp" in sections:
        results["mlp"] = bench_mlp(cfg, peers, log)
    if "cnn" in sections:
        results["cnn"] = bench_cnn(cfg, peers, log)
    if "predict" in sections:
        results["predict"] = bench_predict(cfg, peers, log)
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
