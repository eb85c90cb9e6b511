"""The README's engine example runs and prints what the README says it prints."""
import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_engine_example_runs_and_its_printed_report_matches():
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shown = re.search(r"```\n(gradcheck Dense.*?)```", text, re.S).group(1)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    printed = out.getvalue()
    # Same rows, same verdicts; the error magnitudes are rounding noise and may differ by machine.
    mask = lambda s: re.sub(r"\d\.\d\de-\d\d", "#", s).split()  # noqa: E731
    assert mask(printed) == mask(shown)


def test_readme_set_up_commands_are_the_ones_ci_runs():
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = re.search(r"\*\*Install and run all the tests\*\*.*?```bash\n(.*?)\n```", text, re.S).group(1)
    assert test_cmd in ci
