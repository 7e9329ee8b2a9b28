"""Execute notebooks top to bottom in a fresh kernel and store their outputs in place.

    python scripts/run_notebooks.py                 # every notebook in notebooks/
    python scripts/run_notebooks.py 03 05_validate  # only those whose name starts so

Each notebook runs in a new kernel with its folder as the working directory and
TensorFlow's logs silenced, so execution counts are 1, 2, 3... and outputs hold no
timings or absolute paths. Consecutive prints of a cell are stored as one output
(how they were split depends on timing). Widget state is stored so the sliders render
on GitHub and in the static site. The notebook's kernelspec is stored exactly as the
installed ``python3`` kernel describes itself (``python -m ipykernel install`` writes
"Python 3 (ipykernel)"), which is what JupyterLab writes on opening; a different one
would open every notebook marked as modified. It prints each notebook's execution
time (the benchmark script reads the same figures).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
       "PYTHONHASHSEED": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


def selected(prefixes: list[str]) -> list[Path]:
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if prefixes:
        paths = [p for p in paths if any(p.name.startswith(x) for x in prefixes)]
    return paths


def kernelspec(name: str = "python3") -> dict[str, str]:
    """The notebook metadata JupyterLab stores for the installed kernel ``name`` (its panel sets these three keys)."""
    spec = KernelSpecManager().get_kernel_spec(name)
    return {"display_name": spec.display_name, "language": spec.language, "name": name}


def coalesce_streams(outputs: list) -> list:
    """Consecutive stream outputs of the same stream (stdout, stderr) merged into one."""
    merged: list = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.output_type == "stream" and last is not None and last.output_type == "stream"
                and last.name == out.name):
            last.text += out.text
        else:
            merged.append(out)
    return merged


def execute(path: Path, timeout: int = 600) -> float:
    """Run one notebook in place; return its execution time in seconds."""
    os.environ.update(ENV)
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}},
                            record_timing=False, store_widget_state=True, allow_errors=False)
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("papermill", None)
    nb.metadata["kernelspec"] = kernelspec()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str]) -> int:
    paths = selected(argv)
    if not paths:
        print(f"no notebook matches {argv}")
        return 1
    total = 0.0
    for path in paths:
        seconds = execute(path)
        total += seconds
        print(f"{path.name:45s} {seconds:6.1f} s")
    print(f"{'total':45s} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
