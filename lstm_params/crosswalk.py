"""What the popular PyTorch counters report for a recurrent module, and how it maps to MACs and FLOPs.

People size a model with whichever tool they have at hand, and the tools disagree: each counts
something slightly different under the name "FLOPs" or "MACs".  :func:`tool_counts` writes down
each tool's convention (read from its source, and checked against the tool itself in
``tests/test_crosswalk.py``) so that a number from one of them can be put next to ours:

``macs`` (ours)
    Multiply-accumulates of the matmuls: 4n(m + n) per LSTM step and sample, 3n(m + n) for a
    GRU, n(m + n) for an RNN; m·n for a Linear.  Biases and elementwise work are not MACs.
``FlopCounterMode``
    ``torch.utils.flop_counter.FlopCounterMode`` counts the matmuls only, 2 FLOPs per MAC: 2 ×
    ``macs`` when the cell equations run step by step.  For ``nn.LSTM`` on the CPU PyTorch runs
    oneDNN's fused kernel by default (not with ``proj_size``), where it sees no matmul and
    reports 0 (``FlopCounterMode (fused LSTM)``); with ``torch.backends.mkldnn.flags(enabled=False)``
    it reports 2 × ``macs``.
``thop`` (``thop.profile``, which calls its count MACs)
    Per step and sample, per layer and direction: the matmuls, plus one add joining the input and
    recurrent parts per gate, two bias adds per gate (when ``bias``), and the gates' elementwise
    products (LSTM 4n, GRU 4n).  It ignores ``proj_size``: every layer is counted as if it had
    none (layers after the first read ``hidden_size`` × directions).  A Linear: m·n per output
    row, no bias.
``ptflops`` (``get_model_complexity_info``, pytorch backend, MACs)
    Per step, per layer (× 2 when bidirectional): the sizes of ``weight_ih`` and ``weight_hh``,
    plus elementwise work (LSTM 10n, GRU 7n, RNN n) and the two bias vectors.  ``weight_hr`` (the
    projection) is left out.  A Linear: (m·n + n) per output row.  It reports the average per
    sample: the batch is divided out.
``torchinfo`` (``summary(...).total_mult_adds``)
    Every parameter times batch × steps for a recurrent module (biases included, as if each were
    a multiply-add), and every parameter times the output's first axis only for a Linear: given
    (batch, steps, m), it leaves the steps out.

None of them counts the backward pass (:func:`lstm_params.training_flops` does).

>>> from lstm_params import pytorch
>>> counts = tool_counts(pytorch.LSTM(4096, 256), timesteps=100, batch_size=32)
>>> counts["macs"] == 4 * 256 * (4096 + 256) * 100 * 32
True
>>> counts["FlopCounterMode"] == 2 * counts["macs"], counts["FlopCounterMode (fused LSTM)"]
(True, 0)
"""

from __future__ import annotations

from typing import Any

from . import _validate as v
from . import pytorch
from .hardware import flops, macs
from .layers import Dense

__all__ = ["tool_counts", "TOOLS"]

#: The tools :func:`tool_counts` reproduces, besides our own ``macs`` and ``flops``.
TOOLS = ("FlopCounterMode", "thop", "ptflops", "torchinfo")

#: Elementwise work per hidden unit that each tool adds to one step of one layer and direction
#: (thop: LSTM c' = f⊙c + i⊙g and h' = o⊙tanh c'; GRU r⊙(…) and h' = (1 - z)⊙n + z⊙h).
_THOP_ELEMENTWISE = {"LSTM": 4, "GRU": 4, "RNN": 0}
_PTFLOPS_ELEMENTWISE = {"LSTM": 10, "GRU": 7, "RNN": 1}


def _thop_cell(kind: str, m: int, n: int, bias: bool, gates: int) -> int:
    """thop's count for one step of one sample of one layer and direction (``thop/rnn_hooks.py``)."""
    per_gate = (m + n) * n + n + (2 * n if bias else 0)  # matmuls, the join of Wx and Uh, two bias adds
    return gates * per_gate + _THOP_ELEMENTWISE[kind] * n


def _recurrent_counts(module: pytorch.TorchRecurrent, steps: int, batch: int) -> dict[str, int]:
    kind = type(module).__name__
    n, dirs, gates = module.hidden_size, module.directions, len(module.gates)
    thop = 0
    for k in range(module.num_layers):
        m_thop = module.input_size if k == 0 else n * dirs  # thop: as if there were no projection
        thop += dirs * _thop_cell(kind, m_thop, n, module.bias, gates)
    ptflops = 0
    for k in range(module.num_layers):
        matrices = gates * n * (module.layer_input_size(k) + module.state_size)  # weight_ih + weight_hh
        ptflops += matrices + _PTFLOPS_ELEMENTWISE[kind] * n + (2 * gates * n if module.bias else 0)
    ptflops *= dirs  # every layer doubled, read from the forward direction's weights
    ours = macs(module, steps, batch)
    return {"macs": ours, "flops": flops(module, steps, batch), "FlopCounterMode": 2 * ours,
            "FlopCounterMode (fused LSTM)": 0 if kind == "LSTM" and not module.proj_size else 2 * ours,
            "thop": thop * steps * batch, "ptflops": ptflops * steps,
            "torchinfo": module.params * steps * batch}


def tool_counts(module: Any, timesteps: Any = 1, batch_size: Any = 1) -> dict[str, int]:
    """Our MACs and FLOPs and what each tool of :data:`TOOLS` reports, for ``timesteps`` × ``batch_size``.

    Parameters
    ----------
    module:
        A :class:`lstm_params.pytorch.LSTM`, ``GRU`` or ``RNN`` (any option), or a
        :class:`~lstm_params.Dense` (measured as ``nn.Linear`` on a (batch, steps, m) input).
    timesteps, batch_size:
        The input's steps and samples, batch first (``batch_first=True``).

    Returns
    -------
    dict
        ``macs`` and ``flops`` (ours), ``FlopCounterMode`` (cell equations step by step),
        ``FlopCounterMode (fused LSTM)`` (PyTorch's default on the CPU), ``thop``, ``ptflops``,
        ``torchinfo``; the module docstring says what each counts.
    """
    steps = v.positive_int("timesteps", timesteps)
    batch = v.positive_int("batch_size", batch_size)
    if isinstance(module, pytorch.TorchRecurrent):
        return _recurrent_counts(module, steps, batch)
    if isinstance(module, Dense) and module.input_dim is not None:
        m, n, rows = module.input_dim, module.units, steps * batch
        ours = macs(module, steps, batch)
        return {"macs": ours, "flops": flops(module, steps, batch), "FlopCounterMode": 2 * ours,
                "FlopCounterMode (fused LSTM)": 2 * ours, "thop": m * n * rows,
                "ptflops": (m * n + (n if module.use_bias else 0)) * steps, "torchinfo": module.params * batch}
    raise TypeError(f"module must be a pytorch.LSTM, pytorch.GRU, pytorch.RNN or a Dense with its input_dim, "
                    f"got {v.shown(module)}")
