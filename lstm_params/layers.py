"""Recurrent layers (and their usual neighbours) in Keras vocabulary, counted without Keras.

Every layer lists its weights (:attr:`Layer.weights`), and everything else follows
from that list: the count (:attr:`Layer.params`), the formula (:attr:`Layer.formula`)
and the tables shown in Jupyter.  Notation: m = input size (Keras ``input_dim``),
n = ``units``.

>>> LSTM(256, input_dim=4096).params
4457472
>>> LSTM(256, input_dim=4096).formula.expanded
'4(nm + n² + n)'
>>> GRU(64, input_dim=32).params, GRU(64, input_dim=32, reset_after=False).params
(18816, 18624)
>>> Sequential([LSTM(64, return_sequences=True), LSTM(128)], input_dim=126).layer_params
[48896, 98816]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from . import _validate as v
from .formula import PRIME, Formula
from .weights import Weight

__all__ = ["Layer", "Recurrent", "LSTM", "GRU", "SimpleRNN", "Dense", "Embedding", "TiedDense",
           "Bidirectional", "Sequential", "MERGE_MODES"]

MERGE_MODES: tuple[str | None, ...] = ("concat", "sum", "mul", "ave", None)


def _slice(k: int, n: int) -> str:
    return f"{k * n}:{(k + 1) * n}"


#: A table of :meth:`Layer.summary` leaves out pieces beyond these (description, params, storage).
Omitted = tuple[str, int, str]


class Layer:
    """Base class: a layer that knows its weights.  Subclasses define :meth:`_weights`.

    It is not a layer itself: ``Layer(...)`` is refused, build an :class:`LSTM`, a :class:`Dense`...
    """

    kind: ClassVar[str] = "Layer"
    keras_name: ClassVar[str] = "layer"  # Keras's default name stem
    # Set in a base class's own body: what to build instead (the base class itself is refused).
    _instead: ClassVar[str] = "an LSTM, GRU, SimpleRNN, Dense, Embedding, Bidirectional..."

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        instead = cls.__dict__.get("_instead")
        if instead is not None:  # before any argument is read
            raise TypeError(f"{cls.__name__} is a base class, not a layer: build {instead} instead")
        return super().__new__(cls)

    def __init__(self, input_dim: Any = None, name: str | None = None) -> None:
        self.input_dim: int | None = v.optional_positive_int("input_dim", input_dim)
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"name must be a non-empty string, got {v.shown(name)}")
        self.name = name

    # -- what subclasses provide ------------------------------------------------------
    def _weights(self, m: int) -> list[Weight]:
        raise NotImplementedError

    def _symbols(self, m: int) -> dict[str, int]:
        raise NotImplementedError

    @property
    def output_dim(self) -> int:
        """Size of the last axis of this layer's output."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as Keras's ``get_config`` names them."""
        return {"input_dim": self.input_dim}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        """Whether the output keeps a time axis (None: unknown)."""
        return input_is_sequence

    # -- derived from the weight list -------------------------------------------------
    def _need_input_dim(self) -> int:
        if self.input_dim is None:
            raise ValueError(
                f"{self.kind}: input_dim is unknown, so the count is too; give input_dim=... "
                f"or put the layer in a Sequential with input_dim=..."
            )
        return self.input_dim

    @property
    def weights(self) -> list[Weight]:
        """Every piece of the layer's parameters, in framework storage order."""
        return self._weights(self._need_input_dim())

    def _weight_groups(self) -> list[tuple[int, list[Weight]]]:
        """The weights as (copies, pieces) pairs: a stack of equal layers is one group with many copies.

        Counts, formulas and FLOPs add up these groups, so they never need a list of every copy.
        """
        return [(1, self.weights)]

    def _borrowed_weights(self) -> list[Weight]:
        """Weights this layer multiplies by but another layer owns and counts (a tied output layer's matrix).

        They cost FLOPs here, never parameters.
        """
        return []

    def _weight_total(self, keep: Callable[[Weight], bool] | None = None) -> int:
        """Scalars in the pieces ``keep`` accepts (all by default), over every copy."""
        return sum(copies * sum(w.size for w in ws if keep is None or keep(w)) for copies, ws in self._weight_groups())

    def _formula_terms(self, w: Weight) -> list[tuple[str, ...]]:
        """One weight's symbolic shape as Formula terms."""
        return [w.symbols]

    def _shown_weights(self) -> tuple[list[Weight], Omitted | None]:
        """The pieces a table lists, and what it leaves out (None: nothing)."""
        return self.weights, None

    @property
    def params(self) -> int:
        """Total number of parameters, as ``model.summary()`` reports it."""
        return self._weight_total()

    @property
    def gate_params(self) -> dict[str, int]:
        """Parameters per gate (its W, U and biases), in storage order; ``{}`` without gates.

        >>> LSTM(12, input_dim=80).gate_params
        {'input': 1116, 'forget': 1116, 'cell': 1116, 'output': 1116}
        """
        out: dict[str, int] = {}
        for copies, ws in self._weight_groups():
            for w in ws:
                if w.gate:
                    out[w.gate] = out.get(w.gate, 0) + copies * w.size
        return out

    @property
    def formula(self) -> Formula:
        """The symbolic count, derived from :attr:`weights`."""
        return self._formula()

    def _formula(self, keep: Callable[[Weight], bool] | None = None) -> Formula:
        """The symbolic count of the pieces ``keep`` accepts (all by default), over every copy."""
        m = self._need_input_dim()
        counts: dict[tuple[str, ...], int] = {}
        for copies, ws in self._weight_groups():
            for w in ws:
                if keep is not None and not keep(w):
                    continue
                for term in self._formula_terms(w):
                    counts[term] = counts.get(term, 0) + copies
        return Formula.from_counts(counts, self._symbols(m))

    @property
    def variables(self) -> dict[str, tuple[int, ...]]:
        """Framework variables and their shapes, e.g. ``{"kernel": (4096, 1024), ...}``."""
        out: dict[str, tuple[int, ...]] = {}
        for w in self.weights:
            key = f"{w.scope}/{w.variable}" if w.scope else w.variable
            out.setdefault(key, w.variable_shape)
        return out

    def with_input_dim(self, input_dim: int) -> Layer:
        """A copy of this layer with its input size set (used by :class:`Sequential`)."""
        config = self.get_config()
        config["input_dim"] = input_dim
        config["name"] = self.name
        return type(self)(**config)

    # -- planning figures --------------------------------------------------------------
    def memory_bytes(self, dtype: str = "float32") -> int:
        """Bytes the weights take at ``dtype`` (what ``model.summary()`` prints next to the count)."""
        from .hardware import memory_bytes

        return memory_bytes(self.params, dtype)

    def training_memory_bytes(self, dtype: str = "float32", optimizer: str = "adam") -> int:
        """Bytes for weights + gradients + optimizer state (Adam: 4 × :meth:`memory_bytes`).

        >>> LSTM(256, input_dim=4096).training_memory_bytes("float32", "sgd") == 2 * 4 * 4457472
        True

        Non-trainable weights (BatchNormalization's moving statistics) get no gradient nor state.
        """
        from .frontend import non_trainable_params
        from .hardware import training_memory_bytes

        return training_memory_bytes(self.params, dtype, optimizer, non_trainable=non_trainable_params(self))

    def flops(self, timesteps: int = 1, batch_size: int = 1, *, spatial_shape: Any = None) -> int:
        """FLOPs over ``timesteps`` steps of ``batch_size`` samples (conventions: :mod:`lstm_params.hardware`).

        2 FLOPs per multiply-add in the matmuls, 8n(m + n) per LSTM step, plus 1 per bias
        element and the cell's elementwise work; linear in timesteps × batch_size.
        ``spatial_shape`` is for a Bidirectional ConvLSTM (and refused where nothing reads it).

        >>> LSTM(100, input_dim=25).flops() == 8 * 100 * (25 + 100) + 4 * 100 + 13 * 100
        True
        """
        from .hardware import flops

        return flops(self, timesteps, batch_size, spatial_shape=spatial_shape)

    def _elementwise_flops(self) -> int:
        """Elementwise FLOPs per step and sample besides biases and peepholes (0: none)."""
        return 0

    # -- the functional form (lstm_params.graph) -----------------------------------------
    def __call__(self, inputs: Any, *, initial_state: Any = None) -> Any:
        """Apply the layer to symbolic tensors, as in Keras's functional API (see :mod:`lstm_params.graph`).

        ``inputs`` is a tensor from :func:`~lstm_params.graph.Input` or from another layer's call
        (a list of them for a merge layer).  The call sets this layer's input size from the tensor
        (a mismatch is refused), and returns the output tensor: a list ``[output, *states]`` for a
        recurrent layer made with ``return_state=True``.  ``initial_state`` (recurrent layers only)
        is a list of state tensors; it adds no parameters.  Calling the same layer object again
        shares it: a :class:`~lstm_params.graph.Model` counts it once.

        >>> from lstm_params.graph import Input
        >>> x = Input(25)
        >>> layer = LSTM(100)
        >>> y = layer(x)
        >>> layer.input_dim, layer.params, y.features
        (25, 50400, 100)
        """
        from .graph import call

        return call(self, inputs, initial_state)

    # -- display ----------------------------------------------------------------------
    def summary(self) -> str:
        """A plain-text table of the weights and the total, like ``model.summary()``."""
        from .report import layer_text

        return layer_text(self)

    def _repr_html_(self) -> str:
        from .report import layer_html

        return layer_html(self)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={val!r}" for k, val in self.get_config().items()
                         if k != "input_dim" or val is not None)
        return f"{self.kind}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Layer)
        return self.get_config() == other.get_config() and self.name == other.name

    def __hash__(self) -> int:
        return hash((self.kind, repr(self)))


