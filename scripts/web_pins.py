"""The web edition's fragile versions, in one place: these must match one another.

Change one only together with the others, then rebuild the book (``make site``) and run its browser
tests (``pytest tests/test_book.py``). scripts/build_book.py reads this file, and tests/test_book.py
checks that constraints.txt pins the same Python packages. Everything here installs from PyPI (pip)
or npm (``npm pack``); the build fetches nothing else.
"""

from __future__ import annotations

#: npm packages, fetched with ``npm pack`` into build/cache/ and served with the book.
NPM: dict[str, str] = {
    # Pyodide's runtime (pyodide.js, pyodide.asm.wasm, the standard library): the version that
    # jupyterlite-pyodide-kernel 0.7.0 is built for (its own fallback URL names 0.29.0).
    "pyodide": "0.29.0",
    # MathJax 3 typesets the formulas (CommonHTML output, its woff fonts served with the book).
    # MathJax 2 (jupyter-server-mathjax) makes every page ask for a font at about:blank: a console error.
    "mathjax": "3.2.2",
}

#: PyPI packages (also pinned in constraints.txt, the `web` extra of pyproject.toml and environment.yml).
PYPI: dict[str, str] = {
    # Voici = static Voila on JupyterLite: the explorer notebook runs in the reader's browser. voici-core,
    # not voici, which pulls in a kernel package whose own packages are not on PyPI.
    "voici-core": "0.10.0",
    # The JupyterLite that voici-core 0.10.0 bundles its front end for.
    "jupyterlite-core": "0.7.6",
    # 0.7.2 fails inside Voici 0.10.0 ("Shared module @jupyterlab/pluginmanager doesn't exist").
    "jupyterlite-pyodide-kernel": "0.7.0",
}
