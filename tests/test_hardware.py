"""Planning figures against the frameworks: weight bytes vs Keras's summary, optimizer state vs Keras and
torch.optim, FLOPs vs PyTorch's own decomposition and vs counted NumPy re-implementations of Keras cells.

Expected values come from the frameworks (summary bytes, optimizer variables, traced graphs, outputs),
never from the code under test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt
from lstm_params.report import readable_bytes

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FLOAT_DTYPES = ["float64", "float32", "float16", "bfloat16"]


# -- weight memory: what model.summary() prints ---------------------------------------------------------------

@st.composite
def keras_stacks(draw):
    """1-2 recurrent layers (maybe Bidirectional) then 0-1 Dense, as (kind, config, wrapped)."""
    layers = []
    count = draw(st.integers(1, 2))
    for i in range(count):
        kind = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
        config = {"units": draw(st.integers(1, 64)), "use_bias": draw(st.booleans()),
                  "return_sequences": i < count - 1}
        if kind == "GRU":
            config["reset_after"] = draw(st.booleans())
        layers.append((kind, config, draw(st.booleans())))
    if draw(st.booleans()):
        layers.append(("Dense", {"units": draw(st.integers(1, 32))}, False))
    return layers, draw(st.integers(1, 64))


def build_stack(keras, layers, m, dtype="float32"):
    built = [keras.Input((5, m))]
    ours = []
    for kind, config, wrapped in layers:
        extra = {} if kind == "Dense" else {"recurrent_initializer": "glorot_uniform"}  # orthogonal: no bfloat16
        layer = getattr(keras.layers, kind)(**config, **extra, dtype=dtype)
        mine = getattr(lp, kind)(**config)
        if wrapped:
            layer, mine = keras.layers.Bidirectional(layer, dtype=dtype), lp.Bidirectional(mine)
        built.append(layer)
        ours.append(mine)
    return keras.Sequential(built), lp.Sequential(ours, input_dim=m)


def summary_total(model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return next(line for line in "\n".join(lines).splitlines() if "Total params" in line)


@pytest.mark.keras
@SETTINGS
@given(spec=keras_stacks(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_weight_memory_is_keras_summary(keras, spec, dtype):
    from keras.src.utils.summary_utils import weight_memory_size

    model, ours = build_stack(keras, *spec, dtype=dtype)
    assert ours.memory_bytes(dtype) == weight_memory_size(model.weights)
    line = summary_total(model)
    assert f"{ours.params:,}" in line and f"({readable_bytes(ours.memory_bytes(dtype))})" in line
    assert sum(layer.memory_bytes(dtype) for layer in ours) == ours.memory_bytes(dtype)


@pytest.mark.keras
def test_seed_example_summary_bytes(keras):
    model = keras.Sequential([keras.Input((16, 4096)), keras.layers.LSTM(256)])
    line = summary_total(model)
    assert "4,457,472" in line and "(17.00 MB)" in line
    assert lp.LSTM(256, input_dim=4096).memory_bytes() == 17_829_888 == 4_457_472 * 4


@pytest.mark.torch
@pytest.mark.parametrize("dtype", list(lp.DTYPE_BYTES))
def test_dtype_sizes_are_torchs(torch, dtype):
    assert lp.DTYPE_BYTES[dtype] == torch.empty(0, dtype=getattr(torch, dtype)).element_size()


def test_unknown_dtype_is_named():
    for bad in ["float8", "fp32", None, 4]:
        with pytest.raises(ValueError, match=f"dtype must be one of 'float64', .*, got {bad!r}"):
            lp.LSTM(3, input_dim=2).memory_bytes(bad)
        with pytest.raises(ValueError, match=f"got {bad!r}"):
            lp.Sequential([lp.LSTM(3)], input_dim=2).training_memory_bytes(bad)
        with pytest.raises(ValueError, match=f"got {bad!r}"):
            pt.LSTM(2, 3).memory_bytes(bad)


# -- training memory: weights + gradients + the optimizer's slots ---------------------------------------------

KERAS_OPTIMIZERS = {
    "sgd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}), "rmsprop": ("RMSprop", {}),
    "adagrad": ("Adagrad", {}), "lion": ("Lion", {}), "adam": ("Adam", {}), "adamw": ("AdamW", {}),
    "nadam": ("Nadam", {}), "adamax": ("Adamax", {}),
}


def test_every_optimizer_is_checked():
    assert set(KERAS_OPTIMIZERS) == set(lp.OPTIMIZER_STATE)


@pytest.mark.keras
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=keras_stacks(), dtype=st.sampled_from(FLOAT_DTYPES))
def test_training_memory_counts_keras_optimizer_slots(keras, spec, dtype):
    model, ours = build_stack(keras, *spec, dtype=dtype)
    for name, (cls, kwargs) in KERAS_OPTIMIZERS.items():
        optimizer = getattr(keras.optimizers, cls)(**kwargs)
        optimizer.build(model.trainable_variables)
        slots = [var for var in optimizer.variables if len(var.shape) > 0]  # not iteration / learning_rate
        slot_scalars = sum(math.prod(var.shape) for var in slots)
        weight_bytes = ours.memory_bytes(dtype)
        assert ours.training_memory_bytes(dtype, name) == 2 * weight_bytes + slot_scalars * lp.DTYPE_BYTES[dtype]


TORCH_OPTIMIZERS = {"sgd": ("SGD", {"lr": 0.1}), "momentum": ("SGD", {"lr": 0.1, "momentum": 0.9}),
                    "rmsprop": ("RMSprop", {}), "adagrad": ("Adagrad", {}), "adam": ("Adam", {}),
                    "adamw": ("AdamW", {}), "nadam": ("NAdam", {}), "adamax": ("Adamax", {})}


@pytest.mark.torch
@pytest.mark.parametrize("name", list(TORCH_OPTIMIZERS))
def test_training_memory_counts_torch_optimizer_state(torch, name):
    module = torch.nn.LSTM(6, 5, num_layers=2, bidirectional=True)
    cls, kwargs = TORCH_OPTIMIZERS[name]
    optimizer = getattr(torch.optim, cls)(module.parameters(), **kwargs)
    module(torch.randn(3, 2, 6))[0].sum().backward()
    optimizer.step()
    params = list(module.parameters())
    state = sum(t.numel() for p in params for t in optimizer.state[p].values()
                if torch.is_tensor(t) and t.shape == p.shape)  # per-weight tensors, not the step counter
    grads = sum(p.grad.numel() for p in params)
    ours = pt.LSTM(6, 5, num_layers=2, bidirectional=True)
    assert ours.training_memory_bytes("float32", name) == 4 * (ours.params + grads + state)


def test_unknown_optimizer_is_named():
    with pytest.raises(ValueError, match=r"optimizer must be one of 'sgd', .*, got 'adamm'"):
        lp.LSTM(3, input_dim=2).training_memory_bytes("float32", "adamm")
    with pytest.raises(ValueError, match=r"got None"):
        pt.GRU(2, 3).training_memory_bytes("float32", None)


# -- FLOPs: PyTorch, against its own decomposition -------------------------------------------------------------

FREE = ("alias", "view", "permute", "slice", "squeeze", "unsqueeze", "split", "cat", "full", "expand",
        "select", "unbind", "stack", "clone", "t.default", "transpose", "zeros", "empty", "flip", "getitem",
        "_to_copy", "copy")
ELEMENTWISE = ("aten.add", "aten.sub", "aten.rsub", "aten.mul", "aten.sigmoid", "aten.tanh", "aten.relu")


def decomposed_counts(torch, module, x):
    """Matmul FLOPs (FlopCounterMode), bias adds (inside addmm) and elementwise FLOPs of a traced forward."""
    from torch._decomp import core_aten_decompositions
    from torch.fx.experimental.proxy_tensor import make_fx
    from torch.utils.flop_counter import FlopCounterMode

    with torch.backends.mkldnn.flags(enabled=False), torch.no_grad():
        graph = make_fx(lambda inp: module(inp)[0], decomposition_table=core_aten_decompositions())(x)
        with FlopCounterMode(display=False) as counter:
            graph(x)
    bias = elementwise = 0
    for node in graph.graph.nodes:
        if node.op != "call_function":
            continue
        target = str(node.target)
        if target.startswith("aten.addmm"):
            bias += node.meta["val"].numel()
        elif target.startswith(ELEMENTWISE):
            elementwise += node.meta["val"].numel()
        elif not target.startswith("aten.mm") and not any(op in target for op in FREE):
            raise AssertionError(f"an operation this test does not classify: {target}")
    return {"matmul": counter.get_total_flops(), "bias": bias, "elementwise": elementwise}


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["LSTM", "GRU", "RNN"]), m=st.integers(1, 9), n=st.integers(2, 9),
       num_layers=st.integers(1, 2), bias=st.booleans(), bidirectional=st.booleans(),
       proj=st.integers(0, 1), timesteps=st.integers(1, 3), batch=st.integers(1, 2))
def test_flops_match_torch_decomposition(torch, kind, m, n, num_layers, bias, bidirectional, proj, timesteps,
                                         batch):
    kwargs = {"num_layers": num_layers, "bias": bias, "bidirectional": bidirectional}
    if kind == "LSTM" and proj:
        kwargs["proj_size"] = n - 1
    module = getattr(torch.nn, kind)(m, n, **kwargs)
    expected = decomposed_counts(torch, module, torch.randn(timesteps, batch, m))
    ours = getattr(pt, kind)(m, n, **kwargs)
    assert lp.flops_breakdown(ours, timesteps, batch) == expected
    assert ours.flops(timesteps, batch) == sum(expected.values())


@pytest.mark.torch
def test_matmul_flops_are_flopcountermode_on_a_cell(torch):
    """The headline figure 8n(m + n) per LSTM step, as PyTorch's flop counter reports a cell step."""
    from torch.utils.flop_counter import FlopCounterMode

    m, n, batch = 4096, 256, 3
    cell = torch.nn.LSTMCell(m, n)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        cell(torch.randn(batch, m))
    assert counter.get_total_flops() == lp.flops_breakdown(pt.LSTM(m, n), 1, batch)["matmul"] == batch * 8 * n * (m + n)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_convlstm_matmul_flops_are_flopcountermode_convolutions(torch, rank):
    """A ConvLSTM step is two 'same' convolutions; PyTorch's counter counts each tap at each position."""
    from torch.utils.flop_counter import FlopCounterMode

    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d, 3: torch.nn.functional.conv3d}[rank]
    c, f, kernel, spatial, batch = 3, 4, (3, 2, 3)[:rank], (6, 5, 4)[:rank], 2
    x, h = torch.randn(batch, c, *spatial), torch.randn(batch, f, *spatial)
    w, u = torch.randn(4 * f, c, *kernel), torch.randn(4 * f, f, *kernel)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        conv(x, w, padding="same")
        conv(h, u, padding="same")
    layer = getattr(lp, f"ConvLSTM{rank}D")(f, kernel, input_dim=c)
    assert lp.flops_breakdown(layer, 1, batch, spatial_shape=spatial)["matmul"] == counter.get_total_flops()