class Recurrent(Layer):
    """A recurrent layer: G gates, each with W (n×m), U (n×n) and a bias (n).

    A base class: build an :class:`LSTM`, a :class:`GRU`, a :class:`SimpleRNN` or a variant.
    """

    _instead = "an LSTM, GRU, SimpleRNN, PeepholeLSTM, CIFGLSTM or ConvLSTM2D"
    gates: ClassVar[tuple[tuple[str, str], ...]] = ()  # (symbol, name) in Keras storage order
    #: The states the layer carries from step to step, in Keras's order: h, and c for the LSTM family.
    states: ClassVar[tuple[str, ...]] = ("h",)
    #: Elementwise FLOPs per unit and step besides the biases (listed in lstm_params.hardware).
    elementwise_per_unit: ClassVar[int] = 0

    def __init__(self, units: Any, input_dim: Any = None, *, use_bias: Any = True,
                 return_sequences: Any = False, return_state: Any = False, name: str | None = None) -> None:
        self.units = v.positive_int("units", units)
        super().__init__(input_dim, name)
        self.use_bias = v.flag("use_bias", use_bias)
        self.return_sequences = v.flag("return_sequences", return_sequences)
        self.return_state = v.flag("return_state", return_state)

    @property
    def output_dim(self) -> int:
        return self.units

    @property
    def state_sizes(self) -> tuple[int, ...]:
        """The size of each state (:attr:`states`): h has the output's size, c the units.

        >>> LSTM(8).state_sizes, GRU(8).state_sizes
        ((8, 8), (8,))
        """
        return tuple(self.output_dim if s == "h" else self.units for s in self.states)

    def _returned_state(self) -> dict[str, Any]:
        """``return_state`` for :meth:`get_config`, only when set (so a plain layer's repr stays short)."""
        return {"return_state": True} if self.return_state else {}

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "input_dim": self.input_dim, "use_bias": self.use_bias,
                "return_sequences": self.return_sequences, **self._returned_state()}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return self.return_sequences

    def _symbols(self, m: int) -> dict[str, int]:
        return {"m": m, "n": self.units}

    def _elementwise_flops(self) -> int:
        return self.elementwise_per_unit * self.units

    def _name(self, kind: str, gate: str) -> str:
        return f"{kind}_{gate}" if gate else kind

    def _kernels(self, m: int) -> list[Weight]:
        n, g = self.units, len(self.gates)
        out = []
        for k, (sym, gate) in enumerate(self.gates):
            cols = "[:]" if g == 1 else f"[:, {_slice(k, n)}]"
            out.append(Weight(self._name("W", sym), gate, "input kernel", (n, m), ("n", "m"),
                              "kernel", (m, g * n), cols, transposed=True))
        for k, (sym, gate) in enumerate(self.gates):
            cols = "[:]" if g == 1 else f"[:, {_slice(k, n)}]"
            out.append(Weight(self._name("U", sym), gate, "recurrent kernel", (n, n), ("n", "n"),
                              "recurrent_kernel", (n, g * n), cols, transposed=True))
        return out

    def _biases(self) -> list[Weight]:
        n, g = self.units, len(self.gates)
        return [Weight(self._name("b", sym), gate, "bias", (n,), ("n",), "bias", (g * n,),
                       "[:]" if g == 1 else f"[{_slice(k, n)}]")
                for k, (sym, gate) in enumerate(self.gates)]

    def _weights(self, m: int) -> list[Weight]:
        return self._kernels(m) + (self._biases() if self.use_bias else [])


