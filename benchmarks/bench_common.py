"""What every benchmark shares: interleaved timing, ratio statistics, machine information.

Shared machines are noisy: another job can slow one measurement down by 2x. So contenders
are never timed one after the other in blocks. Each *round* runs every contender once, in
an order that rotates from round to round, and a ratio is taken *inside* each round
(learnnet's time / the peer's time, measured a few milliseconds apart). The report gives
the median of those per-round ratios and their spread (25th-75th percentile).
"""
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CPU_SUFFIX = " [cpu]"


def interleaved(contenders, rounds, warmup=1):
    """Time ``contenders`` (``{name: fn}``) round-robin; ``fn()`` does some work and returns how many units.

    A contender may also be ``(setup, fn)``: ``setup()`` runs untimed right before each ``fn()``
    (it sets PyTorch's thread count, which NumPy and the other contenders share the machine with).

    Returns ``{name: [seconds per unit, one per round]}`` by the wall clock, and the same by this
    process's CPU time (all its threads) as ``{name + CPU_SUFFIX: [...]}``: on a loaded machine the
    wall clock also counts the time spent waiting for a CPU, the CPU time does not. Every contender
    is warmed up first (imports, caches, lazy builds); the start of the round-robin rotates each
    round so that no contender always runs right after the same neighbour.
    """
    specs = {name: (spec if isinstance(spec, tuple) else (lambda: None, spec)) for name, spec in contenders.items()}
    names = list(specs)
    for name in names:
        setup, fn = specs[name]
        for _ in range(warmup):
            setup()
            fn()
    per_unit = {name: [] for name in names}
    cpu_per_unit = {name + CPU_SUFFIX: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            setup, fn = specs[name]
            setup()
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            units = fn()
            per_unit[name].append((time.perf_counter() - start) / units)
            cpu_per_unit[name + CPU_SUFFIX].append((time.process_time() - cpu) / units)
    return {**per_unit, **cpu_per_unit}


def interleaved_by_threads(contenders, rounds, warmup=1):
    """``interleaved`` once per thread setting: contenders labelled ``"name @Nt"`` are grouped by N.

    Mixing thread settings in one round-robin bills a one-thread contender for the two-thread
    contender before it: that one's BLAS and OpenMP threads keep spinning for a while after their
    work, on the same two cores and in this process's CPU time. Each group is timed on its own.
    """
    groups = {}
    for name, spec in contenders.items():
        groups.setdefault(name.rsplit(" @", 1)[-1], {})[name] = spec
    times = {}
    for group in groups.values():
        times.update(interleaved(group, rounds, warmup))
    return times


def percentile(values, q):
    """The q-th percentile (0-100) by linear interpolation, as ``numpy.percentile``."""
    values = sorted(values)
    if not values:
        return float("nan")
    pos = (len(values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def summary(values):
    """Median, 25th and 75th percentile, min and max of a list of numbers."""
    return {"median": statistics.median(values), "p25": percentile(values, 25), "p75": percentile(values, 75),
            "min": min(values), "max": max(values), "n": len(values)}


def ratio_stats(times, numerator, denominator, target=None):
    """Per-round ratios ``times[numerator][r] / times[denominator][r]``, summarised; ``met`` if median <= target."""
    ratios = [a / b for a, b in zip(times[numerator], times[denominator])]
    out = summary(ratios)
    out["target"] = target
    out["met"] = None if target is None else bool(out["median"] <= target)
    return out


def blas_info():
    """The BLAS NumPy uses (library, version, CPU kernel, threads), from threadpoolctl if installed."""
    try:
        import threadpoolctl
    except ImportError:
        return {"note": "threadpoolctl not installed: pip install threadpoolctl"}
    import numpy  # noqa: F401  (load NumPy's BLAS so threadpoolctl sees it)
    pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
    numpy_pools = [p for p in pools if "numpy" in p.get("filepath", "")] or pools
    if not numpy_pools:
        return {"note": "no BLAS found by threadpoolctl"}
    p = numpy_pools[0]
    return {"library": p.get("internal_api"), "version": p.get("version"), "kernel": p.get("architecture"),
            "threads": p.get("num_threads"), "threading_layer": p.get("threading_layer"),
            "file": Path(p.get("filepath", "")).name}


def numpy_blas_threads():
    info = blas_info()
    return info.get("threads") or os.cpu_count() or 1


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(module):
    try:
        return __import__(module).__version__
    except Exception:
        return None


def git_state():
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        except Exception:
            return ""
    dirty = git("status", "--porcelain", "--", "learnnet")
    return {"commit": git("rev-parse", "--short", "HEAD"), "engine_uncommitted_changes": bool(dirty)}


def load_average():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_info():
    """Everything needed to read the numbers: CPU, cores, library versions, BLAS and its kernel."""
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                      "OMP_NUM_THREADS", "MKL_NUM_THREADS", "KERAS_BACKEND") if k in os.environ}
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": _version("numpy"),
        "torch": _version("torch"),
        "keras": _version("keras"),
        "matplotlib": _version("matplotlib"),
        "blas": blas_info(),
        "env": env,
        "git": git_state(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_average_at_start": load_average(),
        "argv": " ".join([Path(sys.argv[0]).name] + sys.argv[1:]),
    }
