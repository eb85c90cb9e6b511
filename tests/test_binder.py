"""Binder: an environment built from binder/ alone (as repo2docker builds it) runs every lesson.

repo2docker's recipe for this repository: a Python given by ``binder/runtime.txt``, then
``pip install -r binder/requirements.txt``, then ``binder/postBuild`` from a clone of the repo.
This test repeats it in a temporary directory: a copy of the repository's files, a new virtual
environment, those two steps, and then every lesson executed in a fresh kernel of that
environment (``scripts/run_lessons.py --check``). It also checks that JupyterLab there has the
two front-end extensions the widgets need.

It downloads the pinned packages (pip's cache makes reruns faster) and takes a few minutes,
so it is marked ``binder``: ``pytest -m "not binder"`` leaves it out.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.binder


def _run(cmd, cwd, env, timeout=1800):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return out.stdout


def _repository_files():
    # what a clone holds: the tracked files (as they are in the working tree); work in progress
    # that is not yet added to git stays out, as it would on Binder
    listed = subprocess.run(["git", "ls-files", "-z", "--cached"], cwd=REPO, capture_output=True, text=True,
                            check=True)
    return [p for p in listed.stdout.split("\0") if p and (REPO / p).is_file()]


def test_environment_from_binder_files_alone_runs_every_lesson(tmp_path):
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    here = f"python-{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != here:
        pytest.skip(f"binder/runtime.txt asks for {runtime}; this interpreter is {here}")

    start = time.perf_counter()
    clone = tmp_path / "repo"  # what Binder gets: the repository's files, nothing else of ours
    for rel in _repository_files():
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, clone / rel)
    lessons = sorted(p.name for p in (clone / "lessons").glob("*.ipynb"))
    assert lessons, "no lessons to run"

    env_dir = tmp_path / "env"
    _run([sys.executable, "-m", "venv", str(env_dir)], cwd=tmp_path, env=os.environ.copy())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "MPL", "JUPYTER"))}
    env.update(PATH=f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(env_dir),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter_config"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter_data"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    python = str(env_dir / "bin" / "python")

    _run([python, "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"], cwd=clone, env=env)
    _run(["bash", "binder/postBuild"], cwd=clone, env=env)

    _run([python, "-m", "pip", "check"], cwd=clone, env=env)  # the pins agree with each other

    where = _run([python, "-c", "import learnnet, matplotlib, ipywidgets, ipympl; print(learnnet.__file__)"],
                 cwd=tmp_path, env=env)
    assert Path(where.strip()).is_relative_to(clone), where
    extensions = _run([str(env_dir / "bin" / "jupyter"), "labextension", "list"], cwd=clone, env=env)
    extensions += subprocess.run([str(env_dir / "bin" / "jupyter"), "labextension", "list"], cwd=clone, env=env,
                                 capture_output=True, text=True).stderr
    assert "@jupyter-widgets/jupyterlab-manager" in extensions and "jupyter-matplotlib" in extensions, extensions

    report = _run([python, "scripts/run_lessons.py", "--check"], cwd=clone, env=env)
    for name in lessons:
        assert name in report, report
    print(f"binder environment built and {len(lessons)} lessons run in {time.perf_counter() - start:.0f} s\n{report}")