class LSTM(Recurrent):
    """Keras ``LSTM``: four gates (input i, forget f, cell candidate c, output o).

    Parameters
    ----------
    units:
        n, the size of the hidden state h and the cell state c.
    input_dim:
        m, the number of features per timestep (the last axis of the input).
        Timesteps never enter the count: the same weights serve every step.
    use_bias:
        Whether each gate has a bias vector.
    return_sequences:
        Output every step or only the last; it changes the output, not the count.

    Example
    -------
    >>> layer = LSTM(100, input_dim=25)
    >>> layer.params, layer.formula.factored
    (50400, '4n(m + n + 1)')
    >>> layer.variables
    {'kernel': (25, 400), 'recurrent_kernel': (100, 400), 'bias': (400,)}
    """

    kind = "LSTM"
    keras_name = "lstm"
    gates = (("i", "input"), ("f", "forget"), ("c", "cell"), ("o", "output"))
    states = ("h", "c")
    elementwise_per_unit = 13


class SimpleRNN(Recurrent):
    """Keras ``SimpleRNN``: h_t = tanh(W x_t + U h_{t-1} + b), one transformation.

    >>> SimpleRNN(4, input_dim=3).params
    32
    """

    kind = "SimpleRNN"
    keras_name = "simple_rnn"
    gates = (("", ""),)
    elementwise_per_unit = 2


