"""Re-execute the lesson notebooks in place, each in a fresh kernel, so they are committed with outputs.

    python scripts/run_lessons.py                      # every lessons/*.ipynb, written back in place
    python scripts/run_lessons.py lessons/01_neuron.ipynb
    python scripts/run_lessons.py --check              # execute, but write nothing (exit 1 on error)

The kernel is this interpreter's own (``python3`` resolves to ``sys.executable``), started with the
lesson folder as its working directory, as nbval and JupyterLab do. Each notebook's run time is
printed; a lesson should run in under 15 s.
"""
import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


def run(path, write=True, timeout=120):
    """Execute one notebook top to bottom in a new kernel; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        nb.metadata.pop("widgets", None)  # widget state is session state, not content
        nbformat.write(nb, path)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lessons/*.ipynb")
    parser.add_argument("--check", action="store_true", help="execute without writing the results")
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(LESSONS.glob("*.ipynb"))
    failed = []
    for path in paths:
        try:
            seconds = run(path, write=not args.check, timeout=args.timeout)
        except Exception as exc:  # report every broken lesson, not just the first
            failed.append(path)
            print(f"FAILED {path.name}: {type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}",
                  flush=True)
            continue
        print(f"{seconds:6.1f} s  {path.name}" + ("  (slower than 15 s!)" if seconds > 15 else ""), flush=True)
    if failed:
        print(f"{len(failed)} of {len(paths)} notebooks failed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
