"""binder/ declares every package the lessons need, so Binder (and anyone installing from it) has them.

The slow test in test_binder.py builds that environment and runs the lessons in it; this one is the
quick check that runs everywhere: it reads what the lessons import (their code cells and magics)
and what the learnnet package imports (at the top of a module or inside a function), finds the
installed distribution that provides each module, and asserts that binder/requirements.txt pins it.
"""
import ast
import importlib.metadata
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# what a magic needs that no import statement shows
MAGICS = {"%matplotlib widget": "ipympl", "%matplotlib ipympl": "ipympl"}
# what runs the lessons at all: the kernel and the front end with the widget managers
FRONT_END = {"ipykernel", "jupyterlab", "jupyterlab-widgets", "ipywidgets", "ipympl"}


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _top_level_imports(source):
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _lesson_needs():
    modules, distributions = set(), set()
    for notebook in sorted((REPO / "lessons").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            for magic, distribution in MAGICS.items():
                if magic in source:
                    distributions.add(distribution)
            python = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            modules |= _top_level_imports(python)
    return modules, distributions


def _package_needs():
    modules = set()
    for path in (REPO / "learnnet").rglob("*.py"):
        modules |= _top_level_imports(path.read_text())
    return modules


def _declared():
    lines = (REPO / "binder" / "requirements.txt").read_text().splitlines()
    pins = [line.split("#")[0].strip() for line in lines]
    return {_normal(re.split(r"[=<>!~\[; ]", pin)[0]): pin for pin in pins if pin}


def _distributions_for(modules):
    providers = importlib.metadata.packages_distributions()
    needed, unknown = {}, []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module in ("learnnet", "__future__"):
            continue
        if module not in providers:
            unknown.append(module)
            continue
        for distribution in providers[module]:
            needed.setdefault(_normal(distribution), set()).add(module)
    return needed, unknown


def test_every_package_the_lessons_and_learnnet_import_is_pinned_in_binder_requirements():
    lesson_modules, magic_distributions = _lesson_needs()
    assert {"learnnet", "numpy"} <= lesson_modules  # the reader found the lessons' imports
    needed, unknown = _distributions_for(lesson_modules | _package_needs())
    assert not unknown, f"imported but not installed in this environment, so not declared anywhere: {unknown}"
    for distribution in magic_distributions | FRONT_END:
        needed.setdefault(_normal(distribution), set()).add("(front end)")
    declared = _declared()
    missing = {name: sorted(modules) for name, modules in needed.items() if name not in declared}
    assert not missing, f"binder/requirements.txt does not declare these distributions (for these imports): {missing}"


def test_binder_requirements_are_exact_pins_and_postbuild_installs_learnnet_without_dependencies():
    for name, pin in _declared().items():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.+!\-]*", pin), f"not an exact pin: {pin!r}"
    post_build = (REPO / "binder" / "postBuild").read_text()
    assert "pip install" in post_build and "--no-deps" in post_build and "-e ." in post_build, post_build
    # the pins are what learnnet itself asks for
    declared = _declared()
    for requirement in ["numpy", "matplotlib", "ipywidgets", "ipympl", "jupyterlab"]:
        assert requirement in declared, requirement


def test_the_check_would_notice_an_undeclared_import():
    needed, unknown = _distributions_for({"numpy", "pytest", "json"})
    assert "pytest" in needed and "numpy" in needed and not unknown
    assert "pytest" not in _declared()  # so a lesson importing pytest would fail the first test