class GRU(Recurrent):
    """Keras ``GRU``: three transformations (update z, reset r, candidate h).

    With ``reset_after=True`` (the Keras 3 default, and what cuDNN computes) the reset
    gate is applied after the recurrent matmul, so the input and recurrent parts keep
    separate biases: ``bias`` has shape (2, 3n) and the count is 3(nm + n² + 2n).
    With ``reset_after=False`` there is one bias per gate: 3(nm + n² + n).

    >>> GRU(100, input_dim=25).formula.expanded
    '3(nm + n² + 2n)'
    >>> GRU(100, input_dim=25, reset_after=False).formula.expanded
    '3(nm + n² + n)'
    """

    kind = "GRU"
    keras_name = "gru"
    gates = (("z", "update"), ("r", "reset"), ("h", "candidate"))
    elementwise_per_unit = 10

    def __init__(self, units: Any, input_dim: Any = None, *, use_bias: Any = True,
                 reset_after: Any = True, return_sequences: Any = False, return_state: Any = False,
                 name: str | None = None) -> None:
        super().__init__(units, input_dim, use_bias=use_bias, return_sequences=return_sequences,
                         return_state=return_state, name=name)
        self.reset_after = v.flag("reset_after", reset_after)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "reset_after": self.reset_after}

    def _biases(self) -> list[Weight]:
        if not self.reset_after:
            return super()._biases()
        n = self.units
        out = []
        for row, (prefix, role) in enumerate((("x", "input bias"), ("h", "recurrent bias"))):
            for k, (sym, gate) in enumerate(self.gates):
                out.append(Weight(f"b_{prefix}{sym}", gate, role, (n,), ("n",), "bias", (2, 3 * n),
                                  f"[{row}, {_slice(k, n)}]"))
        return out


class Dense(Layer):
    """Keras ``Dense``: y = W x + b with W (n×m), stored as ``kernel`` (m, n).

    >>> Dense(64, input_dim=64).params
    4160
    """

    kind = "Dense"
    keras_name = "dense"

    def __init__(self, units: Any, input_dim: Any = None, *, use_bias: Any = True,
                 name: str | None = None) -> None:
        self.units = v.positive_int("units", units)
        super().__init__(input_dim, name)
        self.use_bias = v.flag("use_bias", use_bias)

    @property
    def output_dim(self) -> int:
        return self.units

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "input_dim": self.input_dim, "use_bias": self.use_bias}

    def _symbols(self, m: int) -> dict[str, int]:
        return {"m": m, "n": self.units}

    def _weights(self, m: int) -> list[Weight]:
        n = self.units
        out = [Weight("W", "", "kernel", (n, m), ("n", "m"), "kernel", (m, n), transposed=True)]
        if self.use_bias:
            out.append(Weight("b", "", "bias", (n,), ("n",), "bias", (n,)))
        return out