# -- FLOPs: Keras, against counted NumPy re-implementations whose outputs equal Keras's -------------------------

class Counted:
    """NumPy operations that tally FLOPs by the documented convention, in three parts."""

    def __init__(self):
        self.parts = {"matmul": 0, "bias": 0, "elementwise": 0}

    def mm(self, a, w):
        self.parts["matmul"] += 2 * a.shape[0] * w.shape[0] * w.shape[1]
        return a @ w

    def bias(self, a, b):
        self.parts["bias"] += a.size
        return a + b

    def _ew(self, out):
        self.parts["elementwise"] += out.size
        return out

    def add(self, a, b):
        return self._ew(a + b)

    def sub(self, a, b):
        return self._ew(a - b)

    def mul(self, a, b):
        return self._ew(a * b)

    def sigmoid(self, a):
        return self._ew(1 / (1 + np.exp(-a)))

    def tanh(self, a):
        return self._ew(np.tanh(a))


def lstm_cell(ops, x, state, weights, use_bias):
    kernel, recurrent = weights[0], weights[1]
    h, c = state
    z = ops.add(ops.mm(x, kernel), ops.mm(h, recurrent))
    if use_bias:
        z = ops.bias(z, weights[2])
    zi, zf, zc, zo = np.split(z, 4, axis=-1)
    i, f, o = ops.sigmoid(zi), ops.sigmoid(zf), ops.sigmoid(zo)
    c = ops.add(ops.mul(f, c), ops.mul(i, ops.tanh(zc)))
    h = ops.mul(o, ops.tanh(c))
    return h, (h, c)


