"""Fuzzing the public API and the command line: no call raises from deep inside, hangs or ignores an argument.

Every public constructor and function of ``lstm_params`` (its ``__all__``) and of ``lstm_params.pytorch`` is
called with arbitrary arguments: integers of any size and sign (0, negative, 2**63, 10**5000), floats (NaN,
inf), bools, strings, None, tuples, lists, NumPy scalars and real layers.  What comes back is used (count,
formula, tables, memory, FLOPs...).  ``compare_with_keras`` reads functional models built at random.  The
command line runs in-process (``lstm_params.cli.main(argv)``) with generated argv, and a few times as a real
subprocess (also into a full ``/dev/full``).  A public callable that no test here fuzzes fails
``test_every_public_callable_is_fuzzed``.  A test fails on

* an exception other than a ValueError or TypeError whose message names an argument of the call (or
  Python's own complaint about the call's signature),
* a traceback from the command line, an exit status other than 0 or 2, or an error that is not one line,
* a call that takes more than ``CALL_LIMIT`` seconds of CPU time (a SIGPROF timer around each call: an endless
  loop or a runaway allocation spends CPU, while other jobs on a busy machine do not make it flaky),
* a silently ignored argument: an unknown keyword that is accepted, a value that does not reach the object
  it was given to (``layer.units == units``...), a command-line option whose removal changes nothing while
  its value is not the documented default.

Deterministic (``derandomize=True``, no example database) and bounded: about 25 s of CPU time (a minute of
wall time on a busy 2-core machine).  When the module ends it prints, per target, the examples run, the calls
made and the calls refused with a clear error (the block that starts with "fuzz:").  Rerun::

    .venv/bin/python -m pytest tests/test_fuzz.py -p no:randomly
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import cli, variants
from lstm_params import pytorch as pt

CALL_LIMIT = 2.0  # seconds of CPU time for any one call
EXAMPLES = 200
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
#: Examples run, calls made and calls refused with a clear error, per target; printed when the module ends.
COUNTS: dict[str, Counter[str]] = {"examples": Counter(), "calls": Counter(), "refused": Counter()}
_TARGET = [""]


def start(target: str) -> None:
    """Count one example of ``target``; the calls that follow are counted under it."""
    _TARGET[0] = target
    COUNTS["examples"][target] += 1
#: Expected values typed from the frameworks' documentation, not read from the package.
BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
SLOTS = {"sgd": 0, "momentum": 1, "rmsprop": 1, "adagrad": 1, "lion": 1, "adam": 2, "adamw": 2, "nadam": 2,
         "adamax": 2}
MAX_SIZE = 2**63 - 1
SIGNATURE = re.compile(r"positional argument|keyword argument|takes \d+ positional|got multiple values")


class Hang(BaseException):
    """Raised by the timer; a BaseException so that no ``except Exception`` in the code under test hides it."""


@contextlib.contextmanager
def time_limit(seconds: float = CALL_LIMIT) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"a call took more than {seconds} s")

    previous = signal.signal(signal.SIGPROF, alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


class Refused:
    """What :func:`attempt` returns when the call was refused with a clear error."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def attempt(names: tuple[str, ...], call: Callable[[], Any]) -> Any:
    """``call()`` within the time limit; a clear ValueError/TypeError becomes a :class:`Refused`.

    Clear: its message names one of ``names`` (the call's arguments), or it is Python's own signature error.
    Any other exception propagates and fails the test.
    """
    COUNTS["calls"][_TARGET[0]] += 1
    with time_limit():
        try:
            return call()
        except (ValueError, TypeError) as exc:
            COUNTS["refused"][_TARGET[0]] += 1
            message = str(exc)
            assert type(exc) in (ValueError, TypeError), f"{type(exc).__name__}: {message}"
            assert SIGNATURE.search(message) or any(re.search(rf"\b{re.escape(name)}\b", message) for name in names), \
                f"{type(exc).__name__} names none of {names}: {message}"
            assert "\n" not in message and len(message) < 1000, message
            return Refused(exc)


def refuses_unknown_keyword(call: Callable[..., Any]) -> None:
    """An unknown keyword must be refused by name, never ignored."""
    with time_limit():
        with pytest.raises(TypeError, match="not_an_argument"):
            call(not_an_argument=1)


# -- strategies ------------------------------------------------------------------------------------------------

def pick(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One of ``strategies``, each about as often (``st.one_of`` favours some branches heavily)."""
    return st.sampled_from(strategies).flatmap(lambda strategy: strategy)


# 10**5000 has more digits than Python prints (and than hypothesis can show), so it is made from a marker.
HUGE = [0, -1, 2**63 - 1, 2**63, 10**30, "10**5000", "-10**5000"]
huge = st.sampled_from(HUGE).map(lambda x: x if isinstance(x, int) else (1 - 2 * x.startswith("-")) * 10**5000)
scalars = pick(st.integers(-3, 40), st.integers(), huge, st.floats(allow_nan=True, allow_infinity=True),
               st.booleans(), st.text(max_size=6), st.none(),
               st.sampled_from([np.int64(5), np.int32(0), np.float32(2.0), np.bool_(True), np.nan]))
containers = pick(st.tuples(scalars, scalars), st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=2),
                                                                                              scalars, max_size=2))
anything = st.integers(0, 4).flatmap(lambda i: containers if i == 4 else scalars)  # 4 in 5 a scalar


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually (3 in 4) a valid value, so that the calls get past their first argument; else anything."""
    return st.integers(0, 3).flatmap(lambda i: anything if i == 3 else valid)


sizes = mostly(st.integers(1, 40))
flags = mostly(st.booleans())
names = pick(st.none(), st.just("x"), anything)
LAYERS = [lp.LSTM(3, input_dim=2), lp.GRU(4, return_sequences=True), lp.SimpleRNN(2, input_dim=5), lp.Dense(2),
          lp.Embedding(10, 3), lp.Bidirectional(lp.LSTM(2, input_dim=3)), lp.CIFGLSTM(3, input_dim=2),
          lp.PeepholeLSTM(2), lp.ConvLSTM2D(2, 3, input_dim=2), pt.GRU(3, 4, num_layers=2),
          pt.LSTM(2, 5, num_layers=3000, proj_size=2)]
layers = st.sampled_from(LAYERS)
KERAS_KINDS = {"LSTM": lp.LSTM, "GRU": lp.GRU, "SimpleRNN": lp.SimpleRNN, "PeepholeLSTM": lp.PeepholeLSTM,
               "CIFGLSTM": lp.CIFGLSTM}
CONV_KINDS = {"ConvLSTM1D": lp.ConvLSTM1D, "ConvLSTM2D": lp.ConvLSTM2D, "ConvLSTM3D": lp.ConvLSTM3D}
TORCH_KINDS = {"LSTM": pt.LSTM, "GRU": pt.GRU, "RNN": pt.RNN}
TORCH_CELLS = {"LSTMCell": pt.LSTMCell, "GRUCell": pt.GRUCell, "RNNCell": pt.RNNCell}
CONVOLUTIONS = {name: getattr(lp, name) for name in ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
                                                     "Conv2DTranspose", "Conv3DTranspose")}
NORMALIZATIONS = {name: getattr(lp, name) for name in ("BatchNormalization", "LayerNormalization",
                                                       "GroupNormalization")}