class Embedding(Layer):
    """Keras ``Embedding``: a lookup table E of shape (input_dim, output_dim) = (V, d).

    Here ``input_dim`` is the vocabulary size V, as in Keras; the layer's output has
    ``output_dim`` features per token, so it can start a :class:`Sequential`.

    >>> Embedding(10000, 128).params
    1280000
    """

    kind = "Embedding"
    keras_name = "embedding"

    def __init__(self, input_dim: Any, output_dim: Any, *, name: str | None = None) -> None:
        v.positive_int("input_dim", input_dim)
        super().__init__(input_dim, name)
        self.output_dim_ = v.positive_int("output_dim", output_dim)

    @property
    def output_dim(self) -> int:
        return self.output_dim_

    def get_config(self) -> dict[str, Any]:
        return {"input_dim": self.input_dim, "output_dim": self.output_dim_}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return True

    def with_input_dim(self, input_dim: int) -> Layer:
        raise TypeError(f"an Embedding reads token ids, not {v.shown(input_dim)} features: its input_dim is the "
                        f"vocabulary size ({self.input_dim}), fixed when it is made")

    def _symbols(self, m: int) -> dict[str, int]:
        return {"V": m, "d": self.output_dim_}

    def _weights(self, m: int) -> list[Weight]:
        d = self.output_dim_
        return [Weight("E", "", "embeddings", (m, d), ("V", "d"), "embeddings", (m, d))]


class TiedDense(Layer):
    """An output layer that reuses an :class:`Embedding`'s matrix: tied embeddings, only the bias is its own.

    Press & Wolf (2017), "Using the Output Embedding to Improve Language Models": the
    softmax layer that maps d features back to V token scores uses the embedding matrix E
    (V×d) as its kernel, so it adds only its bias, V numbers (0 with ``use_bias=False``).
    PyTorch's word_language_model with ``--tied`` does exactly this:
    ``decoder.weight = encoder.weight``, and the decoder keeps its V-sized bias.

    Parameters
    ----------
    embedding:
        The :class:`Embedding` whose matrix E is reused (and counted there, once).
    input_dim:
        Features read, d; it must equal the embedding's ``output_dim``.
    use_bias:
        Whether the layer has its own bias vector (V numbers).

    Example
    -------
    >>> embedding = Embedding(10000, 650)
    >>> head = TiedDense(embedding, input_dim=650)
    >>> head.params, head.formula.expanded, head.output_dim
    (10000, 'V', 10000)
    >>> Sequential([embedding, LSTM(650, return_sequences=True), head]).layer_params
    [6500000, 3382600, 10000]
    """

    kind = "TiedDense"
    keras_name = "tied_dense"

    def __init__(self, embedding: Any, input_dim: Any = None, *, use_bias: Any = True,
                 name: str | None = None) -> None:
        if not isinstance(embedding, Embedding):
            raise TypeError(f"embedding must be an lp.Embedding (whose matrix this layer reuses), "
                            f"got {v.shown(embedding)}")
        self.embedding = embedding
        super().__init__(input_dim, name)
        if self.input_dim is not None and self.input_dim != embedding.output_dim:
            raise ValueError(f"input_dim must equal the embedding's output_dim ({embedding.output_dim}: the tied "
                             f"matrix is V × d), got {self.input_dim}")
        self.use_bias = v.flag("use_bias", use_bias)

    @property
    def output_dim(self) -> int:
        """V, the vocabulary: one score per token."""
        assert self.embedding.input_dim is not None
        return self.embedding.input_dim

    def get_config(self) -> dict[str, Any]:
        return {"embedding": self.embedding, "input_dim": self.input_dim, "use_bias": self.use_bias}

    def _symbols(self, m: int) -> dict[str, int]:
        return {"V": self.output_dim, "d": m}

    def _weights(self, m: int) -> list[Weight]:
        v_ = self.output_dim
        return [Weight("b", "", "bias", (v_,), ("V",), "bias", (v_,))] if self.use_bias else []

    def _borrowed_weights(self) -> list[Weight]:
        """The embedding's matrix E (V×d), used here as the kernel: its multiply-adds are this layer's."""
        v_, d = self.output_dim, self._need_input_dim()
        return [Weight("E", "", "kernel", (v_, d), ("V", "d"), "embeddings", (v_, d))]