def gru_cell(ops, x, state, weights, use_bias, reset_after):
    kernel, recurrent = weights[0], weights[1]
    (h,) = state
    n = h.shape[-1]
    xz = ops.mm(x, kernel)
    if use_bias:
        xz = ops.bias(xz, weights[2][0] if reset_after else weights[2])
    x_z, x_r, x_h = np.split(xz, 3, axis=-1)
    if reset_after:
        inner = ops.mm(h, recurrent)
        if use_bias:
            inner = ops.bias(inner, weights[2][1])
        r_z, r_r, r_h = np.split(inner, 3, axis=-1)
        z, r = ops.sigmoid(ops.add(x_z, r_z)), ops.sigmoid(ops.add(x_r, r_r))
        candidate = ops.tanh(ops.add(x_h, ops.mul(r, r_h)))
    else:
        r_zr = ops.mm(h, recurrent[:, : 2 * n])
        r_z, r_r = np.split(r_zr, 2, axis=-1)
        z, r = ops.sigmoid(ops.add(x_z, r_z)), ops.sigmoid(ops.add(x_r, r_r))
        candidate = ops.tanh(ops.add(x_h, ops.mm(ops.mul(r, h), recurrent[:, 2 * n:])))
    h = ops.add(candidate, ops.mul(z, ops.sub(h, candidate)))  # = z⊙h + (1 - z)⊙candidate
    return h, (h,)