LAYER_ERRORS = ("input_dim", "spatial_shape", "num_layers", "dtype", "optimizer", "timesteps", "batch_size")


def keep(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Leave out the arguments hypothesis chose not to give (drawn as the marker ``...``)."""
    return {k: val for k, val in kwargs.items() if val is not ...}


def given_or_not(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return pick(st.just(...), strategy)


# -- using what comes back -------------------------------------------------------------------------------------

def use_layer(layer: Any, arguments: tuple[str, ...]) -> None:
    """Every view of a layer: counts agree with each other, errors are clear, nothing hangs."""
    allowed = arguments + LAYER_ERRORS
    params = attempt(allowed, lambda: layer.params)
    formula = attempt(allowed, lambda: layer.formula)
    if not isinstance(params, Refused):
        assert isinstance(params, int) and params >= 0
        assert formula.value == params
        assert attempt(allowed, layer.memory_bytes) == 4 * params  # float32 by default
        assert attempt(allowed, lambda: layer.memory_bytes("float16")) == 2 * params
        frozen = getattr(layer, "non_trainable_params", 0)  # BatchNormalization's statistics: no gradient, no state
        assert attempt(allowed, layer.training_memory_bytes) == 4 * params + 12 * (params - frozen)  # adam
        assert sum(attempt(allowed, lambda: layer.gate_params).values()) <= params
        for text in (formula.expanded, formula.factored, formula.latex, formula.latex_factored, formula.substituted,
                     repr(formula), str(formula)):
            assert isinstance(text, str) and text
        summary = attempt(allowed, layer.summary)
        assert f"Total params: {params:,} (" in summary
        assert f"{params:,}" in attempt(allowed, layer._repr_html_)
        flops = attempt(allowed, layer.flops)
        if not isinstance(flops, Refused):
            assert flops >= 0
            assert attempt(allowed, lambda: layer.flops(3, 2)) == 6 * flops
        listed = attempt(allowed, lambda: layer.weights)
        if not isinstance(listed, Refused):
            assert sum(w.size for w in listed) == params
            assert attempt(allowed, lambda: layer.variables) or not listed  # a weightless layer has none
        with time_limit():
            assert lp.check(params, layer) and not lp.check(params + 1, layer)
            assert f"{params:,}" in repr(lp.reveal(layer))
    attempt(allowed, lambda: (repr(layer), hash(layer), layer == layer))
    refuses_unknown_keyword(layer.summary)
    refuses_unknown_keyword(layer.flops)
    refuses_unknown_keyword(layer.memory_bytes)


def reached(obj: Any, given: dict[str, Any]) -> None:
    """Every argument the constructor accepted is held by the object (nothing silently dropped)."""
    for argument, value in given.items():
        held = getattr(obj, argument)
        expected = value if isinstance(value, (str, type(None), tuple, lp.Layer)) else (
            bool(value) if isinstance(value, (bool, np.bool_)) else int(value))
        assert held == expected, f"{argument}={value!r} but the object holds {argument}={held!r}"


# -- the constructors, Keras vocabulary ------------------------------------------------------------------------

@FUZZ
@given(kind=st.sampled_from(sorted(KERAS_KINDS)), units=sizes, input_dim=given_or_not(pick(st.none(), sizes)),
       use_bias=given_or_not(flags), return_sequences=given_or_not(flags), reset_after=given_or_not(flags),
       return_state=given_or_not(flags), name=given_or_not(names))
def test_recurrent_layers(kind, units, input_dim, use_bias, return_sequences, reset_after, return_state, name):
    start("LSTM, GRU, SimpleRNN, PeepholeLSTM, CIFGLSTM")
    cls = KERAS_KINDS[kind]
    kwargs = keep({"input_dim": input_dim, "use_bias": use_bias, "return_sequences": return_sequences,
                   "return_state": return_state, "name": name,
                   **({"reset_after": reset_after} if kind == "GRU" else {})})
    arguments = ("units", *kwargs)
    layer = attempt(arguments, lambda: cls(units, **kwargs))
    refuses_unknown_keyword(lambda **extra: cls(3, **extra))
    if not isinstance(layer, Refused):
        reached(layer, {"units": units, **kwargs})
        use_layer(layer, arguments)


@FUZZ
@given(units=sizes, proj_units=sizes, input_dim=given_or_not(pick(st.none(), sizes)), peephole=given_or_not(flags),
       use_bias=given_or_not(flags), return_sequences=given_or_not(flags), return_state=given_or_not(flags),
       name=given_or_not(names))
def test_lstm_with_projection(units, proj_units, input_dim, peephole, use_bias, return_sequences, return_state,
                              name):
    start("LSTMP")
    kwargs = keep({"input_dim": input_dim, "peephole": peephole, "use_bias": use_bias,
                   "return_sequences": return_sequences, "return_state": return_state, "name": name})
    arguments = ("units", "proj_units", *kwargs)
    layer = attempt(arguments, lambda: variants.LSTMP(units, proj_units, **kwargs))
    refuses_unknown_keyword(lambda **extra: variants.LSTMP(4, 2, **extra))
    if not isinstance(layer, Refused):
        reached(layer, {"units": units, "proj_units": proj_units, **kwargs})
        use_layer(layer, arguments)


@FUZZ
@given(kind=st.sampled_from(sorted(CONV_KINDS)), filters=sizes,
       kernel_size=mostly(pick(st.integers(1, 5), st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))),
       input_dim=given_or_not(pick(st.none(), sizes)), use_bias=given_or_not(flags),
       spatial_shape=mostly(st.lists(st.integers(1, 9), min_size=1, max_size=3).map(tuple)),
       peephole=given_or_not(flags), state_shape=given_or_not(pick(st.none(), st.lists(
           st.integers(1, 9), min_size=1, max_size=3).map(tuple), anything)))
def test_conv_lstm_layers(kind, filters, kernel_size, input_dim, use_bias, spatial_shape, peephole, state_shape):
    start("ConvLSTM1D, ConvLSTM2D, ConvLSTM3D")
    cls = CONV_KINDS[kind]
    kwargs = keep({"input_dim": input_dim, "use_bias": use_bias, "peephole": peephole})
    state = keep({"spatial_shape": state_shape})
    arguments = ("filters", "kernel_size", *kwargs, *state)
    layer = attempt(arguments, lambda: cls(filters, kernel_size, **kwargs, **state))
    refuses_unknown_keyword(lambda **extra: cls(2, 3, **extra))
    if not isinstance(layer, Refused):
        kernels = kernel_size if isinstance(kernel_size, tuple) else (kernel_size,) * cls.rank
        reached(layer, {"filters": filters, "kernel_size": tuple(int(k) for k in kernels), **kwargs})
        if layer.peephole:  # Shi et al.'s three peephole tensors of the state's full shape
            assert layer.spatial_shape == tuple(int(s) for s in state_shape)
            plain = cls(filters, kernel_size, input_dim=layer.input_dim, use_bias=layer.use_bias)
            if layer.input_dim is not None:
                assert layer.params - plain.params == 3 * math.prod(layer.spatial_shape) * layer.filters
        else:
            assert state.get("spatial_shape") is None and layer.spatial_shape is None
        use_layer(layer, arguments)
        flops = attempt((*arguments, *LAYER_ERRORS), lambda: layer.flops(2, 1, spatial_shape))
        if not isinstance(flops, Refused):  # spatial_shape is read: the work grows with the state's size
            one = layer.flops(1, 1, (1,) * cls.rank)
            assert flops == 2 * math.prod(spatial_shape) * one


@FUZZ
@given(units=sizes, input_dim=given_or_not(pick(st.none(), sizes)), use_bias=given_or_not(flags),
       name=given_or_not(names), vocabulary=sizes, output_dim=sizes)
def test_dense_and_embedding(units, input_dim, use_bias, name, vocabulary, output_dim):
    start("Dense, Embedding")
    kwargs = keep({"input_dim": input_dim, "use_bias": use_bias, "name": name})
    dense = attempt(("units", *kwargs), lambda: lp.Dense(units, **kwargs))
    if not isinstance(dense, Refused):
        reached(dense, {"units": units, **kwargs})
        use_layer(dense, ("units", *kwargs))
    embedding = attempt(("input_dim", "output_dim"), lambda: lp.Embedding(vocabulary, output_dim))
    if not isinstance(embedding, Refused):
        reached(embedding, {"input_dim": vocabulary, "output_dim": output_dim})
        use_layer(embedding, ("input_dim", "output_dim"))
        attempt(("input_dim",), lambda: embedding.with_input_dim(3))
    refuses_unknown_keyword(lambda **extra: lp.Dense(3, **extra))
    refuses_unknown_keyword(lambda **extra: lp.Embedding(3, 4, **extra))


@FUZZ
@given(layer=pick(layers, anything), merge_mode=given_or_not(mostly(st.sampled_from(lp.MERGE_MODES))),
       backward_layer=given_or_not(pick(layers, st.none(), anything)), name=given_or_not(names))
def test_bidirectional(layer, merge_mode, backward_layer, name):
    start("Bidirectional")
    kwargs = keep({"merge_mode": merge_mode, "backward_layer": backward_layer, "name": name})
    arguments = ("layer", *kwargs)
    wrapped = attempt(arguments, lambda: lp.Bidirectional(layer, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.Bidirectional(lp.LSTM(2), **extra))
    if isinstance(wrapped, Refused):
        return
    reached(wrapped, keep({"merge_mode": merge_mode, "name": name}))
    assert type(wrapped.layer) is type(layer) and wrapped.layer.units == layer.units
    if backward_layer not in (None, ...):  # held, unless it is the forward layer again (Keras's default)
        assert wrapped.backward.get_config() == {**backward_layer.get_config(),
                                                "input_dim": wrapped.backward.input_dim}
        assert wrapped.backward.units == backward_layer.units
    use_layer(wrapped, arguments)


@FUZZ
@given(given_layers=pick(st.lists(layers, min_size=0, max_size=4), anything, layers),
       input_dim=given_or_not(pick(st.none(), sizes)))
def test_sequential(given_layers, input_dim):
    start("Sequential")
    kwargs = keep({"input_dim": input_dim})
    model = attempt(("layers", "input_dim"), lambda: lp.Sequential(given_layers, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.Sequential([lp.Dense(2)], **extra))
    if isinstance(model, Refused):
        return
    assert len(model) == len(given_layers)
    assert [type(x) for x in model] == [type(x) for x in given_layers]
    if input_dim not in (None, ...) and not isinstance(given_layers[0], lp.Embedding):
        assert model[0].input_dim == input_dim
    params = attempt(("input_dim",), lambda: model.params)
    if not isinstance(params, Refused):
        assert params == sum(model.layer_params) == sum(x.params for x in model)
        assert f"Total params: {params:,} (" in model.summary()
        assert model.memory_bytes() == 4 * params
        attempt(("input_dim", "spatial_shape"), lambda: model.flops(2, 3))
        model._repr_html_()
    repr(model)


@FUZZ
@given(input_dim=sizes, units=sizes, name=given_or_not(names))
def test_base_classes_are_refused(input_dim, units, name):
    start("Layer, Recurrent, TorchRecurrent, ConvLSTM (base classes)")
    kwargs = keep({"name": name})
    for call in (lambda: lp.Layer(input_dim, **kwargs), lambda: lp.Recurrent(units, input_dim, **kwargs),
                 lambda: pt.TorchRecurrent(input_dim, units, **kwargs),
                 lambda: variants.ConvLSTM(units, 3, input_dim, **kwargs)):
        outcome = attempt(("base class", "units", "input_dim", "input_size", "hidden_size", "name"), call)
        assert isinstance(outcome, Refused)


# -- the constructors, PyTorch vocabulary ----------------------------------------------------------------------

@FUZZ
@given(kind=st.sampled_from(sorted(TORCH_KINDS)), input_size=sizes, hidden_size=sizes,
       num_layers=given_or_not(mostly(pick(st.integers(1, 5), st.sampled_from([1000, 1001, 10**6, 10**9, MAX_SIZE])))),
       bias=given_or_not(flags), bidirectional=given_or_not(flags),
       proj_size=given_or_not(mostly(st.integers(0, 6))), nonlinearity=given_or_not(mostly(st.just("relu"))),
       name=given_or_not(names))
def test_pytorch_modules(kind, input_size, hidden_size, num_layers, bias, bidirectional, proj_size, nonlinearity,
                         name):
    start("pytorch.LSTM, pytorch.GRU, pytorch.RNN")
    cls = TORCH_KINDS[kind]
    kwargs = keep({"num_layers": num_layers, "bias": bias, "bidirectional": bidirectional, "proj_size": proj_size,
                   "name": name, **({"nonlinearity": nonlinearity} if kind == "RNN" else {})})
    arguments = ("input_size", "hidden_size", *kwargs)
    module = attempt(arguments, lambda: cls(input_size, hidden_size, **kwargs))
    refuses_unknown_keyword(lambda **extra: cls(3, 4, **extra))
    if isinstance(module, Refused):
        return
    reached(module, {"input_size": input_size, "hidden_size": hidden_size, **kwargs})
    use_layer(module, arguments)


@FUZZ
@given(kind=st.sampled_from(sorted(TORCH_CELLS)), input_size=sizes, hidden_size=sizes, bias=given_or_not(flags),
       nonlinearity=given_or_not(mostly(st.just("relu"))), name=given_or_not(names))
def test_pytorch_cells(kind, input_size, hidden_size, bias, nonlinearity, name):
    start("pytorch.LSTMCell, pytorch.GRUCell, pytorch.RNNCell")
    cls = TORCH_CELLS[kind]
    kwargs = keep({"bias": bias, "name": name, **({"nonlinearity": nonlinearity} if kind == "RNNCell" else {})})
    arguments = ("input_size", "hidden_size", *kwargs)
    cell = attempt(arguments, lambda: cls(input_size, hidden_size, **kwargs))
    refuses_unknown_keyword(lambda **extra: cls(3, 4, **extra))
    assert isinstance(attempt(("base class",), lambda: pt.TorchCell(3, 4)), Refused)
    if not isinstance(cell, Refused):
        reached(cell, {"input_size": input_size, "hidden_size": hidden_size, **kwargs})
        use_layer(cell, arguments)


# -- the layers in front: convolutions and normalizations (lstm_params.frontend) -------------------------------

@FUZZ
@given(kind=st.sampled_from(sorted(CONVOLUTIONS)), filters=sizes,
       kernel_size=mostly(pick(st.integers(1, 5), st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))),
       input_dim=given_or_not(pick(st.none(), sizes)), use_bias=given_or_not(flags),
       groups=given_or_not(mostly(st.integers(1, 4))), name=given_or_not(names))
def test_convolutions(kind, filters, kernel_size, input_dim, use_bias, groups, name):
    start("Conv1D, Conv2D, Conv3D and their Transpose")
    cls = CONVOLUTIONS[kind]
    kwargs = keep({"input_dim": input_dim, "use_bias": use_bias, "groups": groups, "name": name})
    arguments = ("filters", "kernel_size", *kwargs)
    layer = attempt(arguments, lambda: cls(filters, kernel_size, **kwargs))
    refuses_unknown_keyword(lambda **extra: cls(2, 3, **extra))
    if not isinstance(layer, Refused):
        kernels = kernel_size if isinstance(kernel_size, tuple) else (kernel_size,) * cls.rank
        reached(layer, {"filters": filters, "kernel_size": tuple(int(k) for k in kernels), **kwargs})
        use_layer(layer, arguments)


@FUZZ
@given(kind=st.sampled_from(sorted(NORMALIZATIONS)), groups=sizes, input_dim=given_or_not(pick(st.none(), sizes)),
       center=given_or_not(flags), scale=given_or_not(flags), name=given_or_not(names))
def test_normalizations(kind, groups, input_dim, center, scale, name):
    start("BatchNormalization, LayerNormalization, GroupNormalization")
    cls = NORMALIZATIONS[kind]
    kwargs = keep({"input_dim": input_dim, "center": center, "scale": scale, "name": name})
    first = (groups,) if kind == "GroupNormalization" else ()
    arguments = (*(("groups",) if first else ()), *kwargs)
    layer = attempt(arguments, lambda: cls(*first, **kwargs))
    refuses_unknown_keyword(lambda **extra: cls(*first, **extra))
    if not isinstance(layer, Refused):
        reached(layer, {**({"groups": groups} if first else {}), **kwargs})
        use_layer(layer, arguments)


# -- the functions ---------------------------------------------------------------------------------------------

@FUZZ
@given(params=mostly(st.integers(0, 10**40)), dtype=given_or_not(mostly(st.sampled_from(sorted(BYTES)))),
       optimizer=given_or_not(mostly(st.sampled_from(sorted(SLOTS)))))
def test_memory(params, dtype, optimizer):
    start("memory_bytes, training_memory_bytes")
    kwargs = keep({"dtype": dtype})
    weights = attempt(("params", "dtype"), lambda: lp.memory_bytes(params, **kwargs))
    if not isinstance(weights, Refused):
        assert weights == params * BYTES[kwargs.get("dtype", "float32")]
    kwargs.update(keep({"optimizer": optimizer}))
    train = attempt(("params", "dtype", "optimizer"), lambda: lp.training_memory_bytes(params, **kwargs))
    if not isinstance(train, Refused):
        assert train == params * BYTES[kwargs.get("dtype", "float32")] * (2 + SLOTS[kwargs.get("optimizer", "adam")])
    refuses_unknown_keyword(lambda **extra: lp.memory_bytes(3, **extra))
    refuses_unknown_keyword(lambda **extra: lp.training_memory_bytes(3, **extra))


@FUZZ
@given(model=pick(layers, st.sampled_from([lp.Sequential([lp.GRU(3, return_sequences=True), lp.Dense(2)],
                                                               input_dim=4)]), anything),
       timesteps=given_or_not(sizes), batch_size=given_or_not(sizes),
       spatial_shape=given_or_not(pick(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5)), anything)))
def test_flops(model, timesteps, batch_size, spatial_shape):
    start("flops, flops_breakdown")
    kwargs = keep({"spatial_shape": spatial_shape})
    steps = keep({"timesteps": timesteps, "batch_size": batch_size})
    arguments = ("layer", "timesteps", "batch_size", "spatial_shape", "input_dim", "num_layers")
    total = attempt(arguments, lambda: lp.flops(model, **steps, **kwargs))
    parts = attempt(arguments, lambda: lp.flops_breakdown(model, **steps, **kwargs))
    assert isinstance(total, Refused) == isinstance(parts, Refused)
    refuses_unknown_keyword(lambda **extra: lp.flops(lp.LSTM(2, input_dim=2), **extra))
    if isinstance(total, Refused):
        return
    assert total == sum(parts.values()) >= 0
    if kwargs.get("spatial_shape") is not None:  # accepted only where a ConvLSTM reads it
        assert isinstance(model, lp.ConvLSTM2D)
    if not isinstance(model, lp.Sequential):  # every step costs the same
        one = lp.flops(model, 1, 1, **kwargs)
        assert total == int(steps.get("timesteps", 1)) * int(steps.get("batch_size", 1)) * one


def _seq2seq() -> lp.Model:
    encoder, decoder = lp.Input(3, name="encoder"), lp.Input(2, name="decoder")
    _, *states = lp.LSTM(4, return_state=True)(encoder)
    return lp.Model([encoder, decoder], lp.Dense(2)(lp.LSTM(4, return_sequences=True)(decoder, initial_state=states)))


TRAINED = [lp.Sequential([lp.Embedding(20, 3), lp.LSTM(4, return_sequences=True), lp.GRU(2), lp.Dense(2)]),
           lp.Bidirectional(lp.SimpleRNN(3, input_dim=2), merge_mode="mul"), pt.LSTM(3, 4, 2, proj_size=2),
           _seq2seq()]


@FUZZ
@given(model=pick(layers, st.sampled_from(TRAINED), anything),
       timesteps=given_or_not(sizes), batch_size=given_or_not(sizes),
       dtype=given_or_not(mostly(st.sampled_from([*sorted(BYTES), "mixed_float16", "mixed_bfloat16"]))),
       spatial_shape=given_or_not(pick(st.none(), st.tuples(st.integers(1, 5), st.integers(1, 5)), anything)))
def test_training_figures(model, timesteps, batch_size, dtype, spatial_shape):
    start("activation_bytes, training_flops, macs, layer_figures, LayerFigures")
    if isinstance(model, lp.Model) and isinstance(timesteps, int) and timesteps % 3 == 0:
        timesteps = {"encoder": timesteps, "decoder": 2}  # each input its own length
    elif isinstance(model, lp.Model) and timesteps == 7:
        timesteps = {"encoder": 2}  # one input's length missing: refused
    steps = keep({"timesteps": timesteps, "batch_size": batch_size, "spatial_shape": spatial_shape})
    arguments = ("model", "timesteps", "batch_size", "spatial_shape", "dtype", "input_dim", "activation memory")
    kept = attempt(arguments, lambda: lp.activation_bytes(model, **steps, **keep({"dtype": dtype})))
    compute = attempt(arguments, lambda: lp.training_flops(model, **steps))
    rows = attempt(arguments, lambda: lp.layer_figures(model, **steps, **keep({"dtype": dtype})))
    refuses_unknown_keyword(lambda **extra: lp.activation_bytes(lp.LSTM(2, input_dim=2), **extra))
    refuses_unknown_keyword(lambda **extra: lp.layer_figures(lp.LSTM(2, input_dim=2), **extra))
    if isinstance(rows, Refused):
        return
    assert not isinstance(kept, Refused) and not isinstance(compute, Refused)
    assert all(isinstance(r, lp.LayerFigures) and r.trainable == r.params - r.non_trainable for r in rows)
    assert kept == sum(r.activation_bytes for r in rows) >= 0
    assert compute["backward"] == sum(r.backward_flops for r in rows) >= 0
    assert compute["total"] == compute["forward"] + compute["backward"]
    matmul = attempt(arguments, lambda: lp.macs(model, **steps))
    assert matmul == sum(r.macs for r in rows) and 2 * matmul <= compute["forward"]


@FUZZ
@given(module=pick(layers, st.sampled_from([pt.LSTM(3, 4, 2, proj_size=2), pt.GRU(2, 3, bidirectional=True),
                                            pt.RNN(2, 2, bias=False), lp.Dense(3, input_dim=2)]), anything),
       timesteps=given_or_not(sizes), batch_size=given_or_not(sizes))
def test_tool_counts(module, timesteps, batch_size):
    start("tool_counts")
    steps = keep({"timesteps": timesteps, "batch_size": batch_size})
    counts = attempt(("module", "timesteps", "batch_size"), lambda: lp.tool_counts(module, **steps))
    refuses_unknown_keyword(lambda **extra: lp.tool_counts(pt.GRU(2, 2), **extra))
    if isinstance(counts, Refused):
        return
    assert isinstance(module, (pt.TorchRecurrent, lp.Dense))
    assert all(isinstance(c, int) and c >= 0 for c in counts.values())
    assert counts["FlopCounterMode"] == 2 * counts["macs"] <= counts["flops"]


MAKES: list[Callable[[int], Any]] = [
    lambda n: lp.LSTM(n, input_dim=4), lambda n: lp.LSTM(5, input_dim=5), lambda n: pt.LSTM(8, 8, num_layers=n),
    lambda n: lp.Dense(n, input_dim=1), lambda n: 3, lambda n: lp.LSTM(n),
    lambda n: lp.Sequential([lp.GRU(n, return_sequences=True), lp.Dense(2)], input_dim=3), lp.LSTM, lambda: 3,
]


@FUZZ
@given(budget=mostly(pick(st.integers(1, 2**80), st.sampled_from([2**200, 8 * MAX_SIZE]), huge)),
       make=mostly(st.sampled_from(MAKES)),
       dtype=given_or_not(mostly(st.sampled_from(sorted(BYTES)))),
       optimizer=given_or_not(mostly(st.sampled_from([None, *sorted(SLOTS)]))))
def test_max_units(budget, make, dtype, optimizer):
    start("max_units")
    kwargs = keep({"dtype": dtype, "optimizer": optimizer})
    n = attempt(("budget_bytes", "make", "dtype", "optimizer", "input_dim", "units"),
                lambda: lp.max_units(budget, make, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.max_units(100, MAKES[0], **extra))
    if isinstance(n, Refused):
        return
    dt, opt = kwargs.get("dtype", "float32"), kwargs.get("optimizer", "adam")
    copies = 1 if opt is None else 2 + SLOTS[opt]

    def cost(k: int) -> int:
        return make(k).params * BYTES[dt] * copies

    assert 0 <= n <= MAX_SIZE
    if n:
        assert cost(n) <= budget < cost(n + 1)
    else:
        assert cost(1) > budget


@FUZZ
@given(answer=pick(st.integers(0, 10**6), anything), expected=pick(layers, st.integers(0, 10**6), anything))
def test_check_and_reveal(answer, expected):
    start("check, reveal, CheckResult, Reveal")
    arguments = ("answer", "expected", "input_dim")
    result = attempt(arguments, lambda: lp.check(answer, expected))
    refuses_unknown_keyword(lambda **extra: lp.check(1, 1, **extra))
    if not isinstance(result, Refused):
        assert result.answer == (None if answer is None else int(answer))
        assert bool(result) == (answer is not None and int(answer) == result.expected)
        assert result.message() and result._repr_html_()
        attempt(("answer", "expected", "subject", "hint"),
                lambda: lp.CheckResult(result.answer, result.expected, result.subject, result.hint))
    shown = attempt(("expected", "input_dim"), lambda: lp.reveal(expected))
    if not isinstance(shown, Refused):
        assert shown.count == (expected.params if isinstance(expected, lp.Layer) else int(expected))
        assert repr(shown) and shown._repr_html_()
    made = attempt(("answer", "expected", "subject", "hint"), lambda: lp.CheckResult(answer, 5, "x", ""))
    if not isinstance(made, Refused):
        assert made.message()
    made = attempt(("subject", "count", "lines"), lambda: lp.Reveal("x", answer, ("a",)))
    if not isinstance(made, Refused):
        assert repr(made)


@FUZZ
@given(terms=pick(st.lists(st.lists(st.sampled_from(["n", "m", "k1", "n′"]), min_size=1, max_size=3)
                                .map(tuple), max_size=6), anything),
       values=pick(st.fixed_dictionaries({"n": sizes, "m": sizes, "k1": sizes, "n′": sizes}), anything),
       at=st.dictionaries(st.sampled_from(["n", "m", "zzz"]), pick(anything, st.integers(1, 9)), max_size=2))
def test_formula(terms, values, at):
    start("Formula")
    formula = attempt(("terms", "values"), lambda: lp.Formula(terms, values))
    if isinstance(formula, Refused):
        return
    expected = sum(math.prod(values[s] for s in term) for term in terms)  # the count, term by term
    assert formula.value == expected
    assert sorted(formula.terms) == sorted(tuple(t) for t in terms)  # equal terms listed together
    for text in (formula.expanded, formula.factored, formula.latex, formula.substituted, repr(formula)):
        assert isinstance(text, str)
    again = attempt((*at, "symbol"), lambda: formula(**at))
    if not isinstance(again, Refused):
        assert "zzz" not in at
    copies = attempt(("counts", "values"), lambda: lp.Formula.from_counts({t: 10**9 for t in terms}, values))
    if not isinstance(copies, Refused):
        assert copies.value == 10**9 * sum(math.prod(values[s] for s in t) for t in set(terms))


@FUZZ
@given(name=mostly(st.just("W_i")), shape=mostly(st.tuples(st.integers(0, 9), st.integers(0, 9))),
       symbols=mostly(st.just(("n", "m"))), variable=mostly(st.just("kernel")),
       index=given_or_not(mostly(st.sampled_from(["[:]", "[:, 0:4]", "[1, 0:4]", "[..., 0:2]"]))),
       direction=given_or_not(mostly(st.sampled_from(["", "forward", "backward"]))),
       transposed=given_or_not(flags), layer=given_or_not(mostly(st.integers(0, 5))))
def test_weight(name, shape, symbols, variable, index, direction, transposed, layer):
    start("Weight")
    kwargs = keep({"index": index, "direction": direction, "transposed": transposed, "layer": layer})
    arguments = ("name", "gate", "role", "shape", "symbols", "variable", "variable_shape", *kwargs)
    w = attempt(arguments, lambda: lp.Weight(name, "input", "input kernel", shape, symbols, variable, (4, 8),
                                             **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.Weight("W", "", "kernel", (1,), ("n",), "kernel", (1,), **extra))
    if isinstance(w, Refused):
        return
    reached(w, {"name": name, "shape": shape, "symbols": symbols, "variable": variable, **kwargs})
    assert w.size == math.prod(shape)
    assert w.storage and w.key and w.with_direction("backward").scope == "backward"


@FUZZ
@given(model=pick(layers, anything))
def test_comparisons_refuse_what_is_not_a_model(model):
    start("compare_with_keras, compare_with_torch (not a model)")
    assert isinstance(attempt(("model",), lambda: lp.compare_with_keras(model)), Refused)
    assert isinstance(attempt(("module",), lambda: lp.compare_with_torch(model)), Refused)


@settings(FUZZ, max_examples=20)
@given(args=st.lists(anything, min_size=1, max_size=2))
def test_framework_imports_take_no_arguments(args):
    start("import_keras, import_torch")
    for function in (lp.import_keras, lp.import_torch):
        assert isinstance(attempt((), lambda f=function: f(*args)), Refused)


# -- compare_with_keras on models built at random -------------------------------------------------------------

GRAPH_KINDS = ["LSTM", "GRU", "SimpleRNN", "Bidirectional", "Bidirectional(LSTM, GRU)", "Dense", "Conv1D",
               "LayerNormalization", "BatchNormalization", "Dropout", "TimeDistributed", "Dot", "Subtract", "Add",
               "Maximum", "Concatenate", "Attention", "AdditiveAttention", "MultiHeadAttention"]
BINARY = {"Dot", "Subtract", "Add", "Maximum", "Concatenate", "Attention", "AdditiveAttention", "MultiHeadAttention"}


def keras_graph(keras: Any, steps: list[tuple[str, int, int, int]], m: int) -> Any:
    """A functional model on (5, m) sequences: each step applies a layer to earlier tensors of the graph."""
    L = keras.layers
    pool = [keras.Input((5, m))]
    for kind, width, a, b in steps:
        x, y = pool[a % len(pool)], pool[b % len(pool)]
        if kind in BINARY:  # bring both operands to one width first
            x, y = L.Dense(width)(x), L.Dense(width, use_bias=False)(y)
            if kind == "MultiHeadAttention":
                out = L.MultiHeadAttention(2, width)(x, y)
            else:
                out = (L.Dot(axes=2) if kind == "Dot" else getattr(L, kind)())([x, y])
        elif kind == "Bidirectional":
            out = L.Bidirectional(L.LSTM(width, return_sequences=True), merge_mode="sum")(x)
        elif kind == "Bidirectional(LSTM, GRU)":
            out = L.Bidirectional(L.LSTM(width, return_sequences=True),
                                  backward_layer=L.GRU(width + 1, return_sequences=True, go_backwards=True))(x)
        elif kind in ("LSTM", "GRU", "SimpleRNN"):
            out = getattr(L, kind)(width, return_sequences=True, use_bias=width % 2 == 0)(x)
        elif kind == "Conv1D":
            out = L.Conv1D(width, 2, padding="same")(x)
        elif kind == "TimeDistributed":
            out = L.TimeDistributed(L.Dense(width))(x)
        elif kind == "Dense":
            out = L.Dense(width)(x)
        else:
            out = getattr(L, kind)(**({"rate": 0.1} if kind == "Dropout" else {}))(x)
        pool.append(out)
    return keras.Model(pool[0], pool[-1])


@pytest.mark.keras
@settings(FUZZ, max_examples=12)
@given(steps=st.lists(st.tuples(st.sampled_from(GRAPH_KINDS), st.integers(1, 6), st.integers(0, 9),
                                st.integers(0, 9)), min_size=1, max_size=6), m=st.integers(1, 6))
def test_compare_with_keras_never_raises_nor_miscounts(keras, steps, m):
    start("compare_with_keras (models built at random)")
    model = keras_graph(keras, steps, m)
    comparison = attempt(("model",), lambda: lp.compare_with_keras(model))
    assert not isinstance(comparison, Refused), comparison.error
    assert [r.keras_params for r in comparison] == [layer.count_params() for layer in model.layers]
    for row in comparison:  # a count we give is Keras's: unmodelled or unknown, but never a wrong "match"
        assert row.params is None or row.params == row.keras_params, str(comparison)
        assert row.params is not None or row.note, row
    assert comparison.all_match == all(r.params is not None for r in comparison)
    assert str(comparison) and comparison._repr_html_()


# -- the command line ------------------------------------------------------------------------------------------

#: What an option means when it is not given; giving it with this value changes nothing, and is allowed.
DEFAULTS = {"--framework": "keras", "--optimizer": "adam", "--merge-mode": "concat", "--num-layers": "1",
            "--proj-size": "0", "--reset-after": None}
OPTIONS = ["--input-dim", "-m", "--units", "-n", "--no-bias", "--bidirectional", "--merge-mode", "--framework",
           "--num-layers", "--proj-size", "--dtype", "--optimizer", "--reset-after", "--no-reset-after", "--input",
           "--unknown", "-x", "--"]
WORDS = ["0", "-1", "3", "8", "007", "2.5", "1e3", "x", "", "concat", "sum", "none", "pytorch", "keras", "float16",
         "adam", "sgd", "1_000", "١٢", str(2**63), str(MAX_SIZE), "9" * 5000]
tokens = pick(st.sampled_from(OPTIONS), st.sampled_from(WORDS), st.integers().map(str),
                   st.text(max_size=5).filter(lambda t: not t.startswith("-")))
VALUED = {"--input-dim": st.integers(1, 30).map(str), "--units": st.integers(1, 30).map(str),
          "--merge-mode": st.sampled_from(["concat", "sum", "mul", "ave", "none"]),
          "--framework": st.sampled_from(["keras", "pytorch"]), "--num-layers": st.integers(1, 9).map(str),
          "--proj-size": st.integers(0, 3).map(str), "--dtype": st.sampled_from(sorted(BYTES)),
          "--optimizer": st.sampled_from(sorted(SLOTS))}
SWITCHES = ["--no-bias", "--bidirectional", "--reset-after", "--no-reset-after"]


@st.composite
def command_lines(draw: Any) -> tuple[list[str], list[list[str]]]:
    """argv, and its options as groups (option and value) when it was built option by option."""
    if draw(st.integers(0, 3)) == 0:  # anything at all
        kind = draw(st.sampled_from(["lstm", "gru", "simplernn", "conv", ""]))
        return [kind, *draw(st.lists(tokens, max_size=8))], []
    kind = draw(st.sampled_from(["lstm", "gru", "simplernn"]))
    groups = [["--input-dim", draw(VALUED["--input-dim"])], ["--units", draw(VALUED["--units"])]]
    for option in draw(st.lists(st.sampled_from(sorted(VALUED) + SWITCHES), max_size=5, unique=True)):
        groups.append([option, draw(VALUED[option])] if option in VALUED else [option])
    groups = draw(st.permutations(groups))
    if draw(st.booleans()):  # one more token of anything
        groups.insert(draw(st.integers(0, len(groups))), [draw(tokens)])
    return [kind, *[t for g in groups for t in g]], groups


def run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with time_limit(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    COUNTS["calls"][_TARGET[0]] += 1
    COUNTS["refused"][_TARGET[0]] += status == 2
    return status, out.getvalue(), err.getvalue()


def assert_clean(status: int, out: str, err: str) -> None:
    assert status in (0, 2), status
    assert "Traceback" not in out + err
    if status == 0:
        assert out and not err
    else:
        assert not out
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("python -m lstm_params") and ": error: " in lines[0], err


@settings(FUZZ, max_examples=600)
@given(spec=command_lines())
def test_cli_main(spec):
    start("cli.main(argv)")
    argv, groups = spec
    status, out, err = run_main(argv)
    assert_clean(status, out, err)
    if status != 0 or not groups:
        return
    for i, group in enumerate(groups):  # each option given must change the output, unless it states the default
        without = [t for j, g in enumerate(groups) if j != i for t in g]
        status2, out2, _ = run_main([argv[0], *without])
        if status2 == 0 and out2 == out:
            option = group[0]
            assert option in DEFAULTS and (len(group) == 1 or group[1] == DEFAULTS[option]), \
                f"{group} changed nothing in {argv}"


SUBPROCESS_ARGV = [
    ["lstm", "-m", "8", "-n", "8", "--framework", "pytorch", "--num-layers", "1000000"],
    ["lstm", "-m", "4", "-n", "3", "--merge-mode", "sum"],
    ["gru", "-m", "4", "-n", "3", "--optimizer", "sgd"],
    ["simplernn", "-m", "9" * 5000, "-n", "3"],
    ["lstm", "-m", "4", "-n", "3", "-n", "4"],
    ["lstm", "-m", "4", "-n", str(MAX_SIZE), "--dtype", "int8"],
    ["conv"],
    [],
    ["gru", "--help"],
    ["stack", "--layers", "lstm 8, lstm x", "-m", "3"],
    ["stack", "--layers", "embedding 9 4, bidirectional gru 3 seq merge=sum, dense 2", "-t", "5", "-b", "2"],
]


@pytest.mark.parametrize("argv", SUBPROCESS_ARGV, ids=lambda a: " ".join(a)[:40] or "no arguments")
def test_cli_subprocess(argv):
    start("python -m lstm_params (subprocess)")
    result = subprocess.run([sys.executable, "-m", "lstm_params", *argv], capture_output=True, text=True, timeout=60,
                            check=False)
    assert_clean(result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("argv", [*SUBPROCESS_ARGV[:3], ["--help"]], ids=lambda a: " ".join(a)[:40])
def test_cli_subprocess_with_full_stdout(argv):
    start("python -m lstm_params > /dev/full (subprocess)")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "lstm_params", *argv], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=60, check=False)
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


# -- the explorer and the cell picture (lstm_params.widgets, lstm_params.diagram) ------------------------------

@settings(FUZZ, max_examples=25)
@given(input_dim=sizes, units=sizes, kind=mostly(st.sampled_from(["LSTM", "GRU", "SimpleRNN"])), use_bias=flags,
       bidirectional=flags, framework=mostly(st.sampled_from(["Keras", "PyTorch"])))
def test_explorer(input_dim, units, kind, use_bias, bidirectional, framework):
    start("explorer")
    arguments = ("input_dim", "units", "kind", "use_bias", "bidirectional", "framework")
    app = attempt(arguments, lambda: lp.explorer(input_dim, units, kind, use_bias=use_bias,
                                                 bidirectional=bidirectional, framework=framework))
    refuses_unknown_keyword(lambda **extra: lp.explorer(**extra))
    if not isinstance(app, Refused):
        assert isinstance(app, lp.Explorer) and app.params > 0 and app.summary()


@settings(FUZZ, max_examples=10)
@given(units=pick(st.none(), sizes), input_dim=pick(st.none(), sizes))
def test_cell_diagram(units, input_dim):
    import matplotlib.pyplot as plt

    start("cell_diagram")
    ax = attempt(("units", "input_dim"), lambda: lp.cell_diagram(units, input_dim))
    refuses_unknown_keyword(lambda **extra: lp.cell_diagram(**extra))
    if not isinstance(ax, Refused):
        plt.close(ax.figure)


# -- the functional form (lstm_params.graph) and tied embeddings ----------------------------------------------

@FUZZ
@given(n=sizes, input_dim=given_or_not(pick(st.none(), sizes)), name=given_or_not(names),
       merge=st.sampled_from(["Concatenate", "Add"]))
def test_weightless_layers(n, input_dim, name, merge):
    start("RepeatVector, Concatenate, Add")
    kwargs = keep({"input_dim": input_dim, "name": name})
    repeat = attempt(("n", *kwargs), lambda: lp.RepeatVector(n, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.RepeatVector(2, **extra))
    if not isinstance(repeat, Refused):
        reached(repeat, {"n": n, **kwargs})
        assert repeat.params == 0 and repeat.formula.expanded == "0"
        use_layer(repeat, ("n", *kwargs))
    cls = getattr(lp, merge)
    joined = attempt(tuple(kwargs), lambda: cls(**kwargs))
    refuses_unknown_keyword(lambda **extra: cls(**extra))
    if not isinstance(joined, Refused):
        reached(joined, kwargs)
        assert joined.params == 0
        use_layer(joined, tuple(kwargs))


@FUZZ
@given(rate=mostly(pick(st.floats(0, 0.999), st.sampled_from([0, 0.5, 1, -0.1, float("nan"), True]))),
       activation=mostly(st.sampled_from(["linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "gelu"])),
       input_dim=given_or_not(pick(st.none(), sizes)), name=given_or_not(names))
def test_dropout_and_activation(rate, activation, input_dim, name):
    start("Dropout, Activation")
    kwargs = keep({"input_dim": input_dim, "name": name})
    for cls, first, value in ((lp.Dropout, "rate", rate), (lp.Activation, "activation", activation)):
        layer = attempt((first, *kwargs), lambda cls=cls, value=value: cls(value, **kwargs))
        refuses_unknown_keyword(lambda cls=cls, **extra: cls(0.5 if cls is lp.Dropout else "relu", **extra))
        if isinstance(layer, Refused):
            continue
        reached(layer, kwargs)
        assert layer.params == 0 and layer.formula.expanded == "0"
        if cls is lp.Dropout:
            assert layer.rate == rate and 0 <= layer.rate < 1 and layer.active == (layer.rate > 0)
        else:
            assert layer.activation == activation and layer.active == (activation != "linear")
        use_layer(layer, (first, *kwargs))


@FUZZ
@given(embedding=pick(st.builds(lp.Embedding, st.integers(1, 50), st.integers(1, 9)), layers, anything),
       input_dim=given_or_not(pick(st.none(), sizes)), use_bias=given_or_not(flags), name=given_or_not(names))
def test_tied_dense(embedding, input_dim, use_bias, name):
    start("TiedDense")
    kwargs = keep({"input_dim": input_dim, "use_bias": use_bias, "name": name})
    arguments = ("embedding", *kwargs)
    head = attempt(arguments, lambda: lp.TiedDense(embedding, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.TiedDense(lp.Embedding(3, 2), **extra))
    if isinstance(head, Refused):
        return
    reached(head, {"embedding": embedding, **kwargs})
    assert head.output_dim == embedding.input_dim
    if head.input_dim is not None:  # the bias alone: V, or nothing
        assert head.params == (embedding.input_dim if kwargs.get("use_bias", True) else 0)
    use_layer(head, arguments)


def graph_pool() -> list[Any]:
    """Tensors of every kind: sequences, a vector, states, token ids (fresh: calls set layers' sizes)."""
    out, h, c = lp.LSTM(3, return_state=True)(lp.Input(2))
    return [lp.Input(3), lp.Input(3, sequence=False), out, h, c, lp.Input(None), lp.Input(4)]


GRAPH_MAKERS: list[Callable[[], Any]] = [
    lambda: lp.LSTM(3), lambda: lp.GRU(3, return_state=True, return_sequences=True), lambda: lp.Dense(2),
    lambda: lp.RepeatVector(2), lp.Concatenate, lp.Add, lambda: lp.Embedding(5, 3),
    lambda: lp.TiedDense(lp.Embedding(6, 3)), lambda: lp.SimpleRNN(3, input_dim=4),
    lambda: lp.Bidirectional(lp.LSTM(3, return_state=True), merge_mode=None), lambda: lp.ConvLSTM1D(3, 2),
]
picks = st.integers(0, 6)


@FUZZ
@given(features=mostly(pick(st.none(), sizes)), input_name=given_or_not(names), sequence=given_or_not(flags),
       make=st.sampled_from(GRAPH_MAKERS), inputs=pick(picks, st.lists(picks, max_size=3), anything),
       initial_state=given_or_not(pick(st.lists(picks, max_size=3), picks, anything)), again=st.booleans(),
       model_inputs=mostly(st.just("all")), name=given_or_not(names))
def test_graph(features, input_name, sequence, make, inputs, initial_state, again, model_inputs, name):
    start("Input, Model, layer calls")
    kwargs = keep({"name": input_name, "sequence": sequence})
    x = attempt(("features", *kwargs), lambda: lp.Input(features, **kwargs))
    refuses_unknown_keyword(lambda **extra: lp.Input(3, **extra))
    refuses_unknown_keyword(lambda **extra: lp.Model(lp.Input(3), lp.Input(3), **extra))
    if isinstance(x, Refused):
        return
    assert x.features == (None if features is None else int(features))
    assert x.sequence == bool(kwargs.get("sequence", True)) and repr(x)
    pool = [x, *graph_pool()]

    def tensors(choice: Any) -> Any:
        if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(pool):
            return pool[choice]
        if isinstance(choice, list) and all(isinstance(i, int) and 0 <= i < len(pool) for i in choice):
            return [pool[i] for i in choice]
        return choice

    layer = make()
    state = keep({"initial_state": tensors(initial_state) if initial_state is not ... else ...})
    out = attempt(("inputs", *state), lambda: layer(tensors(inputs), **state))
    if isinstance(out, Refused):
        return
    outs = out if isinstance(out, list) else [out]
    assert outs and all(isinstance(t, lp.graph.Tensor) for t in outs)
    if again:  # the same layer on the same tensors: shared, counted once
        attempt(("inputs", *state), lambda: layer(tensors(inputs), **state))
    given_inputs = [t for t in pool if isinstance(t.node.layer, lp.graph.InputLayer)] if model_inputs == "all" \
        else model_inputs
    model = attempt(("inputs", "outputs", "name"), lambda: lp.Model(given_inputs, outs, **keep({"name": name})))
    if isinstance(model, Refused):
        return
    assert sum(1 for held in model.layers if held is layer) == 1
    params = attempt(("input_dim",), lambda: model.params)
    assert params == sum(model.layer_params) == sum(held.params for held in model)
    assert f"Total params: {params:,} (" in model.summary() and f"{params:,}" in model._repr_html_()
    assert model.memory_bytes() == 4 * params and model.training_memory_bytes() == 16 * params
    assert repr(model)


#: Every public callable of lstm_params.__all__ and lstm_params.pytorch.__all__, and the test that fuzzes it.
FUZZED = {
    **dict.fromkeys(["LSTM", "GRU", "SimpleRNN", "PeepholeLSTM", "CIFGLSTM"], test_recurrent_layers),
    **dict.fromkeys(["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"], test_conv_lstm_layers),
    "LSTMP": test_lstm_with_projection,
    **dict.fromkeys(["Dense", "Embedding"], test_dense_and_embedding),
    "Bidirectional": test_bidirectional, "Sequential": test_sequential,
    **dict.fromkeys(["Layer", "Recurrent", "pytorch.TorchRecurrent"], test_base_classes_are_refused),
    **dict.fromkeys(["pytorch.LSTM", "pytorch.GRU", "pytorch.RNN"], test_pytorch_modules),
    **dict.fromkeys(["pytorch.LSTMCell", "pytorch.GRUCell", "pytorch.RNNCell", "pytorch.TorchCell"],
                    test_pytorch_cells),
    **dict.fromkeys(CONVOLUTIONS, test_convolutions), **dict.fromkeys(NORMALIZATIONS, test_normalizations),
    **dict.fromkeys(["memory_bytes", "training_memory_bytes"], test_memory),
    **dict.fromkeys(["flops", "flops_breakdown"], test_flops), "max_units": test_max_units,
    **dict.fromkeys(["activation_bytes", "training_flops", "macs", "layer_figures", "LayerFigures"],
                    test_training_figures),
    "tool_counts": test_tool_counts,
    **dict.fromkeys(["check", "reveal", "CheckResult", "Reveal"], test_check_and_reveal),
    "Formula": test_formula, "Weight": test_weight,
    "compare_with_keras": test_compare_with_keras_never_raises_nor_miscounts,
    "compare_with_torch": test_comparisons_refuse_what_is_not_a_model,
    **dict.fromkeys(["import_keras", "import_torch"], test_framework_imports_take_no_arguments),
    "explorer": test_explorer, "cell_diagram": test_cell_diagram,
    **dict.fromkeys(["RepeatVector", "Concatenate", "Add"], test_weightless_layers), "TiedDense": test_tied_dense,
    **dict.fromkeys(["Dropout", "Activation"], test_dropout_and_activation),
    **dict.fromkeys(["Input", "Model"], test_graph),
}
#: Public callables left out, and why.
NOT_FUZZED = {
    "Explorer": "built by explorer(), which checks every argument; the class itself (lstm_params.widgets) clamps "
                "an out-of-range size and leaves a bad kind to ipywidgets",
}


def test_every_public_callable_is_fuzzed():
    """A callable added to the public API fails here until a test above fuzzes it (or it is listed as left out)."""
    public = {name for name in lp.__all__ if callable(getattr(lp, name))}
    public |= {f"pytorch.{name}" for name in pt.__all__ if callable(getattr(pt, name))}
    assert not public - set(NOT_FUZZED) - set(FUZZED), "public, but fuzzed by no test here"


@pytest.fixture(scope="module", autouse=True)
def print_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    examples, calls, refused = COUNTS["examples"], COUNTS["calls"], COUNTS["refused"]
    if reporter is None or not examples:
        return
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        reporter.write_line("")
        reporter.write_line(f"fuzz: {sum(examples.values()):,} examples, {sum(calls.values()):,} calls, "
                            f"{sum(refused.values()):,} refused with a clear error")
        reporter.write_line(f"  {'examples':>8}  {'calls':>7}  {'refused':>7}  target")
        for target, count in examples.items():
            reporter.write_line(f"  {count:8,}  {calls[target]:7,}  {refused[target]:7,}  {target}")
