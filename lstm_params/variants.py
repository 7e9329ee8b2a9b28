"""LSTM variants, in Keras vocabulary: peepholes, a coupled input-forget gate, and ConvLSTM.

Each variant lists its weights, and its count and formula follow from that list, as
for the layers in :mod:`lstm_params.layers`:

* :class:`PeepholeLSTM` (Gers & Schmidhuber, 2000): the input, forget and output gates
  also see the cell state through diagonal weights P_i, P_f, P_o (one per unit), so
  the count is the LSTM's plus 3n.  Keras 3 has no such layer; TensorFlow 2's
  ``PeepholeLSTMCell`` stored the three vectors under the names used here.
* :class:`CIFGLSTM`, the coupled input-forget gate LSTM: f = 1 - i, so only three
  transformations (i, c, o) have weights: 3(nm + n² + n).
* :class:`LSTMP`, the projection LSTM of Sak et al. (2014): the output of n cells is
  projected to p < n (or = n) numbers, and that projection r is what recurs, so U
  shrinks to 4 × n×p and P (p×n) is added: 4n(m + p + 1) + np, plus 3n with peepholes.
* :class:`ConvLSTM1D`, :class:`ConvLSTM2D`, :class:`ConvLSTM3D` (Keras layers of the same
  names): every matrix product becomes a convolution, so each gate's W is a kernel of
  k₁ × … × C × F weights and U one of k₁ × … × F × F: 4F(∏k·(C + F) + 1).  Here
  ``input_dim`` is C, the channels of each input frame, and F is ``filters``.  With
  ``peephole=True`` they are the ConvLSTM of Shi et al. (2015), whose peepholes W_ci, W_cf,
  W_co multiply the cell state elementwise, so each is a tensor of the state's full shape
  s₁ × … × F: 3·∏s·F more (the state's size is then needed, ``spatial_shape``).

>>> PeepholeLSTM(100, input_dim=25).params - LSTM(100, input_dim=25).params
300
>>> CIFGLSTM(100, input_dim=25).formula.expanded
'3(nm + n² + n)'
>>> ConvLSTM2D(64, (3, 3), input_dim=3).params  # 4·64·(9·(3 + 64) + 1)
154624
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from . import _validate as v
from .layers import LSTM, Recurrent
from .weights import Weight

__all__ = ["PeepholeLSTM", "CIFGLSTM", "LSTMP", "ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


class PeepholeLSTM(Recurrent):
    """An LSTM whose i, f and o gates also read the cell state through diagonal peepholes.

    i = σ(W_i x + U_i h + P_i ⊙ c + b_i), and the same for f and o (o reads the new c).
    The peepholes are vectors, not matrices: each unit sees only its own cell.

    Example
    -------
    >>> layer = PeepholeLSTM(100, input_dim=25)
    >>> layer.params, layer.formula.expanded, layer.formula.factored
    (50700, '4nm + 4n² + 7n', 'n(4m + 4n + 7)')
    >>> [w.storage for w in layer.weights if w.role == "peephole"]
    ['input_gate_peephole_weights', 'forget_gate_peephole_weights', 'output_gate_peephole_weights']
    """

    kind = "PeepholeLSTM"
    keras_name = "peephole_lstm"
    gates = LSTM.gates
    states = LSTM.states
    elementwise_per_unit = LSTM.elementwise_per_unit
    peepholes: ClassVar[tuple[tuple[str, str], ...]] = (("i", "input"), ("f", "forget"), ("o", "output"))

    def _weights(self, m: int) -> list[Weight]:
        n = self.units
        return super()._weights(m) + [
            Weight(f"P_{sym}", gate, "peephole", (n,), ("n",), f"{gate}_gate_peephole_weights", (n,))
            for sym, gate in self.peepholes]


class CIFGLSTM(Recurrent):
    """The coupled input-forget gate LSTM: f = 1 - i, so three transformations keep weights.

    c = (1 - i) ⊙ c + i ⊙ g: what is written in is what is forgotten.  Packed as Keras
    would pack it: ``kernel`` (m, 3n), ``recurrent_kernel`` (n, 3n), ``bias`` (3n,).

    >>> layer = CIFGLSTM(100, input_dim=25)
    >>> layer.params, layer.gate_params
    (37800, {'input': 12600, 'cell': 12600, 'output': 12600})
    """

    kind = "CIFGLSTM"
    keras_name = "cifg_lstm"
    gates = (("i", "input"), ("c", "cell"), ("o", "output"))
    states = LSTM.states
    elementwise_per_unit = 12  # the LSTM's 13n, one gate (add + σ) fewer, plus f = 1 - i



class LSTMP(Recurrent):
    """The LSTM with a recurrent projection layer (Sak, Senior & Beaufays 2014), as TensorFlow 1 builds it.

    ``tf.compat.v1.nn.rnn_cell.LSTMCell(num_units=n, num_proj=p, use_peepholes=...)``: the
    cell computes n-wide gates and cell state as an LSTM does, then projects its output
    m_t = o ⊙ tanh(c_t) to r_t = P m_t with P (p×n); r_t is the layer's output and what
    the gates read at the next step, so each gate's recurrent kernel is n×p instead of
    n×n.  One bias per gate, and optional diagonal peepholes (3n) as in
    :class:`PeepholeLSTM`.  TensorFlow stores W and U stacked in one ``kernel``
    (m + p, 4n), gates in the order i, j (the candidate, c here), f, o, the peepholes as
    ``w_f_diag``, ``w_i_diag``, ``w_o_diag`` and P as ``projection/kernel`` (n, p).
    TensorFlow lets p equal n (``torch.nn.LSTM(proj_size=p)`` requires p < n, and has
    two biases per gate and no peepholes).

    Parameters
    ----------
    units:
        n, the cells (the size of the gates and of c).
    proj_units:
        p, the size of the projection r (the output, and the recurrent input).
    input_dim:
        m, features per timestep.
    peephole:
        Whether i, f and o also read the cell state through diagonal weights.
    use_bias, return_sequences:
        As for :class:`~lstm_params.layers.LSTM`.

    Example
    -------
    >>> layer = LSTMP(1024, 512, input_dim=40)  # 4·1024·(40 + 512 + 1) + 1024·512
    >>> layer.params, layer.formula.expanded
    (2789376, '4nm + 5np + 4n')
    >>> LSTMP(1024, 512, input_dim=40, peephole=True).params - layer.params
    3072
    >>> layer.variables
    {'kernel': (552, 4096), 'bias': (4096,), 'projection/kernel': (1024, 512)}
    """

    kind = "LSTMP"
    keras_name = "lstmp"
    gates = (("i", "input"), ("c", "cell"), ("f", "forget"), ("o", "output"))  # TF1's i, j, f, o
    states = LSTM.states  # h is the projection r (p), c the cells (n)
    elementwise_per_unit = LSTM.elementwise_per_unit
    peepholes: ClassVar[tuple[tuple[str, str], ...]] = (("f", "forget"), ("i", "input"), ("o", "output"))  # TF1's

    def __init__(self, units: Any, proj_units: Any, input_dim: Any = None, *, peephole: Any = False,
                 use_bias: Any = True, return_sequences: Any = False, return_state: Any = False,
                 name: str | None = None) -> None:
        self.proj_units = v.positive_int("proj_units", proj_units)
        self.peephole = v.flag("peephole", peephole)
        super().__init__(units, input_dim, use_bias=use_bias, return_sequences=return_sequences,
                         return_state=return_state, name=name)

    @property
    def output_dim(self) -> int:
        return self.proj_units

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        return {"units": self.units, "proj_units": self.proj_units, **config, "peephole": self.peephole}

    def _symbols(self, m: int) -> dict[str, int]:
        return {"m": m, "n": self.units, "p": self.proj_units}

    def _weights(self, m: int) -> list[Weight]:
        n, p = self.units, self.proj_units
        stacked = (m + p, 4 * n)
        out = []
        for rows, role, cols, sym, letter in ((f"0:{m}", "input kernel", m, "m", "W"),
                                              (f"{m}:{m + p}", "recurrent kernel", p, "p", "U")):
            out += [Weight(f"{letter}_{g}", gate, role, (n, cols), ("n", sym), "kernel", stacked,
                           f"[{rows}, {k * n}:{(k + 1) * n}]", transposed=True)
                    for k, (g, gate) in enumerate(self.gates)]
        if self.use_bias:
            out += [Weight(f"b_{g}", gate, "bias", (n,), ("n",), "bias", (4 * n,), f"[{k * n}:{(k + 1) * n}]")
                    for k, (g, gate) in enumerate(self.gates)]
        if self.peephole:
            out += [Weight(f"P_{g}", gate, "peephole", (n,), ("n",), f"w_{g}_diag", (n,)) for g, gate in self.peepholes]
        out.append(Weight("P", "", "projection", (p, n), ("p", "n"), "kernel", (n, p), transposed=True,
                          scope="projection"))
        return out


def _kernel_size(value: Any, rank: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        if len(value) != rank:
            raise ValueError(f"kernel_size must be an integer or {rank} integers, got {v.shown(value)}")
        return tuple(v.positive_int("kernel_size", k) for k in value)
    return (v.positive_int("kernel_size", value),) * rank


class ConvLSTM(Recurrent):
    """Keras ``ConvLSTM{rank}D``: an LSTM whose matrix products are convolutions.

    Parameters
    ----------
    filters:
        F, the channels of the hidden and cell states (the LSTM's n).
    kernel_size:
        An integer or ``rank`` integers (k₁, …); the same size serves the input and the
        recurrent convolutions.  Strides, padding and dilation change the output, not
        the count.
    input_dim:
        C, the channels of each input frame (the last axis).
    peephole:
        Shi et al.'s (2015, eq. 3) peepholes: i, f and o also read the cell state through
        W_ci ⊙ C, W_cf ⊙ C and W_co ⊙ C, Hadamard products, so each W_c· has the state's
        full shape (s₁, …, F) and the count grows by 3·∏s·F.  No framework ships this layer.
    spatial_shape:
        (s₁, …), the size of the state (rows, columns...), ``rank`` positive integers:
        required with ``peephole=True``, refused without (nothing else reads it).
    use_bias, return_sequences, return_state:
        As for :class:`~lstm_params.layers.LSTM`.
    """

    _instead = "a ConvLSTM1D, ConvLSTM2D or ConvLSTM3D"
    kind = "ConvLSTM"
    rank: ClassVar[int] = 0
    gates = LSTM.gates
    states = LSTM.states
    elementwise_per_unit = LSTM.elementwise_per_unit  # per position of the state
    peepholes: ClassVar[tuple[tuple[str, str], ...]] = PeepholeLSTM.peepholes

    def __init__(self, filters: Any, kernel_size: Any, input_dim: Any = None, *, peephole: Any = False,
                 spatial_shape: Any = None, use_bias: Any = True, return_sequences: Any = False,
                 return_state: Any = False, name: str | None = None) -> None:
        filters = v.positive_int("filters", filters)
        self.kernel_size: tuple[int, ...] = _kernel_size(kernel_size, self.rank)
        self.peephole = v.flag("peephole", peephole)
        self.spatial_shape: tuple[int, ...] | None = None
        if self.peephole:
            if spatial_shape is None:
                raise ValueError(f"spatial_shape is needed with peephole=True: the peepholes W_ci, W_cf, W_co are "
                                 f"tensors of the state's full shape ({self.rank} sizes, then the filters); "
                                 "got spatial_shape=None")
            self.spatial_shape = _spatial_shape(spatial_shape, self.rank)
        elif spatial_shape is not None:
            raise ValueError(f"spatial_shape is only read with peephole=True (the count of a ConvLSTM without "
                             f"peepholes does not depend on it), got spatial_shape={v.shown(spatial_shape)}")
        super().__init__(filters, input_dim, use_bias=use_bias, return_sequences=return_sequences,
                         return_state=return_state, name=name)

    @property
    def filters(self) -> int:
        """F, the number of output channels (stored as ``units``)."""
        return self.units

    def get_config(self) -> dict[str, Any]:
        peephole = {"peephole": True, "spatial_shape": self.spatial_shape} if self.peephole else {}
        return {"filters": self.units, "kernel_size": self.kernel_size, "input_dim": self.input_dim, **peephole,
                "use_bias": self.use_bias, "return_sequences": self.return_sequences, **self._returned_state()}

    def _k_symbols(self) -> tuple[str, ...]:
        return tuple(f"k{i + 1}" for i in range(self.rank))

    def _s_symbols(self) -> tuple[str, ...]:
        return tuple(f"s{i + 1}" for i in range(self.rank))

    def _symbols(self, m: int) -> dict[str, int]:
        sizes = dict(zip(self._k_symbols(), self.kernel_size, strict=True))
        state = dict(zip(self._s_symbols(), self.spatial_shape or (), strict=False))
        return {**sizes, "C": m, **state, "F": self.units}

    def _weights(self, m: int) -> list[Weight]:
        f, k, ks = self.units, self.kernel_size, self._k_symbols()
        out = []
        for variable, role, channels, sym in (("kernel", "input kernel", m, "C"),
                                              ("recurrent_kernel", "recurrent kernel", f, "F")):
            for j, (letter, gate) in enumerate(self.gates):
                out.append(Weight(f"{'W' if sym == 'C' else 'U'}_{letter}", gate, role, (*k, channels, f),
                                  (*ks, sym, "F"), variable, (*k, channels, 4 * f), f"[..., {j * f}:{(j + 1) * f}]"))
        if self.use_bias:
            out += [Weight(f"b_{letter}", gate, "bias", (f,), ("F",), "bias", (4 * f,), f"[{j * f}:{(j + 1) * f}]")
                    for j, (letter, gate) in enumerate(self.gates)]
        if self.spatial_shape is not None:  # Shi et al.'s W_ci, W_cf, W_co: one weight per position and filter
            state = (*self.spatial_shape, f)
            out += [Weight(f"W_c{letter}", gate, "peephole", state, (*self._s_symbols(), "F"),
                           f"{gate}_gate_peephole_weights", state) for letter, gate in self.peepholes]
        return out

    def flops(self, timesteps: int = 1, batch_size: int = 1, spatial_shape: Any = None) -> int:
        """FLOPs over ``timesteps`` × ``batch_size`` frames whose state is ``spatial_shape``.

        Each position of the state costs what an LSTM step with m = ∏k·C and n = F costs
        (padding counted as if it were data), so the count needs the state's size.

        >>> ConvLSTM2D(8, 3, input_dim=2).flops(spatial_shape=(10, 10)) == 100 * ConvLSTM2D(8, 3, input_dim=2).flops(
        ...     spatial_shape=(1, 1))
        True
        """
        from .hardware import flops

        return flops(self, timesteps, batch_size, spatial_shape=spatial_shape)

    def positions(self, spatial_shape: Any) -> int:
        """Number of positions in a state of ``spatial_shape`` (``rank`` positive integers)."""
        if self.peephole:  # lstm_params.hardware would count each peephole tensor once per position
            raise ValueError("spatial_shape: the FLOPs of a ConvLSTM with peephole=True are not counted yet "
                             "(its peepholes are whole tensors of the state's shape, not one vector per position)")
        return math.prod(_spatial_shape(spatial_shape, self.rank))


def _spatial_shape(value: Any, rank: int) -> tuple[int, ...]:
    if not isinstance(value, (tuple, list)) or len(value) != rank:
        raise ValueError(f"spatial_shape must be {rank} positive integers (the size of the state), "
                         f"got {v.shown(value)}")
    return tuple(v.positive_int("spatial_shape", s) for s in value)


class ConvLSTM1D(ConvLSTM):
    """Keras ``ConvLSTM1D``: kernel (k, C, 4F), recurrent_kernel (k, F, 4F), bias (4F,).

    >>> ConvLSTM1D(5, 3, input_dim=3).params
    500
    """

    kind = "ConvLSTM1D"
    keras_name = "conv_lstm1d"
    rank = 1


class ConvLSTM2D(ConvLSTM):
    """Keras ``ConvLSTM2D``: kernel (k₁, k₂, C, 4F), recurrent_kernel (k₁, k₂, F, 4F), bias (4F,).

    >>> layer = ConvLSTM2D(5, (3, 3), input_dim=3)
    >>> layer.params, layer.formula.factored
    (1460, '4F(k₁k₂C + k₁k₂F + 1)')

    Shi et al.'s peepholes on a 64 × 64 state: three more tensors of 64 × 64 × F.

    >>> layer = ConvLSTM2D(5, (3, 3), input_dim=3, peephole=True, spatial_shape=(64, 64))
    >>> layer.params - 1460 == 3 * 64 * 64 * 5, layer.formula.expanded
    (True, '4k₁k₂CF + 4k₁k₂F² + 4F + 3s₁s₂F')
    """

    kind = "ConvLSTM2D"
    keras_name = "conv_lstm2d"
    rank = 2


class ConvLSTM3D(ConvLSTM):
    """Keras ``ConvLSTM3D``: kernel (k₁, k₂, k₃, C, 4F), and the same pattern.

    >>> ConvLSTM3D(5, 3, input_dim=3).params
    4340
    """

    kind = "ConvLSTM3D"
    keras_name = "conv_lstm3d"
    rank = 3