def simple_rnn_cell(ops, x, state, weights, use_bias):
    (h,) = state
    pre = ops.mm(x, weights[0])
    if use_bias:
        pre = ops.bias(pre, weights[2])
    h = ops.tanh(ops.add(pre, ops.mm(h, weights[1])))
    return h, (h,)


def run_rnn(ops, kind, config, weights, xs):
    n = config["units"]
    batch = xs.shape[0]
    state = (np.zeros((batch, n)), np.zeros((batch, n))) if kind == "LSTM" else (np.zeros((batch, n)),)
    outputs = []
    for t in range(xs.shape[1]):
        if kind == "LSTM":
            out, state = lstm_cell(ops, xs[:, t], state, weights, config["use_bias"])
        elif kind == "GRU":
            out, state = gru_cell(ops, xs[:, t], state, weights, config["use_bias"], config["reset_after"])
        else:
            out, state = simple_rnn_cell(ops, xs[:, t], state, weights, config["use_bias"])
        outputs.append(out)
    return np.stack(outputs, axis=1) if config.get("return_sequences") else outputs[-1]


def keras_weights(layer, use_bias):
    weights = [np.asarray(w, dtype=np.float64) for w in layer.weights]
    return weights if use_bias else [*weights, None]


@pytest.mark.keras
@SETTINGS
@given(kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]), units=st.integers(1, 12), m=st.integers(1, 12),
       use_bias=st.booleans(), reset_after=st.booleans(), bidirectional=st.booleans(),
       timesteps=st.integers(1, 4), batch=st.integers(1, 3))
