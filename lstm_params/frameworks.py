"""Quiet imports of the frameworks, for notebooks and tests.

TensorFlow prints start-up lines from C++ straight to file descriptor 2 (oneDNN and
"Could not find cuda drivers" notices) before its own logging is set up, so
``TF_CPP_MIN_LOG_LEVEL`` alone does not silence them, and Jupyter stores them as
stderr output.  :func:`import_keras` sets the usual variables and holds descriptor 2
shut for the duration of the import only.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType

__all__ = ["import_keras", "import_torch", "quiet_stderr", "require", "EXTRAS"]

#: The pip extra of lstm-params that brings each optional package (``pip install 'lstm-params[notebooks]'``).
EXTRAS: dict[str, str] = {"numpy": "notebooks", "matplotlib": "notebooks", "ipywidgets": "notebooks",
                          "sympy": "notebooks", "keras": "notebooks", "tensorflow": "notebooks", "torch": "torch"}


def require(module: str, needed_by: str) -> ModuleType:
    """Import ``module``, or raise an ImportError that names the extra to install.

    ``pip install lstm-params`` brings no third-party package: counting, formulas, the
    command line and the exercise checker need none. The parts that do call this.

    >>> require("json", "this example").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = EXTRAS.get(top, "notebooks")
        raise ImportError(f"{needed_by} needs {top}, which is not installed: "
                          f"pip install 'lstm-params[{extra}]'") from exc


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send what is written to file descriptor 2 to /dev/null inside the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def import_keras() -> ModuleType:
    """Import Keras 3 on TensorFlow with its start-up logs silenced; return the module.

    In a notebook: ``keras = lp.import_keras()`` instead of ``import keras``.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with quiet_stderr():
        module = require("keras", "import_keras()")
        require("tensorflow", "import_keras()")  # loads the backend now, while stderr is shut
    return module


def import_torch() -> ModuleType:
    """Import PyTorch (install it with ``pip install 'lstm-params[torch]'``)."""
    return require("torch", "import_torch()")
