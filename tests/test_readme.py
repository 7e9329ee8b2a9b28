"""The README's promises: its test command is what CI runs, and its notebook table is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_notebook_table_is_current():
    result = subprocess.run([sys.executable, "scripts/notebook_table.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test   # set everything up and run the whole test suite" in readme
    assert any(line.strip() == "make test" for line in ci.splitlines())


def test_readme_cli_example_is_real():
    readme = (ROOT / "README.md").read_text()
    out = subprocess.run([sys.executable, "-m", "lstm_params", "lstm", "--input-dim", "4096", "--units", "256"],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines()[-3:]:
        assert line in readme, line


def test_readme_python_examples_are_real():
    """Every statement of the README's Python blocks whose line ends in `# <number>` evaluates to that number.

    The blocks run in order in one namespace, as a reader would paste them.
    """
    import ast
    import re

    readme = (ROOT / "README.md").read_text()
    blocks = [part.split("```", 1)[0] for part in readme.split("```python\n")[1:]]
    namespace: dict = {}
    checked = 0
    for block in blocks:
        lines = block.splitlines()
        for statement in ast.parse(block).body:
            code = compile(ast.Module([statement], []), "README", "exec")
            if not isinstance(statement, ast.Expr):
                exec(code, namespace)
                continue
            comment = re.search(r"#\s*(\[[\d, ]+\]|\d+)(?![\d.])", lines[statement.end_lineno - 1])
            if comment:
                value = eval(compile(ast.Expression(statement.value), "README", "eval"), namespace)
                assert value == ast.literal_eval(comment.group(1)), (ast.unparse(statement), value)
                checked += 1
    assert len(blocks) >= 3 and checked >= 12, (len(blocks), checked)