def test_flops_count_a_faithful_keras_forward(keras, kind, units, m, use_bias, reset_after, bidirectional,
                                              timesteps, batch):
    config = {"units": units, "use_bias": use_bias, "return_sequences": True}
    if kind == "GRU":
        config["reset_after"] = reset_after
    k_layer = getattr(keras.layers, kind)(**config, bias_initializer="glorot_uniform")
    ours = getattr(lp, kind)(input_dim=m, **config)
    if bidirectional:
        k_layer, ours = keras.layers.Bidirectional(k_layer, merge_mode="concat"), lp.Bidirectional(ours)
    xs = np.random.default_rng(0).normal(size=(batch, timesteps, m))
    expected = np.asarray(k_layer(xs.astype("float32")))
    ops = Counted()
    if bidirectional:
        forward = run_rnn(ops, kind, config, keras_weights(k_layer.forward_layer, use_bias), xs)
        backward = run_rnn(ops, kind, config, keras_weights(k_layer.backward_layer, use_bias), xs[:, ::-1])
        got = np.concatenate([forward, backward[:, ::-1]], axis=-1)
    else:
        got = run_rnn(ops, kind, config, keras_weights(k_layer, use_bias), xs)
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-5)  # the NumPy forward is Keras's
    assert lp.flops_breakdown(ours, timesteps, batch) == ops.parts
    assert ours.flops(timesteps, batch) == sum(ops.parts.values())


@pytest.mark.keras
@pytest.mark.parametrize("timesteps", [1, 5])
def test_stack_flops_run_dense_per_step_only_before_the_last_step(keras, timesteps):
    m, batch = 6, 2
    model = keras.Sequential([keras.Input((timesteps, m)),
                              keras.layers.LSTM(8, return_sequences=True, bias_initializer="glorot_uniform"),
                              keras.layers.Dense(5, bias_initializer="glorot_uniform"),
                              keras.layers.GRU(7, bias_initializer="glorot_uniform"),
                              keras.layers.Dense(3, bias_initializer="glorot_uniform")])
    ours = lp.Sequential([lp.LSTM(8, return_sequences=True), lp.Dense(5), lp.GRU(7), lp.Dense(3)], input_dim=m)
    xs = np.random.default_rng(0).normal(size=(batch, timesteps, m))
    ops = Counted()
    w = [keras_weights(layer, True) for layer in model.layers]
    seq = run_rnn(ops, "LSTM", {"units": 8, "use_bias": True, "return_sequences": True}, w[0], xs)
    seq = ops.bias(np.stack([ops.mm(seq[:, t], w[1][0]) for t in range(timesteps)], axis=1), w[1][1])
    last = run_rnn(ops, "GRU", {"units": 7, "use_bias": True, "reset_after": True}, w[2], seq)
    out = ops.bias(ops.mm(last, w[3][0]), w[3][1])
    np.testing.assert_allclose(out, np.asarray(model(xs.astype("float32"))), rtol=2e-4, atol=2e-5)
    assert lp.flops_breakdown(ours, timesteps, batch) == ops.parts
    assert ours.flops(timesteps, batch) == sum(ops.parts.values())


@settings(max_examples=40, deadline=None)
@given(units=st.integers(1, 300), m=st.integers(1, 300), timesteps=st.integers(1, 50), batch=st.integers(1, 64))
def test_flops_scale_with_timesteps_times_batch(units, m, timesteps, batch):
    for layer in (lp.LSTM(units, input_dim=m), lp.GRU(units, input_dim=m), pt.LSTM(m, units, num_layers=2),
                  lp.PeepholeLSTM(units, input_dim=m), lp.CIFGLSTM(units, input_dim=m)):
        assert layer.flops(timesteps, batch) == timesteps * batch * layer.flops()


