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
