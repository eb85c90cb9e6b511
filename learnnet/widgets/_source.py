"""``show_source``: display the engine's real code in a lesson (read from the file, never a copy)."""
import inspect
import os
import textwrap


class Source:
    """The source code of a function, method or class, shown as a highlighted Python block."""

    def __init__(self, obj):
        self.obj = obj
        self.text = textwrap.dedent(inspect.getsource(obj)).rstrip()
        package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = inspect.getsourcefile(obj)
        self.path = os.path.relpath(path, package_parent).replace(os.sep, "/")  # e.g. learnnet/neuron.py
        self.name = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))

    def _repr_markdown_(self):
        return f"`{self.name}` from `{self.path}`:\n\n```python\n{self.text}\n```"

    def __repr__(self):
        return f"# {self.name} from {self.path}\n{self.text}"


def show_source(obj):
    """The real source of ``obj`` (e.g. ``learnnet.Neuron.__call__``), to display in a notebook.

    What a lesson shows is what runs: the text is read from the installed file with ``inspect``.
    """
    return Source(obj)
