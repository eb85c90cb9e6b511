"""The lesson suite's run time: every ``lessons/*.ipynb`` executed top to bottom, each in a fresh kernel.

This is what nbval does in the test run and what a learner's "Run all" costs: kernel start,
imports, widgets, training. The notebooks are executed in memory (nbclient) and never written
back. The kernel is ``python3`` from this environment, started in ``lessons/`` as JupyterLab does.

The target is on the wall clock (what a learner or CI waits for). The kernels' CPU time is
recorded too: on a shared machine it shows how much of the wall time was the lessons' own work.
"""
import resource
import time

from bench_common import REPO

LESSONS = REPO / "lessons"
EXPECTED = [f"{i:02d}" for i in range(11)]   # 00_index ... 10_transfer_learning


def _children_cpu():
    """CPU seconds (user + system) of this process's finished children: the kernels, once shut down."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(timeout=600):
    import nbformat
    from nbclient import NotebookClient
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    present = {p.name[:2] for p in paths}
    results, failed, kernel_cpu = {}, {}, {}
    start_all = time.perf_counter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": str(LESSONS)}})
        start, cpu = time.perf_counter(), _children_cpu()
        try:
            client.execute()
        except Exception as exc:
            failed[path.name] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"
        results[path.name] = time.perf_counter() - start
        kernel_cpu[path.name] = _children_cpu() - cpu
    total = time.perf_counter() - start_all
    slowest = max(results, key=results.get) if results else None
    return {
        "seconds_by_lesson": {k: round(v, 2) for k, v in results.items()},
        "total_seconds": round(total, 2),
        "slowest": slowest,
        "slowest_seconds": round(results[slowest], 2) if slowest else None,
        "kernel_cpu_seconds_by_lesson": {k: round(v, 2) for k, v in kernel_cpu.items()},
        "kernel_cpu_total_seconds": round(sum(kernel_cpu.values()), 2),
        "failed": failed,
        "missing": [n for n in EXPECTED if n not in present],
    }