def test_flops_refuse_bad_input():
    with pytest.raises(ValueError, match="timesteps must be a positive integer, got 0"):
        lp.LSTM(3, input_dim=2).flops(0)
    with pytest.raises(TypeError, match=r"batch_size must be a positive integer, got 2\.5"):
        pt.LSTM(2, 3).flops(1, 2.5)
    with pytest.raises(ValueError, match=r"spatial_shape must be 2 positive integers .*, got None"):
        lp.ConvLSTM2D(4, 3, input_dim=2).flops()
    with pytest.raises(TypeError, match="layer must be a layer, a Sequential or a Model, got 3"):
        lp.flops(3)


@pytest.mark.parametrize("function", [lp.flops, lp.flops_breakdown])
@pytest.mark.parametrize("model", [lp.LSTM(3, input_dim=2), pt.GRU(2, 3),
                                   lp.Sequential([lp.LSTM(3), lp.Dense(1)], input_dim=2)])
@pytest.mark.parametrize("shape", ["x", (4, 4), None])
def test_spatial_shape_is_refused_where_nothing_reads_it(function, model, shape):
    if shape is None:  # the default: nothing to refuse
        assert function(model) == function(model, spatial_shape=None)
        return
    with pytest.raises(ValueError, match=rf"spatial_shape is only read by ConvLSTM layers, and .* has none; "
                                         rf"got spatial_shape={re.escape(repr(shape))}"):
        function(model, spatial_shape=shape)


def test_spatial_shape_reaches_convlstm_through_every_flops_method():
    """A stack, or a Bidirectional, of ConvLSTM2D takes spatial_shape in its own flops() method too."""
    conv = lp.ConvLSTM2D(4, 3, input_dim=2, return_sequences=True)
    one = conv.flops(2, 3, (5, 5))  # checked against FlopCounterMode above
    assert lp.Sequential([conv], input_dim=2).flops(2, 3, spatial_shape=(5, 5)) == one
    assert lp.Bidirectional(conv).flops(2, 3, spatial_shape=(5, 5)) == 2 * one
    with pytest.raises(ValueError, match=r"spatial_shape must be 2 positive integers .*, got None"):
        lp.Sequential([conv], input_dim=2).flops()


# -- max_units -------------------------------------------------------------------------------------------------

@pytest.mark.keras
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]), m=st.integers(1, 200),
       budget=st.integers(2_000, 3_000_000), dtype=st.sampled_from(list(lp.DTYPE_BYTES)),
       optimizer=st.sampled_from([None, "sgd", "momentum", "adam"]))
def test_max_units_is_the_largest_keras_layer_that_fits(keras, kind, m, budget, dtype, optimizer):
    if dtype == "int8" and optimizer is not None:  # an inference dtype: training in it is refused
        with pytest.raises(ValueError, match="dtype='int8' is for inference"):
            lp.max_units(budget, lambda units: getattr(lp, kind)(units, input_dim=m), dtype=dtype, optimizer=optimizer)
        return
    n = lp.max_units(budget, lambda units: getattr(lp, kind)(units, input_dim=m), dtype=dtype, optimizer=optimizer)
    copies = 1 if optimizer is None else 2 + {"sgd": 0, "momentum": 1, "adam": 2}[optimizer]

    def keras_bytes(units):
        layer = getattr(keras.layers, kind)(units)
        layer.build((None, None, m))
        return layer.count_params() * lp.DTYPE_BYTES[dtype] * copies

    assert n >= 1 or keras_bytes(1) > budget
    if n:
        assert keras_bytes(n) <= budget < keras_bytes(n + 1)