class Bidirectional(Layer):
    """Keras ``Bidirectional``: two copies of a recurrent layer, one reading backwards.

    The count doubles whatever ``merge_mode`` is; the merge mode only decides the
    output size (``"concat"`` gives 2n features, the others n), which matters for the
    next layer's count.

    ``backward_layer`` (as in Keras) makes the backward direction a different layer:
    another kind, size or bias.  Both read the same input and must agree on
    ``return_sequences``; unless the outputs are concatenated they must have the same
    size.  The count is then the sum of the two, and the formula writes the backward
    layer's own sizes with a prime (n′).

    >>> Bidirectional(LSTM(64), merge_mode="concat").with_input_dim(10).params  # 2 · 4·64·(10 + 64 + 1)
    38400
    >>> Bidirectional(LSTM(64, input_dim=10), merge_mode="sum").output_dim
    64
    >>> layer = Bidirectional(LSTM(3, input_dim=7), backward_layer=GRU(4))
    >>> layer.params, layer.output_dim  # 4·3·(7 + 3 + 1) + 3·4·(7 + 4 + 2)
    (288, 7)
    >>> layer.formula.expanded
    '4nm + 4n² + 4n + 3n′m + 3n′² + 6n′'
    """

    kind = "Bidirectional"
    keras_name = "bidirectional"

    def __init__(self, layer: Any, merge_mode: Any = "concat", *, backward_layer: Any = None,
                 name: str | None = None) -> None:
        if not isinstance(layer, Recurrent):
            raise TypeError(f"layer must be a recurrent layer (LSTM, GRU, SimpleRNN, ...), got {v.shown(layer)}")
        self.merge_mode: str | None = v.choice("merge_mode", merge_mode, MERGE_MODES)
        backward = _backward(layer, backward_layer, self.merge_mode)
        m = layer.input_dim if backward is None or layer.input_dim is not None else backward.input_dim
        self.layer: Recurrent = _reading(layer, m)
        #: The backward direction when it differs from the forward layer (None: a copy of ``layer``).
        self.backward_layer: Recurrent | None = None if backward is None else _reading(backward, m)
        if self.backward_layer is not None and type(self.backward_layer) is type(self.layer) \
                and self.backward_layer.get_config() == self.layer.get_config():
            self.backward_layer = None  # the same layer again: Keras's default backward copy
        super().__init__(m, name)

    @property
    def backward(self) -> Recurrent:
        """The layer that reads the sequence backwards: ``backward_layer``, or a copy of ``layer``."""
        return self.layer if self.backward_layer is None else self.backward_layer

    @property
    def units(self) -> int:
        """The forward layer's units (the backward layer's may differ when the outputs are concatenated)."""
        return self.layer.units

    @property
    def output_dim(self) -> int:
        return self.layer.units + self.backward.units if self.merge_mode == "concat" else self.layer.units

    def get_config(self) -> dict[str, Any]:
        return {"layer": self.layer, "merge_mode": self.merge_mode, "backward_layer": self.backward_layer}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return self.layer.return_sequences

    def with_input_dim(self, input_dim: int) -> Layer:
        back = None if self.backward_layer is None else self.backward_layer.with_input_dim(input_dim)
        return Bidirectional(self.layer.with_input_dim(input_dim), self.merge_mode, backward_layer=back,
                             name=self.name)

    def _primes(self, m: int) -> dict[str, str]:
        """The backward layer's symbols whose value differs from the forward layer's, primed: n -> n′."""
        forward, backward = self.layer._symbols(m), self.backward._symbols(m)
        return {s: s + PRIME for s, size in backward.items() if s in forward and forward[s] != size}

    def _symbols(self, m: int) -> dict[str, int]:
        primes = self._primes(m)
        backward = {primes.get(s, s): size for s, size in self.backward._symbols(m).items()}
        return {**backward, **self.layer._symbols(m)}

    def _elementwise_flops(self) -> int:
        return self.layer._elementwise_flops() + self.backward._elementwise_flops()

    def _weights(self, m: int) -> list[Weight]:
        primes = self._primes(m)
        backward = [replace(w, symbols=tuple(primes.get(s, s) for s in w.symbols)) if primes else w
                    for w in self.backward._weights(m)]
        return ([w.with_direction("forward") for w in self.layer._weights(m)]
                + [w.with_direction("backward") for w in backward])

    def __repr__(self) -> str:
        back = "" if self.backward_layer is None else f", backward_layer={self.backward_layer!r}"
        return f"Bidirectional({self.layer!r}, merge_mode={self.merge_mode!r}{back})"


