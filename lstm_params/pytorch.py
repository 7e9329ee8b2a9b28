"""PyTorch's recurrent modules, counted without PyTorch: ``nn.LSTM``, ``nn.GRU``, ``nn.RNN``.

The same gates as in Keras, stored differently.  PyTorch keeps one tensor per
matrix and per bias, per layer and per direction, named ``weight_ih_l0`` (the input
kernels of every gate stacked by rows, (4n, m) for an LSTM), ``weight_hh_l0``
((4n, n)), ``bias_ih_l0`` and ``bias_hh_l0`` ((4n,) each), plus ``weight_hr_l0``
((p, n)) when ``proj_size`` p > 0; the backward direction adds ``_reverse``.  It
stores W in the math orientation (outputs × inputs), where Keras stores the transpose.

The one difference in the count: every gate has two bias vectors, b_i (added to
W x) and b_h (added to U h), the layout cuDNN uses.  So an LSTM has
4(nm + n² + 2n) parameters in PyTorch and 4(nm + n² + n) in Keras.

Names follow ``torch.nn`` (``input_size``, ``hidden_size``, ``num_layers``, ``bias``,
``bidirectional``, ``proj_size``); the math uses m, n (and p).  Gate order inside
the stacked tensors is PyTorch's: i, f, g, o for the LSTM (g is the cell
candidate) and r, z, n for the GRU (Keras: z, r, h).

>>> LSTM(4096, 256).params  # Keras's LSTM(256) on 4096 features has 4457472
4458496
>>> LSTM(4096, 256).formula.expanded
'4(nm + n² + 2n)'
>>> [(w.variable, w.variable_shape) for w in LSTM(10, 20).weights if w.index.startswith("[0:")]
[('weight_ih_l0', (80, 10)), ('weight_hh_l0', (80, 20)), ('bias_ih_l0', (80,)), ('bias_hh_l0', (80,))]

Any ``num_layers`` is counted at once: every layer after the first reads the same
number of features, so the count, the formula, the per-gate sums, the memory and the
FLOPs multiply one such layer by ``num_layers - 1`` instead of listing them.  Only
:attr:`~TorchRecurrent.weights` (and ``variables``) list every tensor, up to
:data:`MAX_LISTED_LAYERS` layers; tables show two layers and one line for the rest.

>>> LSTM(8, 8, num_layers=10**9).params
576000000000
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, ClassVar

from . import _validate as v
from .formula import Formula
from .layers import Layer
from .weights import Weight

__all__ = ["TorchRecurrent", "LSTM", "GRU", "RNN", "TorchCell", "LSTMCell", "GRUCell", "RNNCell", "NONLINEARITIES",
           "MAX_LISTED_LAYERS"]

NONLINEARITIES: tuple[str, ...] = ("tanh", "relu")
#: :attr:`TorchRecurrent.weights` lists every tensor of at most this many layers (counts need no list).
MAX_LISTED_LAYERS = 1000
#: Tables list every layer of a module up to this many; beyond, layers 0 and 1 and one line for the rest.
TABLE_LAYERS = 4

_DIM = re.compile(r"(\d*)([A-Za-z]\w*)?")


def _terms(symbols: tuple[str, ...]) -> list[tuple[str, ...]]:
    """One weight's symbolic shape as Formula terms: ``("n", "2n")`` is two ``("n", "n")``."""
    coefficient, names = 1, []
    for dim in symbols:
        match = _DIM.fullmatch(dim)
        if match is None or not (match.group(1) or match.group(2)):
            raise ValueError(f"cannot read the symbolic dimension {dim!r}")
        coefficient *= int(match.group(1) or 1)
        if match.group(2):
            names.append(match.group(2))
    return [tuple(names)] * coefficient


def _rows(k: int, n: int) -> str:
    return f"{k * n}:{(k + 1) * n}"


