"""Packaging: environment.yml (conda) and pyproject.toml (pip) list the same dependencies, and the wheel is light.

The wheel is built from a copy of the sources, installed in a new, bare virtual environment
with ``pip install --no-index`` (a declared dependency could not be found there), and used
there: the command line, the counting modules' doctests, the exercise checker and the LaTeX
formula need nothing beyond the standard library.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch", "python-build": "build"}  # conda-forge names that differ


def name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).strip()


def conda_requirements() -> dict[str, str]:
    out = {}
    in_deps = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if not in_deps or not line.strip().startswith("- "):
            continue
        item = line.strip()[2:].strip()  # conda-forge packages, and the pip section's (PyPI only)
        if item in ("pip", "pip:", "-e .") or re.match(r"python\s*[=<>]", item):
            continue
        name, spec = name_and_spec(item)
        out[CONDA_TO_PIP.get(name, name)] = spec
    return out


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(name_and_spec(r) for r in reqs)


def test_same_packages_and_versions():
    assert conda_requirements() == pip_requirements()


def test_conda_file_shape():
    text = (ROOT / "environment.yml").read_text()
    assert "- conda-forge" in text
    assert re.search(r"^\s+- python=3\.\d+", text, re.M)
    assert re.search(r"^\s+- pip:\n\s+- -e \.", text, re.M)
    # every dependency line carries a comment saying why it is there
    for line in text.split("dependencies:", 1)[1].splitlines():
        if re.match(r"^\s+- [a-z]", line) and "pip" not in line.split("#")[0]:
            assert "#" in line, line


def test_python_floor_matches():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"


# -- the light package: the wheel installs no third-party package ------------------------------------------------
PURE_MODULES = ["lstm_params", "lstm_params.formula", "lstm_params.layers", "lstm_params.exercises",
                "lstm_params.hardware", "lstm_params.pytorch", "lstm_params.report", "lstm_params.variants",
                "lstm_params.weights"]
LIGHT_SOURCES = ["pyproject.toml", "README.md", "lstm_params"]


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command in an empty folder (so no source tree or .egg-info is on its path)."""
    empty = Path(tempfile.mkdtemp())
    result = subprocess.run([str(a) for a in args], cwd=empty, capture_output=True, text=True, timeout=300,
                            env={k: v for k, v in os.environ.items() if not k.startswith("PIP_")})
    if check:
        assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist, built with `python -m build` from a copy of the sources (the tree stays clean)."""
    src = tmp_path_factory.mktemp("src")
    for name in LIGHT_SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, src / name)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build backend (setuptools) comes from this environment, so nothing is downloaded
    run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", out, src)
    return out


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory, dist: Path) -> tuple[Path, set[str], set[str]]:
    """A new virtual environment with only the wheel installed: (python, before, after) distribution names."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    listing = ("import importlib.metadata as m, json; "
               "print(json.dumps(sorted({d.metadata['Name'].lower() for d in m.distributions()})))")
    before = set(json.loads(run(python, "-c", listing).stdout))
    wheel = next(dist.glob("*.whl"))
    # --no-index: a declared dependency could not be found, so installing would fail
    run(python, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--disable-pip-version-check", wheel)
    after = set(json.loads(run(python, "-c", listing).stdout))
    return python, before, after


def test_the_wheel_installs_nothing_else(bare: tuple[Path, set[str], set[str]], dist: Path) -> None:
    _, before, after = bare
    assert after - before == {"lstm-params"}
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requirements and all("extra ==" in line for line in requirements), requirements


def test_cli_in_the_bare_environment(bare: tuple[Path, set[str], set[str]]) -> None:
    python = bare[0]
    m, n = 4096, 256
    expected = 4 * (n * m + n * n + n)  # the textbook count, written out here rather than asked of the package
    for command in ([python.parent / "lstm-params"], [python, "-m", "lstm_params"]):
        out = run(*command, "lstm", "--input-dim", str(m), "--units", str(n)).stdout
        assert f"Total params: {expected:,}" in out, out
    bad = run(python, "-m", "lstm_params", "lstm", "--input-dim", "0", "--units", "3", check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "0" in bad.stderr


def test_doctests_in_the_bare_environment(bare: tuple[Path, set[str], set[str]]) -> None:
    """The counting modules' own examples pass with the standard library alone (no NumPy, no SymPy...)."""
    python = bare[0]
    script = ("import doctest, importlib, json, sys\n"
              f"results = {{name: doctest.testmod(importlib.import_module(name)) for name in {PURE_MODULES!r}}}\n"
              "print(json.dumps({k: [r.attempted, r.failed] for k, r in results.items()}))\n")
    result = run(python, "-c", script, check=False)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    failed = {k: v for k, v in counts.items() if v[1]}
    assert not failed, f"doctests failing without the extras: {failed}\n{result.stdout}"
    assert sum(v[0] for v in counts.values()) >= 50, counts


def test_checker_and_latex_in_the_bare_environment(bare: tuple[Path, set[str], set[str]]) -> None:
    python = bare[0]
    script = ("import lstm_params as lp\n"
              "layer = lp.LSTM(100, input_dim=25)\n"
              "print(layer.formula.latex)\n"
              "print(lp.check(4 * 100 * (25 + 100 + 1), layer).correct, lp.check(12, layer).correct)\n"
              "print(lp.__version__)\n")
    out = run(python, "-c", script).stdout.splitlines()
    assert out[0] == r"4\left(n m + n^{2} + n\right)", out[0]
    assert out[1] == "True False"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("version")
    assert version is None, "the version is read from lstm_params.__version__ (dynamic), not written twice"
    assert out[2] == importlib.import_module("lstm_params").__version__


@pytest.mark.parametrize("call, extra", [
    ("lp.explorer()", "notebooks"),
    ("lp.plots.params_vs_units()", "notebooks"),
    ("lp.LSTM(4, input_dim=3).formula.sympy()", "notebooks"),
    ("lp.import_keras()", "notebooks"),
    ("lp.import_torch()", "torch"),
])
def test_a_missing_extra_names_itself(bare: tuple[Path, set[str], set[str]], call: str, extra: str) -> None:
    """Without the extras, the parts that need them say which extra to install (one line, no deep traceback)."""
    python = bare[0]
    script = f"import lstm_params as lp\ntry:\n    {call}\nexcept ImportError as e:\n    print(e)\n"
    out = run(python, "-c", script).stdout.strip()
    assert f"pip install 'lstm-params[{extra}]'" in out, out


def test_wheel_and_sdist_pass_twine_check(dist: Path) -> None:
    files = sorted(dist.iterdir(), key=lambda p: p.suffix)
    assert [p.suffix for p in files] == [".gz", ".whl"], files
    result = run(sys.executable, "-m", "twine", "check", "--strict", *files)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_metadata_is_complete(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
        names = zf.namelist()
    head, _, body = metadata.partition("\n\n")
    assert "Description-Content-Type: text/markdown" in head
    assert body.startswith("# lstm-params"), body[:80]
    urls = re.findall(r"^Project-URL: (\w+), (https://\S+)$", head, re.M)
    assert {name for name, _ in urls} >= {"Homepage", "Source", "Issues"}, urls
    assert f"Version: {importlib.import_module('lstm_params').__version__}" in head
    assert "lstm_params/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)
