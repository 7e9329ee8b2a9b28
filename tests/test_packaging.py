"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}


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
        if not in_deps or not line.strip().startswith("- ") or raw.startswith("      "):
            continue
        item = line.strip()[2:].strip()
        if item in ("pip", "pip:") or item.startswith("python"):
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
