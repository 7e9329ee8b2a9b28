"""Read a built ``torch.nn.Module``, module by module, and compare its counts with ours.

Each module PyTorch ships is translated into this package's layers: ``nn.LSTM``,
``nn.GRU``, ``nn.RNN`` and their ``*Cell``\\ s into :mod:`lstm_params.pytorch`'s,
``nn.Linear`` into :class:`~lstm_params.layers.Dense`, ``nn.Embedding`` into
:class:`~lstm_params.layers.Embedding`, convolutions and normalizations into
:mod:`lstm_params.frontend`'s.  The twin is built from the module's configuration
(``in_features``, ``hidden_size``, ``groups``, whether a bias exists...), never from
its tensors' sizes, so each row is a real check of a formula.

PyTorch counts what ``module.parameters()`` yields, and that iterator yields a tensor
once however many modules hold it: a decoder tied to its encoder
(``decoder.weight = encoder.weight``) or a submodule used twice.  The rows follow the
same rule: a tensor counts in the first module that holds it (in ``named_modules()``
order) and nowhere else.  Buffers (BatchNorm's running mean and variance) are not
parameters in PyTorch; parameters with ``requires_grad=False`` are counted and
reported as non-trainable.  Nothing here imports PyTorch until a module is read.
"""

from __future__ import annotations

import math
from typing import Any

from . import frontend, pytorch
from .comparison import Comparison, ComparisonRow
from .formula import Formula
from .layers import Dense, Embedding, Layer

__all__ = ["compare_with_torch", "from_torch_module"]

#: For a twin, which torch parameter holds each of its variables (None: a buffer, not a parameter).
Names = dict[str, str | None]

_DENSE: Names = {"kernel": "weight", "bias": "bias"}
_EMBEDDING: Names = {"embeddings": "weight"}
_NORM: Names = {"gamma": "weight", "beta": "bias", "moving_mean": None, "moving_variance": None}


def _same_names(twin: Layer) -> Names:
    return {w.variable: w.variable for w in twin.weights}


def _recurrent(module: Any, nn: Any) -> Layer | None:
    if not isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
        return None
    bias = bool(module.bias)
    if isinstance(module, nn.LSTM):
        return pytorch.LSTM(module.input_size, module.hidden_size, module.num_layers, bias, module.bidirectional,
                            module.proj_size)
    if isinstance(module, nn.GRU):
        return pytorch.GRU(module.input_size, module.hidden_size, module.num_layers, bias, module.bidirectional)
    if isinstance(module, nn.RNN):
        return pytorch.RNN(module.input_size, module.hidden_size, module.num_layers, module.nonlinearity, bias,
                           module.bidirectional)
    if isinstance(module, nn.LSTMCell):
        return pytorch.LSTMCell(module.input_size, module.hidden_size, bias)
    if isinstance(module, nn.GRUCell):
        return pytorch.GRUCell(module.input_size, module.hidden_size, bias)
    if isinstance(module, nn.RNNCell):
        return pytorch.RNNCell(module.input_size, module.hidden_size, bias, module.nonlinearity)
    return None


def _conv(module: Any, nn: Any) -> Layer | None:
    kinds: list[tuple[Any, type[frontend.Conv]]] = [
        (nn.Conv1d, frontend.Conv1D), (nn.Conv2d, frontend.Conv2D), (nn.Conv3d, frontend.Conv3D),
        (nn.ConvTranspose1d, frontend.Conv1DTranspose), (nn.ConvTranspose2d, frontend.Conv2DTranspose),
        (nn.ConvTranspose3d, frontend.Conv3DTranspose)]
    for torch_kind, ours in kinds:
        if isinstance(module, torch_kind):
            return ours(module.out_channels, tuple(module.kernel_size), module.in_channels,
                        use_bias=module.bias is not None, groups=module.groups)
    return None


def _is_lazy(module: Any) -> bool:
    return any(c.__name__ == "LazyModuleMixin" for c in type(module).__mro__)


def _norm(module: Any, nn: Any) -> Layer | None:
    affine: dict[str, Any] = {"center": getattr(module, "bias", None) is not None,
                              "scale": getattr(module, "weight", None) is not None}
    if isinstance(module, nn.modules.batchnorm._BatchNorm):
        return frontend.BatchNormalization(module.num_features, **affine)
    if isinstance(module, nn.modules.instancenorm._InstanceNorm):  # a GroupNorm with one channel per group
        return frontend.GroupNormalization(module.num_features, module.num_features, **affine)
    if isinstance(module, nn.GroupNorm):
        return frontend.GroupNormalization(module.num_groups, module.num_channels, **affine)
    if isinstance(module, nn.LayerNorm):
        return frontend.LayerNormalization(math.prod(module.normalized_shape), **affine)
    return None