class TorchRecurrent(Layer):
    """Shared by :class:`LSTM`, :class:`GRU` and :class:`RNN`: layers × directions × gates.

    Layer 0 reads the input (m = ``input_size`` features); layer k > 0 reads the
    previous layer's output, ``hidden_size`` (or ``proj_size`` when set) times the
    number of directions.
    """

    _instead = "a pytorch.LSTM, pytorch.GRU or pytorch.RNN"
    framework: ClassVar[str] = "PyTorch"
    # (letter, gate name) in PyTorch's row order inside weight_ih / weight_hh.
    gates: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Elementwise FLOPs per hidden unit and step besides the biases (see lstm_params.hardware).
    elementwise_per_unit: ClassVar[int] = 0
    #: Gates whose recurrent bias b_h· is only ever added to b_i·, so it folds into it (see :attr:`free_params`).
    folding_gates: ClassVar[tuple[str, ...]] = ()

    def __init__(self, input_size: Any, hidden_size: Any, num_layers: Any = 1, bias: Any = True,
                 bidirectional: Any = False, *, proj_size: Any = 0, name: str | None = None) -> None:
        super().__init__(v.positive_int("input_size", input_size), name)
        self.input_size: int = v.positive_int("input_size", input_size)
        self.hidden_size: int = v.positive_int("hidden_size", hidden_size)
        self.num_layers: int = v.positive_int("num_layers", num_layers)
        self.bias: bool = v.flag("bias", bias)
        self.bidirectional: bool = v.flag("bidirectional", bidirectional)
        self.proj_size: int = v.non_negative_int("proj_size", proj_size)
        if self.proj_size and not isinstance(self, LSTM):
            raise ValueError(f"proj_size is only supported by LSTM, not {type(self).__name__}; "
                             f"got proj_size={self.proj_size}")
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"proj_size must be smaller than hidden_size ({self.hidden_size}), "
                             f"got {self.proj_size}")

    # -- sizes ------------------------------------------------------------------------
    @property
    def directions(self) -> int:
        """1, or 2 when bidirectional."""
        return 2 if self.bidirectional else 1

    @property
    def state_size(self) -> int:
        """Size of the h fed back into the recurrence: ``proj_size`` if set, else ``hidden_size``."""
        return self.proj_size or self.hidden_size

    @property
    def output_dim(self) -> int:
        """Features per step of the module's output: state size × directions."""
        return self.state_size * self.directions

    def layer_input_size(self, k: int) -> int:
        """Input features of layer ``k`` (0-based): m for the first, state size × directions after."""
        return self.input_size if k == 0 else self.output_dim

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return True  # the module's first output holds every step

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"input_size": self.input_size, "hidden_size": self.hidden_size,
                                  "num_layers": self.num_layers, "bias": self.bias,
                                  "bidirectional": self.bidirectional}
        if isinstance(self, LSTM):
            config["proj_size"] = self.proj_size
        return config

    def with_input_dim(self, input_dim: int) -> Layer:
        config = self.get_config()
        config["input_size"] = input_dim
        return type(self)(**config, name=self.name)

    # -- the weight list --------------------------------------------------------------
    def _symbols(self, m: int) -> dict[str, int]:
        out = {"m": m, "n": self.hidden_size}
        if self.proj_size:
            out["p"] = self.proj_size
        return out

    def _state_symbol(self) -> str:
        return "p" if self.proj_size else "n"

    def _input_symbol(self, k: int) -> str:
        if k == 0:
            return "m"
        return f"{self.directions}{self._state_symbol()}" if self.directions > 1 else self._state_symbol()

    def _names(self) -> dict[str, str]:
        """Math names per tensor kind; %s is the gate letter."""
        return {"ih": "W_i%s", "hh": "W_h%s", "b_ih": "b_i%s", "b_hh": "b_h%s"}

    def _layer_weights(self, k: int, suffix: str) -> list[Weight]:
        n, g, h = self.hidden_size, len(self.gates), self.state_size
        m_k, sym_m, sym_h = self.layer_input_size(k), self._input_symbol(k), self._state_symbol()
        names = self._names()
        tag = f"_l{k}{suffix}"
        direction = ("backward" if suffix else "forward") if self.bidirectional else ""
        place: dict[str, Any] = {"layer": k, "direction": direction}
        out: list[Weight] = []
        for kind, role, cols, sym in (("ih", "input kernel", m_k, sym_m), ("hh", "recurrent kernel", h, sym_h)):
            variable = f"weight_{kind}{tag}"
            for j, (letter, gate) in enumerate(self.gates):
                index = "[:]" if g == 1 else f"[{_rows(j, n)}, :]"
                out.append(Weight(names[kind] % letter, gate, role, (n, cols), ("n", sym), variable,
                                  (g * n, cols), index, **place))
        if self.bias:
            for kind, role in (("b_ih", "input bias"), ("b_hh", "recurrent bias")):
                variable = f"bias_{kind[2:]}{tag}"
                for j, (letter, gate) in enumerate(self.gates):
                    index = "[:]" if g == 1 else f"[{_rows(j, n)}]"
                    out.append(Weight(names[kind] % letter, gate, role, (n,), ("n",), variable, (g * n,), index,
                                      **place))
        if self.proj_size:
            p = self.proj_size
            out.append(Weight("W_hr", "", "projection", (p, n), ("p", "n"), f"weight_hr{tag}", (p, n), **place))
        return out

    def _stack(self, layers: range) -> list[Weight]:
        """The pieces of ``layers`` (both directions), in named_parameters() order."""
        return [w for k in layers for suffix in ("", "_reverse")[: self.directions]
                for w in self._layer_weights(k, suffix)]

    def _weights(self, m: int) -> list[Weight]:
        if self.num_layers > MAX_LISTED_LAYERS:
            raise ValueError(f"num_layers must be at most {MAX_LISTED_LAYERS:,} to list the weights one by one, "
                             f"got {self.num_layers:,} (params, formula, gate_params, memory and FLOPs need no list)")
        return self._stack(range(self.num_layers))

    def _weight_groups(self) -> list[tuple[int, list[Weight]]]:
        """Layer 0 once, then layer 1 for every later layer: they all read the same number of features."""
        first = (1, self._stack(range(1)))
        return [first] if self.num_layers == 1 else [first, (self.num_layers - 1, self._stack(range(1, 2)))]

    def _formula_terms(self, w: Weight) -> list[tuple[str, ...]]:
        return _terms(w.symbols)  # a (n, 2n) tensor counts 2n²

    def _shown_weights(self) -> tuple[list[Weight], tuple[str, int, str] | None]:
        layers = self.num_layers
        if layers <= TABLE_LAYERS:
            return self.weights, None
        later = self._stack(range(1, 2))
        rest = (f"layers 2 to {layers - 1:,}, each like layer 1", (layers - 2) * sum(w.size for w in later),
                f"*_l2 to *_l{layers - 1}")
        return self._stack(range(2)), rest

    @property
    def variables(self) -> dict[str, tuple[int, ...]]:
        """``named_parameters()`` names and shapes, in PyTorch's order."""
        return super().variables

    def _gate_note(self) -> str:
        parts = [f"{self.num_layers} layers"] if self.num_layers > 1 else []
        parts += ["both directions"] if self.bidirectional else []
        return f" (summed over {' and '.join(parts)})" if parts else ""

    # -- free parameters --------------------------------------------------------------
    def _free(self, w: Weight) -> bool:
        """False for a recurrent bias that folds into its gate's input bias."""
        return not (w.role == "recurrent bias" and w.gate in self.folding_gates)

    @property
    def free_params(self) -> int:
        """Parameters left once every redundant bias is folded away; the module computes nothing more with the rest.

        A recurrent bias b_h· added next to its input bias b_i· inside the same σ or tanh only
        counts through the sum b_i· + b_h·: add it to b_i·, zero it, and no output changes.
        That holds for every gate of the LSTM and the RNN, leaving Keras's count, and for the
        GRU's reset and update gates, but not for its candidate ("new") gate, where the reset
        gate multiplies W_hn h + b_hn, bias included: 3(nm + n² + n) + n.

        >>> LSTM(4096, 256).free_params  # Keras's LSTM(256) on 4096 features: 4(nm + n² + n)
        4457472
        >>> GRU(64, 32).params - GRU(64, 32).free_params  # b_hr and b_hz fold, b_hn stays
        64
        """
        return self._weight_total(self._free)

    @property
    def free_formula(self) -> Formula:
        """The symbolic :attr:`free_params`, derived from the weight list without the biases that fold.

        >>> GRU(64, 32).free_formula.expanded
        '3nm + 3n² + 4n'
        """
        return self._formula(self._free)

    def _elementwise_flops(self) -> int:
        return self.elementwise_per_unit * self.hidden_size * self.num_layers * self.directions

    # -- display ----------------------------------------------------------------------
    def _extra_repr(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        parts = [str(self.input_size), str(self.hidden_size), *self._extra_repr()]
        if self.num_layers != 1:
            parts.append(f"num_layers={self.num_layers}")
        if not self.bias:
            parts.append("bias=False")
        if self.bidirectional:
            parts.append("bidirectional=True")
        return f"{type(self).__name__}({', '.join(parts)})"


class LSTM(TorchRecurrent):
    """``torch.nn.LSTM``: gates i, f, g, o, each with W_i· (n×m), W_h· (n×n), b_i· and b_h·.

    Parameters
    ----------
    input_size:
        m, features per timestep.
    hidden_size:
        n, the size of the cell state c (and of h without projection).
    num_layers:
        Stacked layers; layer k > 0 reads ``hidden_size`` (or ``proj_size``) × directions.
    bias:
        Whether the two bias vectors b_ih and b_hh exist.
    bidirectional:
        A second, backward copy of every layer (names end in ``_reverse``).
    proj_size:
        p > 0 adds ``weight_hr`` (p, n) and makes h (and the recurrent kernels' inputs) size p.

    Example
    -------
    >>> lstm = LSTM(10, 20, num_layers=2)
    >>> lstm.params
    5920
    >>> lstm.variables["weight_ih_l1"]
    (80, 20)
    >>> LSTM(10, 20, proj_size=5).formula.expanded
    '4nm + 5np + 8n'
    """

    kind = "nn.LSTM"
    keras_name = "lstm"
    gates = (("i", "input"), ("f", "forget"), ("g", "cell"), ("o", "output"))
    folding_gates = ("input", "forget", "cell", "output")
    elementwise_per_unit = 13

    def __init__(self, input_size: Any, hidden_size: Any, num_layers: Any = 1, bias: Any = True,
                 bidirectional: Any = False, proj_size: Any = 0, *, name: str | None = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, bidirectional, proj_size=proj_size, name=name)

    def _extra_repr(self) -> list[str]:
        return [f"proj_size={self.proj_size}"] if self.proj_size else []


class GRU(TorchRecurrent):
    """``torch.nn.GRU``: gates r (reset), z (update), n (new), each with two biases.

    PyTorch applies the reset gate after the recurrent matmul, like Keras's default
    ``reset_after=True``, so the counts agree: 3(nm + n² + 2n).  The row order
    differs: r, z, n in PyTorch, z, r, h in Keras.

    >>> GRU(25, 100).params
    38100
    >>> [w.name for w in GRU(25, 100).weights][:3]
    ['W_ir', 'W_iz', 'W_in']
    """

    kind = "nn.GRU"
    keras_name = "gru"
    gates = (("r", "reset"), ("z", "update"), ("n", "new"))
    folding_gates = ("reset", "update")  # not "new": r multiplies W_hn h + b_hn
    elementwise_per_unit = 10


class RNN(TorchRecurrent):
    """``torch.nn.RNN`` (Elman): h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu.

    >>> RNN(3, 4).params  # Keras SimpleRNN(4) on 3 features: 32, one bias fewer
    36
    >>> RNN(3, 4, nonlinearity="relu")
    RNN(3, 4, nonlinearity='relu')
    """

    kind = "nn.RNN"
    keras_name = "simple_rnn"
    gates = (("", ""),)
    folding_gates = ("",)
    elementwise_per_unit = 2

    def __init__(self, input_size: Any, hidden_size: Any, num_layers: Any = 1, nonlinearity: Any = "tanh",
                 bias: Any = True, bidirectional: Any = False, *, proj_size: Any = 0,
                 name: str | None = None) -> None:
        self.nonlinearity: str = v.choice("nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(input_size, hidden_size, num_layers, bias, bidirectional, proj_size=proj_size, name=name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def _names(self) -> dict[str, str]:
        return {"ih": "W_ih%s", "hh": "W_hh%s", "b_ih": "b_ih%s", "b_hh": "b_hh%s"}

    def _extra_repr(self) -> list[str]:
        return [] if self.nonlinearity == "tanh" else [f"nonlinearity={self.nonlinearity!r}"]


class TorchCell(TorchRecurrent):
    """One step of a recurrent module: ``nn.LSTMCell``, ``nn.GRUCell``, ``nn.RNNCell``.

    The tensors of one layer of the matching module, named without the layer suffix:
    ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.  No layers, no directions,
    no projection: the count is the module's with ``num_layers=1``.
    """

    _instead = "a pytorch.LSTMCell, pytorch.GRUCell or pytorch.RNNCell"

    def __init__(self, input_size: Any, hidden_size: Any, bias: Any = True, *, name: str | None = None) -> None:
        super().__init__(input_size, hidden_size, 1, bias, False, name=name)

    def get_config(self) -> dict[str, Any]:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size, "bias": self.bias}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return False  # one step in, one step out

    def _layer_weights(self, k: int, suffix: str) -> list[Weight]:
        return [replace(w, variable=w.variable.removesuffix(f"_l{k}")) for w in super()._layer_weights(k, suffix)]


class LSTMCell(TorchCell):
    """``torch.nn.LSTMCell``: the gates i, f, g, o of :class:`LSTM`, one step.

    >>> cell = LSTMCell(10, 20)
    >>> cell.params == LSTM(10, 20).params, cell.variables
    (True, {'weight_ih': (80, 10), 'weight_hh': (80, 20), 'bias_ih': (80,), 'bias_hh': (80,)})
    """

    kind = "nn.LSTMCell"
    keras_name = "lstm_cell"
    gates = LSTM.gates
    folding_gates = LSTM.folding_gates
    elementwise_per_unit = LSTM.elementwise_per_unit


class GRUCell(TorchCell):
    """``torch.nn.GRUCell``: the gates r, z, n of :class:`GRU`, one step.

    >>> GRUCell(25, 100).params, GRUCell(25, 100, bias=False).formula.expanded
    (38100, '3(nm + n²)')
    """

    kind = "nn.GRUCell"
    keras_name = "gru_cell"
    gates = GRU.gates
    folding_gates = GRU.folding_gates
    elementwise_per_unit = GRU.elementwise_per_unit


class RNNCell(TorchCell):
    """``torch.nn.RNNCell``: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu), one step.

    >>> RNNCell(3, 4, nonlinearity="relu").params
    36
    """

    kind = "nn.RNNCell"
    keras_name = "simple_rnn_cell"
    gates = RNN.gates
    folding_gates = RNN.folding_gates
    elementwise_per_unit = RNN.elementwise_per_unit

    def __init__(self, input_size: Any, hidden_size: Any, bias: Any = True, nonlinearity: Any = "tanh", *,
                 name: str | None = None) -> None:
        self.nonlinearity: str = v.choice("nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(input_size, hidden_size, bias, name=name)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "nonlinearity": self.nonlinearity}

    def _names(self) -> dict[str, str]:
        return {"ih": "W_ih%s", "hh": "W_hh%s", "b_ih": "b_ih%s", "b_hh": "b_hh%s"}  # as RNN's

    def _extra_repr(self) -> list[str]:
        return [] if self.nonlinearity == "tanh" else [f"nonlinearity={self.nonlinearity!r}"]
