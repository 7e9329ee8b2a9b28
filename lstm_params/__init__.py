"""How many parameters does an LSTM have, where do they live, and why?

Count recurrent layers (and stacks of them) in Keras vocabulary without building a
model; see where every weight sits; get the formula, derived from the weight list.

>>> import lstm_params as lp
>>> lp.LSTM(256, input_dim=4096).params
4457472
>>> lp.LSTM(256, input_dim=4096).formula.factored
'4n(m + n + 1)'

Frameworks (TensorFlow/Keras, PyTorch), matplotlib, SymPy and ipywidgets are only
imported by the functions that need them, so ``import lstm_params`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import pytorch
from .exercises import CheckResult, Reveal, check, reveal
from .formula import Formula
from .frameworks import import_keras, import_torch
from .frontend import (
    BatchNormalization,
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    GroupNormalization,
    LayerNormalization,
)
from .graph import Activation, Add, Concatenate, Dropout, Input, Model, RepeatVector
from .hardware import (
    DTYPE_BYTES,
    MIXED_PRECISION,
    OPTIMIZER_STATE,
    LayerFigures,
    activation_bytes,
    flops,
    flops_breakdown,
    layer_figures,
    macs,
    max_units,
    memory_bytes,
    training_flops,
    training_memory_bytes,
)
from .layers import (
    GRU,
    LSTM,
    MERGE_MODES,
    Bidirectional,
    Dense,
    Embedding,
    Layer,
    Recurrent,
    Sequential,
    SimpleRNN,
    TiedDense,
)
from .variants import CIFGLSTM, LSTMP, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, PeepholeLSTM
from .weights import Weight

if TYPE_CHECKING:
    from . import plots, widgets
    from .diagram import cell_diagram
    from .widgets import Explorer, explorer

# Loaded on first use (PEP 562), so that `import lstm_params` does not pay for the plot and widget modules.
_LAZY: dict[str, tuple[str, str | None]] = {
    "plots": ("plots", None),
    "widgets": ("widgets", None),
    "Explorer": ("widgets", "Explorer"),
    "explorer": ("widgets", "explorer"),
    "cell_diagram": ("diagram", "cell_diagram"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'lstm_params' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Dense",
    "Embedding",
    "TiedDense",
    "Bidirectional",
    "Sequential",
    "Input",
    "Model",
    "RepeatVector",
    "Concatenate",
    "Add",
    "Dropout",
    "Activation",
    "Layer",
    "Recurrent",
    "Weight",
    "Formula",
    "MERGE_MODES",
    "DTYPE_BYTES",
    "MIXED_PRECISION",
    "memory_bytes",
    "compare_with_keras",
    "compare_with_torch",
    "import_keras",
    "import_torch",
    "pytorch",
    "PeepholeLSTM",
    "CIFGLSTM",
    "LSTMP",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "OPTIMIZER_STATE",
    "training_memory_bytes",
    "flops",
    "flops_breakdown",
    "tool_counts",
    "activation_bytes",
    "training_flops",
    "macs",
    "layer_figures",
    "LayerFigures",
    "max_units",
    "check",
    "reveal",
    "CheckResult",
    "Reveal",
    "plots",
    "widgets",
    "explorer",
    "Explorer",
    "cell_diagram",
    "__version__",
]


def compare_with_keras(model: Any) -> Any:
    """Compare a built Keras 3 model with this package's counts, layer by layer.

    See :func:`lstm_params.keras_compat.compare_with_keras`; imported lazily so that
    ``import lstm_params`` never imports Keras.
    """
    from .keras_compat import compare_with_keras as _compare

    return _compare(model)


def tool_counts(module: Any, timesteps: Any = 1, batch_size: Any = 1) -> dict[str, int]:
    """Our MACs and FLOPs next to what thop, ptflops, torchinfo and FlopCounterMode report.

    See :func:`lstm_params.crosswalk.tool_counts` (none of those tools is imported).
    """
    from .crosswalk import tool_counts as _tool_counts

    return _tool_counts(module, timesteps, batch_size)


def compare_with_torch(module: Any) -> Any:
    """Compare a ``torch.nn.Module`` with this package's counts, module by module.

    See :func:`lstm_params.torch_compat.compare_with_torch`; imported lazily so that
    ``import lstm_params`` never imports PyTorch.
    """
    from .torch_compat import compare_with_torch as _compare

    return _compare(module)
