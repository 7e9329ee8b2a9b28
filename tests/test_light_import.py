"""`import lstm_params` must not drag in a framework, a plotting library or SymPy."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["tensorflow", "keras", "torch", "matplotlib", "sympy", "ipywidgets", "numpy", "IPython", "jax"]


def loaded_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    return {name.split(".")[0] for name in json.loads(out.stdout.strip().splitlines()[-1])}


def test_import_is_light():
    loaded = loaded_after("import lstm_params as lp\nlp.LSTM(256, input_dim=4096).params")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_counting_and_tables_stay_light():
    code = ("import lstm_params as lp\n"
            "m = lp.Sequential([lp.Embedding(100, 8), lp.Bidirectional(lp.GRU(4, return_sequences=True)),"
            " lp.LSTM(3), lp.Dense(2)])\n"
            "m.summary(); m._repr_html_(); m[1].summary(); m[1]._repr_html_(); str(m[2].formula)")
    loaded = loaded_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_cli_is_light():
    loaded = loaded_after("import sys\nsys.argv = ['x', 'lstm', '-m', '4', '-n', '3']\n"
                          "from lstm_params.cli import main\nmain()")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
