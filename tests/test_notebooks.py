"""House rules for the stored notebooks (nbval re-runs them; these check what a reader sees)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ids = [p.name for p in NOTEBOOKS]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell.get("source", ""))


def output_text(nb: dict) -> str:
    """Everything the code cells print or display, as text (html and latex included)."""
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append("".join(value) if isinstance(value, list) else value)
            if out.get("output_type") == "error":
                parts.append(out.get("evalue", ""))
    return "\n".join(parts)


def test_there_are_notebooks():
    assert NOTEBOOKS or not (ROOT / "notebooks").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_shape_of_a_notebook(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name)
    nb = load(path)
    cells = nb["cells"]
    first = source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and first.startswith("# "), "first cell must be '# Title'"
    assert re.search(r"^\s*[-*] ", first, re.M), "first cell lists what the reader will learn"
    markdown = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    assert "## Summary" in markdown and "## Exercises" in markdown
    assert markdown.index("## Summary") < markdown.index("## Exercises")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "one clean top-to-bottom run"
    all_code = "\n".join(source(c) for c in code)
    assert "import lstm_params as lp" in all_code
    assert "sys.path" not in all_code and "import *" not in all_code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_outputs_are_clean(path):
    nb = load(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        assert "execution" not in cell.get("metadata", {}), f"cell {i} stores timings"
        for out in cell.get("outputs", []):
            assert not (out["output_type"] == "stream" and out["name"] == "stderr"), f"cell {i} stores stderr"
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"cell {i} stores an error without the raises-exception tag"
            blob = json.dumps(out)
            for marker in ("/root/", "/home/", "/tmp/", "/work/"):
                assert marker not in blob, f"cell {i} output holds an absolute path ({marker})"
            assert not re.search(r"\d+(\.\d+)?\s*(ms|s)/step|ETA:|it/s\]", blob), f"cell {i} shows progress or timing"


NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\w.,])\d{4,}(?![\d])")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_numbers_in_prose_come_from_code(path):
    """Every number of four or more digits in the prose appears in an output of the same notebook."""
    nb = load(path)
    produced = re.sub(r"(?<=\d)[,_ ](?=\d{3})", "", output_text(nb))
    produced_numbers = set(re.findall(r"\d+", produced))
    missing = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"\]\([^)]*\)", "]", source(cell))  # link targets are not prose
        text = re.sub(r"(?<=\d)\\?,(?=\d{3})|(?<=\d)\{,\}(?=\d{3})", ",", text)  # LaTeX 4{,}457{,}472
        for match in NUMBER.finditer(text):
            digits = match.group().replace(",", "")
            if digits not in produced_numbers:
                missing.append(match.group())
    assert not missing, f"numbers in prose that no code cell of {path.name} outputs: {missing}"