def _reading(layer: Recurrent, input_dim: int | None) -> Recurrent:
    """``layer`` with its input size set (unchanged when it is already known or still unknown)."""
    if input_dim is None or layer.input_dim is not None:
        return layer
    out = layer.with_input_dim(input_dim)
    assert isinstance(out, Recurrent)
    return out


def _backward(forward: Recurrent, backward: Any, merge_mode: str | None) -> Recurrent | None:
    """Check a Bidirectional's ``backward_layer`` against its forward layer, as Keras does (and a bit more)."""
    if backward is None:
        return None
    if not isinstance(backward, Recurrent):
        raise TypeError(f"backward_layer must be a recurrent layer (LSTM, GRU, SimpleRNN, ...) or None, "
                        f"got {v.shown(backward)}")
    if getattr(backward, "rank", 0) != getattr(forward, "rank", 0):
        raise ValueError(f"backward_layer must read the same input as the forward {forward.kind}, "
                         f"got {v.shown(backward)}")
    if backward.return_sequences != forward.return_sequences:
        raise ValueError(f"backward_layer must have the forward layer's return_sequences={forward.return_sequences} "
                         f"(Keras requires it), got return_sequences={backward.return_sequences}")
    if backward.return_state != forward.return_state:
        raise ValueError(f"backward_layer must have the forward layer's return_state={forward.return_state} "
                         f"(Keras requires it), got return_state={backward.return_state}")
    if None not in (forward.input_dim, backward.input_dim) and forward.input_dim != backward.input_dim:
        raise ValueError(f"backward_layer reads the forward layer's input ({forward.input_dim} features), "
                         f"got input_dim={backward.input_dim}")
    if merge_mode != "concat" and backward.units != forward.units:
        raise ValueError(f"backward_layer must have the forward layer's {forward.units} units when "
                         f"merge_mode={merge_mode!r} (only concat joins outputs of different sizes), "
                         f"got {backward.units}")
    return backward


def _keras_names(layers: Sequence[Layer]) -> list[str]:
    """A name for each layer: its own, else Keras's stem numbered in order (lstm, lstm_1, ...)."""
    taken: dict[str, int] = {}
    out = []
    for layer in layers:
        stem = layer.name or layer.keras_name
        out.append(layer.name or (stem if stem not in taken else f"{stem}_{taken[stem]}"))
        taken[stem] = taken.get(stem, 0) + 1
    return out


class _Layers:
    """What a Sequential and an :class:`lstm_params.Model` share: a list of layers, their counts and bytes."""

    layers: list[Layer]

    @property
    def layer_params(self) -> list[int]:
        """Each layer's count, in order (a shared layer once): the Param # column of ``model.summary()``."""
        return [layer.params for layer in self.layers]

    @property
    def params(self) -> int:
        """Total parameters: the sum of :attr:`layer_params` ("Total params", ``model.count_params()``)."""
        return sum(self.layer_params)

    @property
    def non_trainable_params(self) -> int:
        """Parameters no gradient updates (BatchNormalization's moving statistics)."""
        from .frontend import non_trainable_params

        return sum(non_trainable_params(layer) for layer in self.layers)

    def memory_bytes(self, dtype: str = "float32") -> int:
        """Bytes the weights take at ``dtype``."""
        from .hardware import memory_bytes

        return memory_bytes(self.params, dtype)

    def training_memory_bytes(self, dtype: str = "float32", optimizer: str = "adam") -> int:
        """Bytes for weights + gradients + optimizer state (see :func:`lstm_params.hardware.training_memory_bytes`)."""
        from .hardware import training_memory_bytes

        return training_memory_bytes(self.params, dtype, optimizer, non_trainable=self.non_trainable_params)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Any:
        return iter(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]


