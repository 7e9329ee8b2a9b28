"""Shared fixtures: real Keras (and later PyTorch), imported once per session, quietly."""

from __future__ import annotations

import os
from types import ModuleType

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture(scope="session")
def keras() -> ModuleType:
    """Keras 3 on TensorFlow. A missing install is an error, never a skip."""
    from lstm_params.frameworks import import_keras

    return import_keras()


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """PyTorch (the ``torch`` extra), seeded. A missing install is an error, never a skip."""
    from lstm_params.frameworks import import_torch

    module = import_torch()
    module.manual_seed(0)
    return module


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the matplotlib figures a test opened (pyplot keeps every figure until it is closed)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