def from_torch_module(module: Any) -> tuple[Layer, Names] | None:
    """This package's twin of one ``torch.nn`` module and where its variables live, or None.

    Returns
    -------
    (Layer, dict) or None
        The twin, built from the module's configuration, and for each of the twin's
        variables the name of the torch parameter that holds it (None when PyTorch keeps
        it as a buffer: BatchNorm's running statistics).  None for a kind not modelled.
    """
    import torch.nn as nn

    if _is_lazy(module):
        return None  # its sizes are unknown until it has seen an input
    twin = _recurrent(module, nn)
    if twin is not None:
        return twin, _same_names(twin)
    if isinstance(module, nn.Linear):
        return Dense(module.out_features, module.in_features, use_bias=module.bias is not None), _DENSE
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        return Embedding(module.num_embeddings, module.embedding_dim), _EMBEDDING
    twin = _conv(module, nn)
    if twin is not None:
        return twin, _DENSE
    twin = _norm(module, nn)
    if twin is not None:
        return twin, _NORM
    return None


def _row(name: str, module: Any, owners: dict[int, str]) -> ComparisonRow | None:
    """The row of one module, counting only the parameters no earlier module held; None for a bare container."""
    kind = type(module).__name__
    own = list(module.named_parameters(recurse=False))
    fresh = {n: p for n, p in own if id(p) not in owners}
    shared = {n: owners[id(p)] for n, p in own if id(p) in owners}
    for n, p in own:
        owners.setdefault(id(p), f"{name}.{n}" if name else n)
    framework = sum(p.numel() for p in fresh.values())
    frozen = sum(p.numel() for p in fresh.values() if not p.requires_grad)
    try:
        found = from_torch_module(module)
    except ValueError as exc:  # PyTorch built it, but our twin refuses the sizes
        return ComparisonRow(name, kind, framework, None, "", f"{kind} cannot be modelled: {exc}", frozen, None)
    if found is None:
        if not own:
            if any(True for _ in module.children()):
                return None  # a container: its children have rows
            return ComparisonRow(name, kind, 0, 0, "", "no weights")
        what = ", ".join(n for n, _ in own)
        return ComparisonRow(name, kind, framework, None, "", f"{kind} is not modelled by lstm_params ({what})",
                             frozen, None)
    twin, names = found
    expected = {t for t in (names[w.variable] for w in twin.weights) if t is not None}
    if expected != {n for n, _ in own}:
        return ComparisonRow(name, kind, framework, None, "",
                             f"{kind} holds {sorted(n for n, _ in own)}, lstm_params expects {sorted(expected)}",
                             frozen, None)
    kept = [w for w in twin.weights if names[w.variable] in fresh]
    ours = sum(w.size for w in kept)
    ours_frozen = sum(w.size for w in kept if not fresh[str(names[w.variable])].requires_grad)
    if len(kept) == len(twin.weights):
        f = twin.formula
    else:  # buffers, or tensors counted where they were first held
        f = Formula([t for w in kept for t in twin._formula_terms(w)], twin._symbols(twin._need_input_dim()))
    shown = ", ".join(f"{k}={val:,}" for k, val in f.values.items())
    formula = f"{f.expanded} at {shown}" if kept else "0"
    notes = [f"{n} is {owner}'s (counted there)" for n, owner in shared.items()]
    buffers = [str(w.variable) for w in twin.weights if names[w.variable] is None]
    if buffers:
        notes.append(f"{', '.join(dict.fromkeys(buffers))}: buffers, not parameters")
    if notes:
        formula += "; " + "; ".join(notes)
    return ComparisonRow(name, kind, framework, ours, formula, "", frozen, ours_frozen)


def compare_with_torch(module: Any) -> Comparison:
    """Compare every module of a ``torch.nn.Module`` with this package's count.

    Parameters
    ----------
    module:
        Any ``torch.nn.Module``: one layer, an ``nn.Sequential``, a ``ModuleList`` or
        ``ModuleDict``, or a model of your own.

    Returns
    -------
    Comparison
        One :class:`~lstm_params.comparison.ComparisonRow` per module that holds
        parameters or is a leaf (containers have none), with PyTorch's count, ours,
        and the non-trainable part of each (``requires_grad=False``); the totals are
        ``sum(p.numel() for p in module.parameters())`` and ours.  A module kind the
        package does not model is reported by name, never a crash.
    """
    named_modules = getattr(module, "named_modules", None)
    if named_modules is None or not hasattr(module, "parameters"):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    lazy = [name for name, p in module.named_parameters() if type(p).__name__.startswith("Uninitialized")]
    if lazy:
        raise ValueError(f"module {type(module).__name__} has parameters of unknown size ({', '.join(lazy)}): "
                         "a lazy module learns its sizes from its first input, so run one forward pass first")
    owners: dict[int, str] = {}
    rows = [row for name, sub in named_modules() if (row := _row(name or type(module).__name__, sub, owners))]
    params = list(module.parameters())
    return Comparison(type(module).__name__, rows, sum(p.numel() for p in params), framework="PyTorch",
                      framework_non_trainable=sum(p.numel() for p in params if not p.requires_grad))