class Sequential(_Layers):
    """A stack of layers, each taking the previous layer's output size as its input size.

    Parameters
    ----------
    layers:
        The layers, first to last.  The first needs its input size, from its own
        ``input_dim`` or from this ``input_dim``, unless it is an :class:`Embedding`.
    input_dim:
        Features per timestep fed to the first layer.

    Example
    -------
    >>> model = Sequential([LSTM(64, return_sequences=True), LSTM(128, return_sequences=True),
    ...                     LSTM(64), Dense(64), Dense(32), Dense(3)], input_dim=126)
    >>> model.layer_params
    [48896, 98816, 49408, 4160, 2080, 99]
    >>> model.params
    203459
    """

    kind = "Sequential"

    def __init__(self, layers: Iterable[Layer], input_dim: Any = None) -> None:
        if isinstance(layers, Layer) or not isinstance(layers, Iterable):
            raise TypeError(f"layers must be a list of layers, got {v.shown(layers)}")
        given = list(layers)
        if not given:
            raise ValueError("layers must hold at least one layer, got []")
        for i, layer in enumerate(given):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a layer (LSTM, Dense, ...), got {v.shown(layer)}")
        self.input_dim: int | None = v.optional_positive_int("input_dim", input_dim)
        self.layers: list[Layer] = self._connect(given)

    def _connect(self, given: Sequence[Layer]) -> list[Layer]:
        first = given[0]
        if isinstance(first, Embedding):
            if self.input_dim is not None:
                raise ValueError("input_dim must be None when the first layer is an Embedding "
                                 f"(its input_dim is the vocabulary), got {self.input_dim}")
            m: int | None = None
        else:
            m = self.input_dim
            if first.input_dim is not None and m is not None and first.input_dim != m:
                raise ValueError(f"input_dim is {m} but layers[0] has input_dim={first.input_dim}")
            if m is None:
                m = first.input_dim
        out: list[Layer] = []
        sequence: bool | None = None
        for i, layer in enumerate(given):
            if isinstance(layer, Embedding) and i > 0:
                raise ValueError(f"layers[{i}] is an Embedding: it can only be the first layer")
            before = given[i - 1] if i > 0 else None
            if isinstance(before, Bidirectional) and before.merge_mode is None:
                raise ValueError(f"layers[{i - 1}] is Bidirectional with merge_mode=None: it outputs two "
                                 "tensors, so it can only be the last layer")
            if getattr(getattr(before, "layer", before), "return_state", False):
                raise ValueError(f"layers[{i - 1}] has return_state=True: it outputs its states too, so it can "
                                 "only be the last layer (use lp.Model to pass states on)")
            if isinstance(layer, (Recurrent, Bidirectional)) and sequence is False:
                raise ValueError(
                    f"layers[{i}] ({layer.kind}) needs a sequence, but layers[{i - 1}] returns only "
                    f"its last step: give layers[{i - 1}] return_sequences=True")
            if i > 0 and layer.input_dim is not None and layer.input_dim != m:
                raise ValueError(f"layers[{i}] has input_dim={layer.input_dim}, but the layer "
                                 f"before it outputs {m} features")
            if m is not None and not isinstance(layer, Embedding):
                layer = layer.with_input_dim(m)
            out.append(layer)
            m = layer.output_dim
            sequence = layer.output_is_sequence(sequence)
        return [x if x.name == name else _renamed(x, name) for x, name in zip(out, _keras_names(out), strict=True)]

    @property
    def output_dim(self) -> int:
        return self.layers[-1].output_dim

    def flops(self, timesteps: int = 1, batch_size: int = 1, *, spatial_shape: Any = None) -> int:
        """FLOPs of the stack; layers after a ``return_sequences=False`` layer run once per sequence.

        ``spatial_shape`` is the state's size for the stack's ConvLSTM layers (refused without one).

        >>> model = Sequential([LSTM(8), Dense(2)], input_dim=3)
        >>> model.flops(timesteps=10) == 10 * model[0].flops() + model[1].flops()
        True
        """
        from .hardware import flops

        return flops(self, timesteps, batch_size, spatial_shape=spatial_shape)

    def summary(self) -> str:
        """A plain-text table like ``model.summary()``: name, kind, output size, count."""
        from .report import sequential_text

        return sequential_text(self)

    def _repr_html_(self) -> str:
        from .report import sequential_html

        return sequential_html(self)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}])"


def _renamed(layer: Layer, name: str) -> Layer:
    return type(layer)(**layer.get_config(), name=name)
