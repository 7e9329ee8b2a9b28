"""House rules for the stored notebooks (nbval re-runs them; these check what a reader sees)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ids = [p.name for p in NOTEBOOKS]
APP = ROOT / "app" / "explorer.ipynb"


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell.get("source", ""))


def texts(out: dict) -> list[str]:
    """What one output prints or displays as text: a stream, every text/* form (plain, html, markdown, latex)."""
    parts = ["".join(out["text"])] if "text" in out else []
    for mime, value in out.get("data", {}).items():
        if mime.startswith("text/"):
            parts.append("".join(value) if isinstance(value, list) else value)
    if out.get("output_type") == "error":
        parts.append(out.get("evalue", ""))
    return parts


def output_text(nb: dict) -> str:
    """Everything the code cells print or display, as text (html and latex included)."""
    return "\n".join(text for cell in nb["cells"] if cell["cell_type"] == "code"
                     for out in cell.get("outputs", []) for text in texts(out))


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


# -- outputs that hold on every machine ------------------------------------------------------
_SCIENTIFIC = re.compile(r"(?<![\w.#])[-+]?(\d+(?:\.\d+)?)[eE][-+]?\d+(?![\w.])")
_LONG_TAIL = re.compile(r"(?<![\w.#])[-+]?\d*\.\d{7,}(?![\w.])")


def rounding_noise(text: str) -> list[str]:
    """The numbers in ``text`` that look like floating-point rounding noise.

    Noise is what a float computation leaves in its last digits, which change with the
    CPU, the thread count and oneDNN, so a stored output that shows it fails strict nbval
    on another machine. Two forms give it away:

    - a tiny magnitude (below 1e-3, zero included) in scientific notation with a decimal
      point, as ``f"{x:.1e}"`` or ``repr`` print it: ``5.7e-08``, ``1.2E-07``, ``0.0e+00``;
    - a long tail: seven or more decimals, as in ``0.30000000000000004``.

    Allowed, because a person writes them and they hold everywhere: a tolerance written
    as a power of ten, ``1e-5`` or ``1e-05`` (mantissa 1, no decimal point); scientific
    notation of a large value (``2.5e+06``); a few decimals of a ratio of integer counts
    (``3.0007``); hex colours (``#6e7781``), which are not numbers.

    >>> rounding_noise("max |Keras - NumPy| = 5.7e-08, tol 1e-5, ratio 3.0007, 0.30000000000000004")
    ['5.7e-08', '0.30000000000000004']
    """
    found = [m.group() for m in _SCIENTIFIC.finditer(text)
             if abs(float(m.group())) < 1e-3 and m.group(1) != "1"]
    return found + [m.group() for m in _LONG_TAIL.finditer(text)]


@pytest.mark.parametrize(("text", "noise"), [
    ("max |Keras - NumPy|, output sequence: 5.7e-08", ["5.7e-08"]),
    ("largest difference 1.2E-07", ["1.2E-07"]),
    ("largest output difference after folding the biases: 0.0e+00", ["0.0e+00"]),
    ("a difference of -3.4e-05", ["-3.4e-05"]),
    ("0.1 + 0.2 = 0.30000000000000004", ["0.30000000000000004"]),
    ("mean 0.1234567 and 12.3456789", ["0.1234567", "12.3456789"]),
    ("Keras and the NumPy loop agree to within 1e-05 on all 60 numbers", []),
    ("atol=1e-5, rtol=1E-07", []),
    ("4,457,472 parameters (17.00 MB), 2.118 times, 3.0007 × SimpleRNN, 1.5e+03 FLOPs", []),
    ("<div style='border-left:4px solid #6e7781'>", []),
    ("version 3.11.2, 123456 steps, 0.123456", []),
])
def test_what_counts_as_rounding_noise(text, noise):
    assert rounding_noise(text) == noise


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_outputs_show_no_rounding_noise(path):
    """No stored output shows digits that depend on the machine (see :func:`rounding_noise`).

    Where a cell shows that two computations agree, it asserts a tolerance and prints a
    statement that holds everywhere ("agree to within 1e-05"), never the difference itself.
    """
    found = [(i, noise) for i, cell in enumerate(load(path)["cells"]) if cell["cell_type"] == "code"
             for out in cell.get("outputs", []) for text in texts(out) for noise in rounding_noise(text)]
    assert not found, f"{path.name}: (cell, number) pairs that look like rounding noise: {found}"


# -- notebooks open unmodified ------------------------------------------------------------
@pytest.mark.parametrize("path", [*NOTEBOOKS, APP], ids=[*ids, "app/explorer.ipynb"])
def test_kernelspec_is_the_installed_kernel(path):
    """The stored kernelspec is what JupyterLab writes when it opens the notebook, or the notebook opens modified.

    JupyterLab sets ``name``, ``display_name`` and ``language`` from the kernel it starts, the
    ``python3`` kernel that ``python -m ipykernel install`` put here ("Python 3 (ipykernel)").
    """
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    stored = load(path)["metadata"]["kernelspec"]
    assert stored == {"display_name": spec.display_name, "language": spec.language, "name": "python3"}