def test_max_units_solves_the_quadratic():
    """4(n² + n(m + 1)) · 4 bytes · 4 copies ≤ budget: the positive root, floored."""
    budget, m = 16 * 1024**3, 4096
    root = (-(m + 1) + math.sqrt((m + 1) ** 2 + 4 * budget / 64)) / 2
    assert lp.max_units(budget, lambda n: lp.LSTM(n, input_dim=m)) == math.floor(root)


def test_max_units_refuses_bad_input():
    with pytest.raises(ValueError, match="budget_bytes must be a positive integer, got 0"):
        lp.max_units(0, lambda n: lp.LSTM(n, input_dim=3))
    with pytest.raises(TypeError, match="make must be a function n -> layer, got"):
        lp.max_units(100, lp.LSTM(3, input_dim=3))
    with pytest.raises(ValueError, match="optimizer must be one of"):
        lp.max_units(100, lambda n: lp.LSTM(n, input_dim=3), optimizer="adamm")
    with pytest.raises(TypeError, match=r"make\(n\) must return a layer or a Sequential, got 3"):
        lp.max_units(100, lambda n: 3)
    assert lp.max_units(10, lambda n: lp.LSTM(n, input_dim=3)) == 0  # not even n = 1 fits


@pytest.mark.parametrize("make", [lambda n: lp.LSTM(5, input_dim=5), lambda n: lp.Dense(4 - min(n, 3), input_dim=2)])
def test_max_units_refuses_a_make_that_does_not_grow(make):
    with pytest.raises(ValueError, match=r"make\(n\) must build a layer whose count grows with n, but make\(1\) "
                                         r"and make\(2\) take \d[\d,]* and \d[\d,]* bytes"):
        lp.max_units(10**9, make)


def test_max_units_searches_up_to_the_largest_size():
    """Dense(n) on 1 feature: 2n parameters, 8n bytes in float32; n stops at 2**63 - 1, a tensor's largest size."""
    def dense(n):
        return lp.Dense(n, input_dim=1)

    assert lp.max_units(8 * (2**63 - 1) - 1, dense, optimizer=None) == 2**63 - 2
    for budget in (8 * (2**63 - 1), 10**40):
        with pytest.raises(ValueError, match=rf"budget_bytes={budget} fits make\(n\) for every n up to "
                                             r"9223372036854775807, the largest size"):
            lp.max_units(budget, dense, optimizer=None)


def test_max_units_of_a_deep_pytorch_stack():
    """make may grow num_layers: each layer of nn.LSTM(8, 8) holds 576 parameters, 2,304 bytes in float32."""
    assert lp.max_units(2304 * 10**6, lambda n: pt.LSTM(8, 8, num_layers=n), optimizer=None) == 10**6


# -- command line ---------------------------------------------------------------------------------------------

@pytest.mark.keras
def test_cli_dtype_prints_keras_summary_bytes_and_training_memory(keras):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "lstm_params", "lstm", "-m", "4096", "-n", "256", "--dtype",
                             "float16", "--optimizer", "momentum"], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    model = keras.Sequential([keras.Input((16, 4096)), keras.layers.LSTM(256, dtype="float16", name="half")])
    assert f"({readable_bytes(8_914_944)})" in summary_total(model)
    assert "Weights in float16: 8,914,944 bytes (8.50 MB)" in result.stdout  # Keras's summary bytes, above
    params = model.count_params()
    assert f"with momentum (weights + gradients + 1 state tensor(s) per weight): {3 * 2 * params:,} bytes" \
        in result.stdout
    assert "FLOPs per step and sample: 8,917,248" in result.stdout  # 8·256·(4096 + 256) + 4·256 + 13·256
    bad = subprocess.run([sys.executable, "-m", "lstm_params", "lstm", "-m", "4", "-n", "3", "--dtype", "fp8"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2 and "argument --dtype: invalid choice: 'fp8'" in bad.stderr
