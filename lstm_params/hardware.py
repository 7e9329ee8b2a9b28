"""Planning figures: the bytes the parameters take, for inference and training, and the FLOPs.

Memory
    *Weights*: parameters × bytes per scalar, which is what Keras's ``model.summary()``
    prints next to "Total params".  *Training*: the weights, one gradient per weight and
    the optimizer's state (Adam keeps two moments per weight, so weights + gradients +
    2 moments = 4 × the weights; plain SGD keeps nothing, 2 ×; SGD with momentum one
    velocity, 3 ×), all in the dtype of the variables; non-trainable weights get neither a
    gradient nor state.  *Activations*, the tensors kept for backpropagation through time,
    grow with batch × timesteps, not with the count: :func:`activation_bytes` (per step and
    sample an LSTM keeps m + 7n numbers; a ``Dropout`` its mask, an ``Activation`` such as a
    final log_softmax its output), measured against PyTorch.

    *Mixed precision* takes Keras's policy names (:data:`MIXED_PRECISION`):
    ``"mixed_bfloat16"`` and ``"mixed_float16"`` compute in 16 bits but keep the variables
    in float32, so the gradients (taken with respect to those variables) and the
    optimizer's state are float32 too: 16 bytes per parameter with Adam, as in float32.
    int8 stores a trained model's weights for inference: :func:`memory_bytes` takes it,
    :func:`training_memory_bytes` refuses it.

FLOPs
    One multiply-add (a weight times an input, added to a sum) counts as 2 FLOPs, and
    every elementwise addition, multiplication and activation (σ, tanh, relu) as 1 FLOP
    per element.  A recurrent step uses every kernel weight once, so the matmuls cost
    2 FLOPs per kernel weight: 8n(m + n) for an LSTM.  Each bias adds 1 FLOP per element.
    The rest is the cell's elementwise work per unit n (each a documented count):

    * LSTM 13n: W x + U h summed (4n), 3 σ + 1 tanh on the gates (4n), c = f⊙c + i⊙g (3n),
      h = o⊙tanh(c) (2n).  Peephole weights add a multiply and an add each (2 per weight);
      the coupled-gate LSTM (CIFG) has 3 gates and computes f = 1 - i: 12n.
    * GRU 10n: update and reset gates (add + σ: 2n each), the reset product and its sum
      (2n), tanh (n), and h = n + z⊙(h - n) (3n).
    * SimpleRNN / nn.RNN 2n: W x + U h summed (n) and the activation (n).
    * Dense: the matmul and the bias only (an activation is not counted); Embedding: a
      lookup, 0 FLOPs; TiedDense: the multiply-adds by the embedding matrix it borrows.

    The count is per sample and per step; it scales as timesteps × batch_size.  A stack
    runs the layers after a ``return_sequences=False`` layer once per sequence, not per
    step.  The merge of a Bidirectional wrapper (at most 2n per output) is not counted.
    Matmul FLOPs are what ``torch.utils.flop_counter.FlopCounterMode`` reports; real
    kernels fuse the elementwise work, so treat that part as an estimate of its size.
    :func:`macs` is half the matmul FLOPs; :func:`training_flops` adds the backward pass;
    :func:`lstm_params.crosswalk.tool_counts` maps them to thop, ptflops and torchinfo.

>>> memory_bytes(4_457_472, "float32")
17829888
>>> memory_bytes(4_457_472, "bfloat16")
8914944
>>> training_memory_bytes(4_457_472, "float32", "adam")  # 4 × the weights
71319552
>>> training_memory_bytes(4_457_472, "mixed_bfloat16", "adam")  # float32 variables: the same
71319552
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from . import _validate as v

if TYPE_CHECKING:
    from .weights import Weight

__all__ = ["DTYPE_BYTES", "MIXED_PRECISION", "INFERENCE_DTYPES", "OPTIMIZER_STATE", "memory_bytes",
           "training_memory_bytes", "flops", "flops_breakdown", "max_units", "dtype_bytes", "activation_bytes",
           "macs", "training_flops", "layer_figures", "LayerFigures"]

#: Bytes per parameter for the dtypes the planning figures know.
DTYPE_BYTES: dict[str, int] = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}

#: Keras's mixed-precision policies (``keras.mixed_precision.Policy``): name -> (compute dtype, variable dtype).
#: The variables, and so the gradients and the optimizer's state, are float32.
MIXED_PRECISION: dict[str, tuple[str, str]] = {"mixed_float16": ("float16", "float32"),
                                               "mixed_bfloat16": ("bfloat16", "float32")}

#: Dtypes that hold a trained model's weights for inference; nothing is trained in them.
INFERENCE_DTYPES: frozenset[str] = frozenset({"int8"})

#: Tensors of optimizer state kept per weight (Keras 3 and torch.optim build the same slots).
OPTIMIZER_STATE: dict[str, int] = {
    "sgd": 0,        # plain SGD: nothing
    "momentum": 1,   # SGD with momentum: one velocity
    "rmsprop": 1,    # a running average of squared gradients (momentum=0, centered=False)
    "adagrad": 1,    # an accumulator of squared gradients
    "lion": 1,       # one momentum
    "adam": 2,       # first and second moments
    "adamw": 2,
    "nadam": 2,
    "adamax": 2,     # a moment and an infinity norm
}


class _Counted(Protocol):
    """Anything with weight groups and an elementwise hook: every layer, Keras or PyTorch side."""

    def _weight_groups(self) -> list[tuple[int, list[Weight]]]: ...

    def _elementwise_flops(self) -> int: ...

    def _borrowed_weights(self) -> list[Weight]: ...


def dtype_bytes(dtype: Any) -> int:
    """Bytes per stored scalar of ``dtype`` or of a mixed policy's variables; unknown: a ValueError naming it.

    >>> dtype_bytes("bfloat16"), dtype_bytes("mixed_bfloat16")  # the policy keeps float32 variables
    (2, 4)
    """
    if isinstance(dtype, str) and dtype in MIXED_PRECISION:
        return DTYPE_BYTES[MIXED_PRECISION[dtype][1]]
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        known = ", ".join(repr(k) for k in [*DTYPE_BYTES, *MIXED_PRECISION])
        raise ValueError(f"dtype must be one of {known}, got {v.shown(dtype)}")
    return DTYPE_BYTES[dtype]


def optimizer_state(optimizer: Any) -> int:
    """Optimizer-state tensors kept per weight; an unknown optimizer is a ValueError naming it.

    >>> optimizer_state("adam"), optimizer_state("sgd"), optimizer_state("momentum")
    (2, 0, 1)
    """
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZER_STATE:
        known = ", ".join(repr(k) for k in OPTIMIZER_STATE)
        raise ValueError(f"optimizer must be one of {known}, got {v.shown(optimizer)}")
    return OPTIMIZER_STATE[optimizer]


def memory_bytes(params: Any, dtype: Any = "float32") -> int:
    """Bytes taken by ``params`` scalars of ``dtype`` (a mixed policy: its float32 variables)."""
    count = v.non_negative_int("params", params, at_most=None)
    return count * dtype_bytes(dtype)


def training_memory_bytes(params: Any, dtype: Any = "float32", optimizer: Any = "adam", *,
                          non_trainable: Any = 0) -> int:
    """Bytes for the weights, their gradients and the optimizer's state, all in the variables' dtype.

    Parameters
    ----------
    params:
        Number of trainable parameters.
    dtype:
        A float dtype of :data:`DTYPE_BYTES` (everything in it), or a Keras policy of
        :data:`MIXED_PRECISION` (16-bit compute, float32 variables, gradients and state).
        An inference dtype (:data:`INFERENCE_DTYPES`, int8) is refused.
    optimizer:
        One of :data:`OPTIMIZER_STATE`: ``"adam"`` (4 × the weights), ``"sgd"`` (2 ×),
        ``"momentum"`` (3 ×)...
    non_trainable:
        How many of ``params`` no gradient updates (BatchNormalization's moving statistics, frozen
        layers): they are stored, but get no gradient and no optimizer state.

    Example
    -------
    >>> training_memory_bytes(1000, "float32", "sgd"), training_memory_bytes(1000, "float16", "momentum")
    (8000, 6000)
    >>> training_memory_bytes(1000, "mixed_bfloat16", "adam")  # 16 bytes per parameter
    16000
    >>> training_memory_bytes(1000, "float32", "adam", non_trainable=200)  # 4 × 1000 + 3 × 4 × 800
    13600
    >>> training_memory_bytes(1000, "int8", "adam")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: dtype='int8' is for inference: a model is trained in float32 or a mixed policy (...)...
    """
    if isinstance(dtype, str) and dtype in INFERENCE_DTYPES:
        policies = ", ".join(repr(k) for k in MIXED_PRECISION)
        raise ValueError(f"dtype={dtype!r} is for inference: a model is trained in float32 or a mixed policy "
                         f"({policies}) and then quantized; memory_bytes(..., {dtype!r}) gives the size of its "
                         f"{dtype} weights")
    weights = memory_bytes(params, dtype)
    frozen = v.non_negative_int("non_trainable", non_trainable, at_most=None)
    if frozen > params:
        raise ValueError(f"non_trainable must be at most params ({params:,}), got {frozen:,}")
    return weights + memory_bytes(params - frozen, dtype) * (1 + optimizer_state(optimizer))


def _weight_flops(w: Weight) -> tuple[str, int]:
    if "bias" in w.role:
        return "bias", w.size
    if w.role == "embeddings":
        return "matmul", 0
    if w.role == "peephole":
        return "elementwise", 2 * w.size
    return "matmul", 2 * w.size  # kernels and projections: one multiply-add per weight


def step_flops(layer: _Counted) -> dict[str, int]:
    """FLOPs of one layer for one step of one sample: ``{"matmul", "bias", "elementwise"}``."""
    out = {"matmul": 0, "bias": 0, "elementwise": 0}
    for copies, ws in [*layer._weight_groups(), (1, layer._borrowed_weights())]:
        for w in ws:
            part, count = _weight_flops(w)
            out[part] += copies * count
    out["elementwise"] += layer._elementwise_flops()
    return out


def _positions(layer: Any, spatial_shape: Any) -> int:
    """How many positions a layer's step runs at: the state's size for ConvLSTM, else 1."""
    inner = getattr(layer, "layer", layer)  # the layer inside a Bidirectional wrapper
    positions = getattr(inner, "positions", None)
    return 1 if positions is None else int(positions(spatial_shape))


def _refuse_unread_spatial_shape(layers: list[Any], spatial_shape: Any, what: str) -> None:
    """``spatial_shape`` given where no layer reads it would be silently ignored: refuse it."""
    if spatial_shape is not None and not any(hasattr(getattr(x, "layer", x), "positions") for x in layers):
        raise ValueError(f"spatial_shape is only read by ConvLSTM layers, and {what} has none; "
                         f"got spatial_shape={v.shown(spatial_shape)}")


def flops_breakdown(layer: Any, timesteps: Any = 1, batch_size: Any = 1, *,
                    spatial_shape: Any = None) -> dict[str, int]:
    """FLOPs of a layer or a Sequential over ``timesteps`` steps of ``batch_size`` samples, by part.

    The parts are ``"matmul"`` (2 per multiply-add), ``"bias"`` and ``"elementwise"``
    (the module docstring lists what each cell counts); they add up to :func:`flops`.
    ConvLSTM layers run at every position of their state, so they need
    ``spatial_shape`` (e.g. ``(rows, cols)`` for ConvLSTM2D; padding counted as data).

    >>> from lstm_params import LSTM
    >>> flops_breakdown(LSTM(100, input_dim=25))  # 8n(m + n) = 100,000 in the matmuls
    {'matmul': 100000, 'bias': 400, 'elementwise': 1300}

    An :class:`lstm_params.Model` adds up every call of every layer; its ``timesteps`` may be
    a dict giving each input its own length (an encoder's and a decoder's).
    """
    from .graph import Model
    from .layers import Layer, Sequential

    if isinstance(layer, Model):
        convolving = [x.kind for x in layer.layers if hasattr(getattr(x, "layer", x), "positions")]
        if convolving or spatial_shape is not None:
            raise ValueError(f"FLOPs of a Model are counted per step, not per position of a ConvLSTM's state: "
                             f"use a Sequential for {', '.join(convolving) or 'ConvLSTM layers'} "
                             f"(got spatial_shape={v.shown(spatial_shape)})")
        total = {"matmul": 0, "bias": 0, "elementwise": 0}
        for inner, steps, *_ in _plan(layer, timesteps, batch_size, None):
            for part, count in step_flops(inner).items():
                total[part] += count * steps * int(batch_size)
        return total
    t = v.positive_int("timesteps", timesteps)
    b = v.positive_int("batch_size", batch_size)
    if isinstance(layer, Sequential):
        _refuse_unread_spatial_shape(layer.layers, spatial_shape, "the Sequential")
        total = {"matmul": 0, "bias": 0, "elementwise": 0}
        sequence: bool | None = None  # the model's input has a time axis of `timesteps` steps
        for inner in layer.layers:
            steps = 1 if sequence is False else t
            positions = _positions(inner, spatial_shape)
            for part, count in step_flops(inner).items():
                total[part] += count * steps * b * positions
            sequence = inner.output_is_sequence(sequence)
        return total
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be a layer, a Sequential or a Model, got {v.shown(layer)}")
    _refuse_unread_spatial_shape([layer], spatial_shape, repr(layer))
    positions = _positions(layer, spatial_shape)
    return {part: count * t * b * positions for part, count in step_flops(layer).items()}


def flops(layer: Any, timesteps: Any = 1, batch_size: Any = 1, *, spatial_shape: Any = None) -> int:
    """Total FLOPs of a layer or Sequential over ``timesteps`` × ``batch_size`` (conventions above).

    >>> from lstm_params import LSTM
    >>> layer = LSTM(256, input_dim=4096)
    >>> flops(layer) == 8 * 256 * (4096 + 256) + 17 * 256
    True
    >>> flops(layer, timesteps=16, batch_size=32) == 16 * 32 * flops(layer)
    True
    """
    return sum(flops_breakdown(layer, timesteps, batch_size, spatial_shape=spatial_shape).values())


def max_units(budget_bytes: Any, make: Callable[[int], Any], *, dtype: Any = "float32",
              optimizer: Any = "adam") -> int:
    """The largest n whose layer (or stack) ``make(n)`` fits in ``budget_bytes``; 0 if none does.

    Parameters
    ----------
    budget_bytes:
        The memory available, in bytes (a "16 GB" card holds 16 × 1024³).
    make:
        Builds the layer or Sequential for a given n, e.g. ``lambda n: LSTM(n, input_dim=4096)``.
        Its count must grow with n: the search doubles n until the layer no longer fits
        (each doubling must cost more), then bisects, so it calls ``make`` about 2·log₂(n)
        times.  n stops at :data:`~lstm_params._validate.MAX_SIZE` (2**63 - 1, the largest
        size a framework holds): a budget that fits even that is refused.
    dtype:
        One of :data:`DTYPE_BYTES` or :data:`MIXED_PRECISION` (int8 only with ``optimizer=None``).
    optimizer:
        Count training memory with this optimizer (:func:`training_memory_bytes`), or
        ``None`` for the weights alone (inference).

    Example
    -------
    >>> from lstm_params import LSTM
    >>> n = max_units(16 * 1024**3, lambda n: LSTM(n, input_dim=4096), optimizer="adam")
    >>> n
    14463
    >>> fits = [LSTM(k, input_dim=4096).training_memory_bytes() <= 16 * 1024**3 for k in (n, n + 1)]
    >>> fits
    [True, False]
    >>> max_units(10**9, lambda n: LSTM(5, input_dim=5))
    Traceback (most recent call last):
    ...
    ValueError: make(n) must build a layer whose count grows with n, but make(1) and make(2) take 3,520 and 3,520 bytes

    Activations are not included (they depend on batch and steps: :func:`activation_bytes`),
    so leave room for them.
    """
    budget = v.positive_int("budget_bytes", budget_bytes, at_most=None)
    from .layers import Layer

    if not callable(make) or isinstance(make, Layer):  # a layer is callable too (on a tensor), but is no builder
        raise TypeError(f"make must be a function n -> layer, got {v.shown(make)}")
    dtype_bytes(dtype)
    if optimizer is not None:
        optimizer_state(optimizer)
        training_memory_bytes(0, dtype, optimizer)  # refuses an inference dtype before any layer is built

    def cost(n: int) -> int:
        layer = make(n)
        if not hasattr(layer, "memory_bytes") or not hasattr(layer, "training_memory_bytes"):
            raise TypeError(f"make(n) must return a layer or a Sequential, got {v.shown(layer)}")
        if optimizer is None:
            return int(layer.memory_bytes(dtype))
        return int(layer.training_memory_bytes(dtype, optimizer))

    low, low_cost = 1, cost(1)
    if low_cost > budget:
        return 0
    while True:  # double n while it fits; each doubling must cost more, and n stops at MAX_SIZE
        high = min(2 * low, v.MAX_SIZE)
        high_cost = cost(high)
        if high_cost <= low_cost:
            raise ValueError(f"make(n) must build a layer whose count grows with n, but make({low}) and "
                             f"make({high}) take {low_cost:,} and {high_cost:,} bytes")
        if high_cost > budget:
            break
        if high == v.MAX_SIZE:
            raise ValueError(f"budget_bytes={v.shown(budget)} fits make(n) for every n up to {v.MAX_SIZE}, the "
                             f"largest size (make(n) takes {high_cost:,} bytes there)")
        low, low_cost = high, high_cost
    while high - low > 1:  # cost(low) fits, cost(high) does not
        mid = (low + high) // 2
        low, high = (mid, high) if cost(mid) <= budget else (low, mid)
    return low


# -- training: the activations kept for the backward pass, backward FLOPs, MACs -----------------------

#: Where each weight's multiply-adds take their input from, for the backward pass (see :func:`training_flops`).
_LAYER_INPUT_ROLES = frozenset({"input kernel", "kernel"})


def _activation_dtype_bytes(dtype: Any) -> int:
    """Bytes per activation: the compute dtype (16 bits for a mixed policy); int8 is refused (inference)."""
    if isinstance(dtype, str) and dtype in INFERENCE_DTYPES:
        raise ValueError(f"dtype={dtype!r} is for inference, and activations are kept only to train: "
                         f"give a float dtype or a mixed policy")
    if isinstance(dtype, str) and dtype in MIXED_PRECISION:
        return DTYPE_BYTES[MIXED_PRECISION[dtype][0]]
    return dtype_bytes(dtype)


def _trained_kinds() -> str:
    return ("LSTM, GRU (reset_after=True), SimpleRNN, Dense, Embedding, TiedDense, Bidirectional of these, "
            "pytorch.LSTM/GRU/RNN, and the weightless Dropout, Activation, RepeatVector, Concatenate and Add")


def _cell_state(kind: str, n: int, p: int, steps: int, batch: int) -> int:
    """Scalars one direction of a recurrent layer keeps for backward besides its input, over ``steps`` × ``batch``.

    LSTM, per step: h_{t-1}, c_{t-1}, the four activated gates i, f, g, o and tanh(c_t): 7n.  With a
    projection r_t = P h_t (p < n): r_{t-1} (p) instead of h_{t-1}, and h_t (n), which P reads: p + 7n.
    GRU, per step: h_{t-1}, r, z, the candidate, its recurrent part U h + b, and h_{t-1} minus the
    candidate: 6n.  SimpleRNN: h_0 ... h_T (the activation and the next matmul share h_t): (T + 1)n.
    """
    if kind == "LSTM":
        return batch * steps * (p + 7 * n)  # p = 0: no projection
    if kind == "GRU":
        return batch * steps * 6 * n
    return batch * (steps + 1) * n  # SimpleRNN / RNN


def _layer_activations(layer: Any, steps: int, batch: int, input_kept: bool = False) -> int:
    """Scalars a layer keeps for its backward pass (only kinds measured against PyTorch; else a ValueError).

    A layer keeps its input x_t (m per step) once, whichever direction reads it, plus each
    direction's state (:func:`_cell_state`); not at all when ``input_kept``: an earlier layer of
    the graph keeps the same tensor.
    """
    own = _own_activations(layer, steps, batch)
    return own - batch * steps * layer.input_dim if input_kept and own else own


def _own_activations(layer: Any, steps: int, batch: int) -> int:
    """:func:`_layer_activations`, the input included."""
    from . import pytorch
    from .graph import _PassThrough, _Weightless
    from .layers import GRU, LSTM, Bidirectional, Dense, Embedding, SimpleRNN, TiedDense

    kind = type(layer)
    m: int = layer.input_dim
    if kind is LSTM or kind is SimpleRNN or (kind is GRU and layer.reset_after):
        return batch * steps * m + _cell_state(layer.kind, layer.units, 0, steps, batch)
    if kind is Bidirectional and all(type(side) in (LSTM, SimpleRNN) or (type(side) is GRU and side.reset_after)
                                     for side in (layer.layer, layer.backward)):
        merged = 2 * layer.units * batch * (steps if layer.layer.return_sequences else 1)
        return (batch * steps * m + sum(_cell_state(side.kind, side.units, 0, steps, batch)
                                        for side in (layer.layer, layer.backward))
                + (merged if layer.merge_mode == "mul" else 0))  # a product keeps both of its factors
    if kind is Dense or kind is TiedDense:  # the input, for the kernel's gradient
        return batch * steps * m
    if kind is Embedding:
        return 0  # it keeps the integer token ids (not counted: no float activations)
    if isinstance(layer, _PassThrough):  # Dropout keeps its mask, an Activation its output
        return batch * steps * m if layer.active else 0
    if isinstance(layer, _Weightless):
        return 0  # RepeatVector, Concatenate, Add: their backward needs none of their inputs
    if kind in (pytorch.LSTM, pytorch.GRU, pytorch.RNN):
        cell = {pytorch.LSTM: "LSTM", pytorch.GRU: "GRU", pytorch.RNN: "SimpleRNN"}[kind]
        state = layer.directions * _cell_state(cell, layer.hidden_size, layer.proj_size, steps, batch)
        return sum(batch * steps * layer.layer_input_size(k) + state for k in range(layer.num_layers))
    inner = layer.layer if kind is Bidirectional else layer
    what = f"{inner.kind}(reset_after=False)" if type(inner) is GRU else layer.kind
    raise ValueError(f"activation memory and backward FLOPs are modelled (and measured against PyTorch) for "
                     f"{_trained_kinds()}; got {what}")


def _layer_backward(layer: Any, steps: int, batch: int, input_grad: bool, state_grad: bool = False) -> int:
    """Matmul FLOPs of a layer's backward pass: every weight's gradient, and the inputs' gradients that are needed.

    A weight used in multiply-adds gets its gradient in as many multiply-adds (2 FLOPs each).  The
    gradient of its input costs as much again when that input needs one: the recurrent state from
    the second step on (h_0 is a constant, unless ``state_grad``: an initial state from a layer that
    trains), a projection's input always, and the layer's own input only when something before it
    trains (``input_grad``; PyTorch's stacked layers k > 0 always).
    """
    _layer_activations(layer, steps, batch)  # refuses the kinds that are not modelled
    total = 0
    for copies, ws in [*layer._weight_groups(), (1, layer._borrowed_weights())]:
        for w in ws:
            part, count = _weight_flops(w)
            if part != "matmul" or count == 0:
                continue
            if w.role == "recurrent kernel":
                uses_input = steps if state_grad else steps - 1
            elif w.role in _LAYER_INPUT_ROLES:
                uses_input = steps if input_grad or w.layer > 0 else 0
            else:  # a projection: its input, h_t, always depends on the weights
                uses_input = steps
            total += copies * count * batch * (steps + uses_input)
    return total


#: One run of a layer in a plan: (layer, steps, its input needs a gradient, its initial state needs one, name).
#: The last flag: its input is a tensor an earlier run already keeps (a tensor read by two layers is kept once).
_Run = tuple[Any, int, bool, bool, str, bool]


def _graph_plan(model: Any, timesteps: Any, batch_size: int) -> list[_Run]:
    """Every call of every layer of an :class:`lstm_params.Model`, inputs first, with its steps and gradients.

    ``timesteps`` is one number for every input, or a dict from input names to numbers.
    """
    from .graph import Activation, InputLayer, RepeatVector, _Merge, _Weightless
    from .layers import Embedding

    names = dict(zip((id(x) for x in model.layers), model.names, strict=True))
    inputs = [model.names[model.layers.index(t.node.layer)] for t in model.inputs]
    if isinstance(timesteps, dict):
        unknown = sorted(set(timesteps) - set(inputs), key=str)
        if unknown or set(timesteps) != set(inputs):
            raise ValueError(f"timesteps must give a number for each input ({', '.join(map(repr, inputs))}), "
                             f"got {v.shown(timesteps)}")
        lengths = {name: v.positive_int(f"timesteps[{name!r}]", steps) for name, steps in timesteps.items()}
    else:
        length = v.positive_int("timesteps", timesteps)
        lengths = dict.fromkeys(inputs, length)
    steps: dict[int, int] = {}  # id(tensor) -> its time axis (1 for a vector)
    trains: dict[int, bool] = {}  # id(tensor) -> whether it depends on a weight that trains
    runs: list[_Run] = []
    done: set[int] = set()
    kept: set[int] = set()  # id(tensor) of the inputs some run keeps for its backward pass

    def visit(t: Any) -> None:
        node = t.node
        if id(node) in done:
            return
        for parent in node.inputs:
            visit(parent)
        done.add(id(node))
        layer = node.layer
        if isinstance(layer, InputLayer):
            length, grad, state = lengths[names[id(layer)]] if t.sequence else 1, False, False
        else:
            first, rest = node.inputs[0], node.inputs[1:]
            length = steps[id(first)]
            grad = trains[id(first)]
            state = any(trains[id(x)] for x in rest) and not isinstance(layer, _Merge)
            if isinstance(layer, _Merge):
                grad = any(trains[id(x)] for x in node.inputs)
            keeps = not isinstance(layer, (_Weightless, Embedding))
            runs.append((layer, length, grad, state, names[id(layer)], keeps and id(first) in kept))
            if keeps:
                kept.add(id(first))
            if isinstance(layer, Activation) and layer.active:  # the next layer's input: kept already
                kept.add(id(node.outputs[0]))
        out_length = layer.n if isinstance(layer, RepeatVector) else length
        for out in node.outputs:
            steps[id(out)] = out_length if out.sequence else 1
            trains[id(out)] = grad or (not isinstance(layer, InputLayer) and layer.params > 0)

    for t in model.outputs:
        visit(t)
    return runs


def _plan(model: Any, timesteps: Any, batch_size: Any, spatial_shape: Any) -> list[_Run]:
    """Each run of a layer: its steps, and whether its input (and initial state) need a gradient."""
    from .graph import Activation, Model, _Weightless
    from .layers import Embedding, Layer, Sequential

    if not isinstance(model, Model) or not isinstance(timesteps, dict):
        v.positive_int("timesteps", timesteps)
    batch = v.positive_int("batch_size", batch_size)
    if spatial_shape is not None:
        raise ValueError(f"activation memory and backward FLOPs are not modelled for ConvLSTM layers, so "
                         f"spatial_shape must be None, got spatial_shape={v.shown(spatial_shape)}")
    if isinstance(model, Model):
        return _graph_plan(model, timesteps, batch)
    if isinstance(model, Sequential):
        out: list[_Run] = []
        sequence, trains, kept = None, False, False  # kept: the input is an Activation's output, kept already
        for layer in model.layers:
            keeps = not isinstance(layer, (_Weightless, Embedding))
            out.append((layer, 1 if sequence is False else timesteps, trains, False, layer.name or layer.keras_name,
                        keeps and kept))
            kept = isinstance(layer, Activation) and layer.active
            trains = trains or layer.params > 0
            sequence = layer.output_is_sequence(sequence)
        return out
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a layer, a Sequential or a Model, got {v.shown(model)}")
    model._need_input_dim()
    return [(model, timesteps, False, False, model.name or model.keras_name, False)]


def activation_bytes(model: Any, timesteps: Any = 1, batch_size: Any = 1, dtype: Any = "float32", *,
                     spatial_shape: Any = None) -> int:
    """Bytes of the tensors a training step keeps for the backward pass (backpropagation through time).

    Counted as PyTorch's CPU kernels keep them when they run the cell equations step by step
    (``torch.nn.LSTM`` with oneDNN off, and always for GRU and RNN), each tensor once, weights
    left out (:func:`training_memory_bytes` has them).  Per step and sample: an LSTM keeps
    m + 7n numbers (x_t, h_{t-1}, c_{t-1}, the four gates, tanh c_t), a GRU m + 6n, a SimpleRNN
    m + n (and h_0); a Dense its input; an Embedding no float tensor; a Dropout its mask and an
    Activation its output (one number per feature; none at rate 0 or ``"linear"``), which the
    next layer then shares rather than copies.  Each layer keeps its own
    copy of its input, so the layers add up; the two directions of a bidirectional layer share
    theirs (time-major, as the kernels run; PyTorch's ``batch_first=True`` may copy it for each).
    oneDNN's fused LSTM (PyTorch's default for float32 on CPU) keeps an opaque workspace instead,
    of a different size (for ``nn.LSTM(4096, 256)`` at 32 × 100: more); cuDNN hands a "reserve
    space" from forward to backward, whose size ``cudnnGetRNNTrainingReserveSize`` reports (not
    measured here: there is no GPU).

    ``dtype`` is the compute dtype: float32, or 16 bits for ``"mixed_float16"``/``"mixed_bfloat16"``.

    >>> from lstm_params import LSTM
    >>> activation_bytes(LSTM(256, input_dim=4096), timesteps=100, batch_size=32) == 32 * 100 * (4096 + 7 * 256) * 4
    True
    """
    size = _activation_dtype_bytes(dtype)
    plan = _plan(model, timesteps, batch_size, spatial_shape)
    return size * sum(_layer_activations(layer, steps, batch_size, shared) for layer, steps, *_, shared in plan)


def macs(model: Any, timesteps: Any = 1, batch_size: Any = 1, *, spatial_shape: Any = None) -> int:
    """Multiply-accumulates of the forward pass: half the matmul FLOPs (thop and ptflops call their counts MACs).

    >>> from lstm_params import LSTM
    >>> macs(LSTM(256, input_dim=4096)) == 4 * 256 * (4096 + 256)
    True
    """
    return flops_breakdown(model, timesteps, batch_size, spatial_shape=spatial_shape)["matmul"] // 2


def training_flops(model: Any, timesteps: Any = 1, batch_size: Any = 1, *,
                   spatial_shape: Any = None) -> dict[str, int]:
    """FLOPs of one training step: ``{"forward", "backward", "total"}``.

    ``forward`` is :func:`flops`.  ``backward`` is the matmul work of the backward pass, as
    ``torch.utils.flop_counter.FlopCounterMode`` measures it: every weight's gradient (as many
    multiply-adds as the forward pass) plus the input gradients that are needed (the recurrent
    state's from the second step on; the layer input's only when a layer before it trains).  The
    elementwise backward work (gate derivatives, bias gradients) is left out, as FlopCounterMode
    leaves it out: for an LSTM it is of the order of the forward's 17n per step, next to 8n(m + n).

    >>> from lstm_params import LSTM
    >>> n, m, T = 256, 4096, 100
    >>> f = training_flops(LSTM(n, input_dim=m), timesteps=T)
    >>> f["backward"] == 8 * n * (m + n) * T + 8 * n * n * (T - 1)  # weight gradients + dh_{t-1}
    True
    """
    plan = _plan(model, timesteps, batch_size, spatial_shape)
    forward = sum(sum(step_flops(layer).values()) * steps * batch_size for layer, steps, *_ in plan)
    backward = sum(_layer_backward(layer, steps, batch_size, grad, state) for layer, steps, grad, state, *_ in plan)
    return {"forward": forward, "backward": backward, "total": forward + backward}


@dataclass(frozen=True)
class LayerFigures:
    """The planning figures of one layer in a stack (:func:`layer_figures`); they add up to the stack's."""

    name: str
    kind: str
    params: int
    non_trainable: int
    forward_flops: int
    backward_flops: int
    macs: int
    activation_bytes: int

    @property
    def trainable(self) -> int:
        """Parameters that gradients update."""
        return self.params - self.non_trainable


def layer_figures(model: Any, timesteps: Any = 1, batch_size: Any = 1, *, dtype: Any = "float32",
                  spatial_shape: Any = None) -> list[LayerFigures]:
    """Per layer: parameters (and the non-trainable part), forward and backward FLOPs, MACs, activation bytes.

    >>> from lstm_params import LSTM, Dense, Sequential
    >>> rows = layer_figures(Sequential([LSTM(8), Dense(2)], input_dim=3), timesteps=10)
    >>> [(r.name, r.params, r.activation_bytes) for r in rows]
    [('lstm', 384, 2360), ('dense', 18, 32)]
    """
    from .frontend import non_trainable_params

    size = _activation_dtype_bytes(dtype)
    rows: dict[int, LayerFigures] = {}  # a layer called several times (shared): one row, every call added
    for layer, steps, grad, state, name, shared in _plan(model, timesteps, batch_size, spatial_shape):
        parts = {part: count * steps * batch_size for part, count in step_flops(layer).items()}
        row = LayerFigures(name, layer.kind, layer.params, non_trainable_params(layer), sum(parts.values()),
                           _layer_backward(layer, steps, batch_size, grad, state), parts["matmul"] // 2,
                           size * _layer_activations(layer, steps, batch_size, shared))
        if id(layer) in rows:
            seen = rows[id(layer)]
            row = replace(seen, forward_flops=seen.forward_flops + row.forward_flops,
                          backward_flops=seen.backward_flops + row.backward_flops, macs=seen.macs + row.macs,
                          activation_bytes=seen.activation_bytes + row.activation_bytes)
        rows[id(layer)] = row
    out = list(rows.values())
    return out
