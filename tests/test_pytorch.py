"""lstm_params.pytorch against real ``torch.nn.LSTM/GRU/RNN``: counts, names, shapes, slices, gate order.

Expected values come from PyTorch (``parameters()``, ``named_parameters()``, the module's own
forward pass), never from the code under test.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt

pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")]

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
sizes = st.integers(min_value=1, max_value=200)


@st.composite
def modules(draw, max_size=200):
    """(kind, kwargs) for any option torch.nn accepts."""
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN"]))
    hidden = draw(st.integers(1, max_size))
    kwargs = {"input_size": draw(st.integers(1, max_size)), "hidden_size": hidden,
              "num_layers": draw(st.integers(1, 3)), "bias": draw(st.booleans()),
              "bidirectional": draw(st.booleans())}
    if kind == "LSTM" and hidden > 1 and draw(st.booleans()):
        kwargs["proj_size"] = draw(st.integers(1, hidden - 1))
    if kind == "RNN":
        kwargs["nonlinearity"] = draw(st.sampled_from(pt.NONLINEARITIES))
    return kind, kwargs




@SETTINGS
@given(spec=modules())
def test_counts_names_and_shapes_match_torch(torch, spec):
    kind, kwargs = spec
    module = getattr(torch.nn, kind)(**kwargs)
    ours = getattr(pt, kind)(**kwargs)
    assert ours.params == sum(p.numel() for p in module.parameters())
    assert ours.formula.value == ours.params
    # Every tensor, in named_parameters() order, with its shape.
    assert list(ours.variables.items()) == [(name, tuple(p.shape)) for name, p in module.named_parameters()]
    # The pieces tile each tensor exactly: every scalar belongs to one piece, none to two.
    tensors = dict(module.named_parameters())
    covered = {name: np.zeros(tuple(p.shape), dtype=int) for name, p in tensors.items()}
    for piece in ours.weights:
        assert not piece.transposed  # PyTorch stores W as (outputs, inputs), the math shape
        cut = covered[piece.variable][piece.key]
        assert cut.shape == piece.stored_shape == piece.shape
        covered[piece.variable][piece.key] += 1
        # Layer and direction agree with the name torch gave the tensor (weight_ih_l1_reverse: layer 1, backward).
        assert piece.variable.endswith(f"_l{piece.layer}" + ("_reverse" if piece.direction == "backward" else ""))
        assert piece.direction == ("" if not kwargs.get("bidirectional") else
                                   "backward" if piece.variable.endswith("_reverse") else "forward")
        assert piece.scope == ""  # the tensor's name is complete: storage adds no prefix
    assert all((c == 1).all() for c in covered.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=modules(max_size=12), steps=st.integers(1, 3))
def test_output_size_matches_torch(torch, spec, steps):
    kind, kwargs = spec
    module = getattr(torch.nn, kind)(**kwargs)
    with torch.no_grad():
        out = module(torch.zeros(steps, 2, kwargs["input_size"]))[0]
    assert out.shape[-1] == getattr(pt, kind)(**kwargs).output_dim


@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2}, {"bias": False}, {"bidirectional": True},
                                    {"proj_size": 3}, {"num_layers": 3, "bidirectional": True, "proj_size": 2,
                                                       "bias": False}])
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_repr_is_torchs(torch, kind, kwargs):
    if kind == "GRU" and "proj_size" in kwargs:
        kwargs = {k: val for k, val in kwargs.items() if k != "proj_size"}
    assert repr(getattr(pt, kind)(10, 7, **kwargs)) == repr(getattr(torch.nn, kind)(10, 7, **kwargs))


# -- gate order: rebuild one step from the pieces, by gate name, and compare with torch ------------------------

def piece(layer, tensors, name, variable_stem):
    """The slice of the real tensor that the package says holds ``name`` (layer 0, forward)."""
    w = next(w for w in layer.weights if w.name == name and w.variable == f"{variable_stem}_l0")
    return tensors[w.variable][w.key]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize("proj", [0, 2])
def test_lstm_gate_order_i_f_g_o(torch, proj):
    n, m = 5, 3
    module = torch.nn.LSTM(m, n, proj_size=proj)
    ours = pt.LSTM(m, n, proj_size=proj)
    t = {k: p.detach().numpy().astype(np.float64) for k, p in module.named_parameters()}
    rng = np.random.default_rng(0)
    x, h0, c0 = rng.normal(size=m), rng.normal(size=proj or n), rng.normal(size=n)

    def gate(g):
        return (piece(ours, t, f"W_i{g}", "weight_ih") @ x + piece(ours, t, f"b_i{g}", "bias_ih")
                + piece(ours, t, f"W_h{g}", "weight_hh") @ h0 + piece(ours, t, f"b_h{g}", "bias_hh"))

    i, f, g, o = sigmoid(gate("i")), sigmoid(gate("f")), np.tanh(gate("g")), sigmoid(gate("o"))
    c = f * c0 + i * g
    h = o * np.tanh(c)
    if proj:
        h = piece(ours, t, "W_hr", "weight_hr") @ h
    as_t = [torch.tensor(a, dtype=torch.float32).reshape(1, 1, -1) for a in (x, h0, c0)]
    with torch.no_grad():
        _, (h_t, c_t) = module(as_t[0], (as_t[1], as_t[2]))
    np.testing.assert_allclose(h_t.numpy().ravel(), h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_t.numpy().ravel(), c, rtol=1e-5, atol=1e-6)


def test_gru_gate_order_r_z_n(torch):
    n, m = 5, 3
    module = torch.nn.GRU(m, n)
    ours = pt.GRU(m, n)
    t = {k: p.detach().numpy().astype(np.float64) for k, p in module.named_parameters()}
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=m), rng.normal(size=n)

    def part(kind, g):
        stem = "weight_ih" if kind == "i" else "weight_hh"
        bias = "bias_ih" if kind == "i" else "bias_hh"
        vec = x if kind == "i" else h0
        return piece(ours, t, f"W_{kind}{g}", stem) @ vec + piece(ours, t, f"b_{kind}{g}", bias)

    r = sigmoid(part("i", "r") + part("h", "r"))
    z = sigmoid(part("i", "z") + part("h", "z"))
    new = np.tanh(part("i", "n") + r * part("h", "n"))  # reset applied after the matmul, as cuDNN does
    h = (1 - z) * new + z * h0
    with torch.no_grad():
        _, h_t = module(torch.tensor(x, dtype=torch.float32).reshape(1, 1, -1),
                        torch.tensor(h0, dtype=torch.float32).reshape(1, 1, -1))
    np.testing.assert_allclose(h_t.numpy().ravel(), h, rtol=1e-5, atol=1e-6)
    assert [w.gate for w in ours.weights[:3]] == ["reset", "update", "new"]


@pytest.mark.parametrize("nonlinearity", pt.NONLINEARITIES)
def test_rnn_step(torch, nonlinearity):
    module = torch.nn.RNN(3, 4, nonlinearity=nonlinearity)
    ours = pt.RNN(3, 4, nonlinearity=nonlinearity)
    t = {k: p.detach().numpy().astype(np.float64) for k, p in module.named_parameters()}
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=3), rng.normal(size=4)
    pre = (piece(ours, t, "W_ih", "weight_ih") @ x + piece(ours, t, "b_ih", "bias_ih")
           + piece(ours, t, "W_hh", "weight_hh") @ h0 + piece(ours, t, "b_hh", "bias_hh"))
    h = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
    with torch.no_grad():
        _, h_t = module(torch.tensor(x, dtype=torch.float32).reshape(1, 1, -1),
                        torch.tensor(h0, dtype=torch.float32).reshape(1, 1, -1))
    np.testing.assert_allclose(h_t.numpy().ravel(), h, rtol=1e-5, atol=1e-6)


# -- memory ---------------------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=modules(max_size=64), dtype=st.sampled_from(["float64", "float32", "float16", "bfloat16"]))
def test_memory_bytes_match_torch_storage(torch, spec, dtype):
    kind, kwargs = spec
    module = getattr(torch.nn, kind)(**kwargs).to(getattr(torch, dtype))
    stored = sum(p.numel() * p.element_size() for p in module.parameters())
    assert getattr(pt, kind)(**kwargs).memory_bytes(dtype) == stored


# -- the famous example and the Keras difference --------------------------------------------------------------

def test_seed_example(torch):
    assert pt.LSTM(4096, 256).params == sum(p.numel() for p in torch.nn.LSTM(4096, 256).parameters())


@settings(max_examples=40, deadline=None)
@given(m=sizes, n=sizes)
def test_difference_from_keras_is_one_bias_per_gate(m, n):
    """Layer by layer PyTorch has one extra bias vector per gate; the GRU matches reset_after=True."""
    assert pt.LSTM(m, n).params - lp.LSTM(n, input_dim=m).params == 4 * n
    assert pt.RNN(m, n).params - lp.SimpleRNN(n, input_dim=m).params == n
    assert pt.GRU(m, n).params == lp.GRU(n, input_dim=m, reset_after=True).params


# -- display --------------------------------------------------------------------------------------------------

def test_tables_use_torch_names():
    layer = pt.LSTM(10, 20, num_layers=2, bidirectional=True)
    text = layer.summary()
    assert "PyTorch storage" in text and "weight_ih_l1_reverse[0:20, :]" in text
    assert "summed over 2 layers and both directions" in text
    assert f"Total params: {layer.params:,}" in text
    html = layer._repr_html_()
    assert "PyTorch storage" in html and "W<sub>ii</sub>" in html
    assert "Keras storage" in lp.LSTM(3, input_dim=2).summary()


def test_layer_k_reads_state_times_directions():
    layer = pt.LSTM(10, 20, num_layers=3, bidirectional=True, proj_size=5)
    assert [layer.layer_input_size(k) for k in range(3)] == [10, 10, 10]
    assert layer.variables["weight_ih_l2_reverse"] == (80, 10)
    assert pt.GRU(10, 20, num_layers=2, bidirectional=True).variables["weight_ih_l1"] == (60, 40)


# -- bad input ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [pt.LSTM, pt.GRU, pt.RNN])
@pytest.mark.parametrize("arg", ["input_size", "hidden_size", "num_layers"])
@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (-2, ValueError), (2.0, TypeError),
                                              (True, TypeError), ("8", TypeError), (None, TypeError)])
def test_sizes_refused(cls, arg, value, error):
    kwargs = {"input_size": 4, "hidden_size": 8, arg: value}
    with pytest.raises(error, match=f"{arg} must be a positive integer, got"):
        cls(**kwargs)


@pytest.mark.parametrize("cls", [pt.LSTM, pt.GRU, pt.RNN])
@pytest.mark.parametrize("arg", ["bias", "bidirectional"])
def test_flags_refused(cls, arg):
    with pytest.raises(TypeError, match=f"{arg} must be True or False, got 1"):
        cls(4, 8, **{arg: 1})


@pytest.mark.parametrize(("proj", "error", "message"), [
    (8, ValueError, r"proj_size must be smaller than hidden_size \(8\), got 8"),
    (9, ValueError, r"proj_size must be smaller than hidden_size \(8\), got 9"),
    (-1, ValueError, "proj_size must be a non-negative integer, got -1"),
    (2.0, TypeError, "proj_size must be a non-negative integer, got 2.0"),
])
def test_proj_size_refused(torch, proj, error, message):
    with pytest.raises(error, match=message):
        pt.LSTM(4, 8, proj_size=proj)
    if isinstance(proj, int) and proj >= 8:  # torch refuses the same values
        with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
            torch.nn.LSTM(4, 8, proj_size=proj)


@pytest.mark.parametrize("cls", [pt.GRU, pt.RNN])
def test_proj_size_only_for_lstm(torch, cls):
    with pytest.raises(ValueError, match=f"proj_size is only supported by LSTM, not {cls.__name__}; got proj_size=2"):
        cls(4, 8, proj_size=2)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        getattr(torch.nn, cls.__name__)(4, 8, proj_size=2)
    assert cls(4, 8, proj_size=0).params == sum(p.numel() for p in getattr(torch.nn, cls.__name__)(4, 8).parameters())


@pytest.mark.parametrize("bad", ["sigmoid", "Tanh", None, 1])
def test_nonlinearity_refused(bad):
    with pytest.raises(ValueError, match=f"nonlinearity must be one of 'tanh', 'relu', got {bad!r}"):
        pt.RNN(4, 8, nonlinearity=bad)


# -- command line ---------------------------------------------------------------------------------------------

def run_cli(*args: str):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "lstm_params", *args], capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize(("args", "module"), [
    (["lstm", "-m", "4096", "-n", "256"], ("LSTM", (4096, 256), {})),
    (["gru", "-m", "25", "-n", "100", "--bidirectional"], ("GRU", (25, 100), {"bidirectional": True})),
    (["simplernn", "-m", "3", "-n", "4", "--num-layers", "3", "--no-bias"],
     ("RNN", (3, 4), {"num_layers": 3, "bias": False})),
    (["lstm", "-m", "10", "-n", "20", "--num-layers", "2", "--proj-size", "5", "--bidirectional"],
     ("LSTM", (10, 20), {"num_layers": 2, "proj_size": 5, "bidirectional": True})),
])
def test_cli_framework_pytorch(torch, args, module):
    kind, sizes, options = module
    result = run_cli(*args, "--framework", "pytorch")
    assert result.returncode == 0, result.stderr
    expected = sum(p.numel() for p in getattr(torch.nn, kind)(*sizes, **options).parameters())
    assert f"Total params: {expected:,} (" in result.stdout
    assert "PyTorch storage" in result.stdout and "weight_ih_l0" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(("args", "needle"), [
    (["lstm", "-m", "4", "-n", "8", "--framework", "pytorch", "--proj-size", "8"],
     "proj_size must be smaller than hidden_size (8), got 8"),
    (["lstm", "-m", "4", "-n", "8", "--framework", "pytorch", "--proj-size", "-1"],
     "argument --proj-size: must be a non-negative integer, got '-1'"),
    (["lstm", "-m", "4", "-n", "8", "--num-layers", "2"], "--num-layers is a PyTorch option"),
    (["lstm", "-m", "4", "-n", "8", "--proj-size", "2"], "--proj-size is a PyTorch option"),
    (["gru", "-m", "4", "-n", "8", "--framework", "pytorch", "--no-reset-after"], "--no-reset-after has no PyTorch"),
    (["gru", "-m", "4", "-n", "8", "--framework", "pytorch", "--bidirectional", "--merge-mode", "sum"],
     "--merge-mode is a Keras Bidirectional option"),
    (["gru", "-m", "4", "-n", "8", "--proj-size", "2"], "unrecognized arguments: --proj-size"),
    (["lstm", "-m", "4", "-n", "8", "--framework", "jax"], "argument --framework: invalid choice: 'jax'"),
])
def test_cli_pytorch_errors_exit_2_with_one_line(args, needle):
    result = run_cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr


# -- any num_layers: closed-form counts, the weight list only on request ---------------------------------------

def test_deep_module_matches_torch(torch):
    """A 40-layer bidirectional module with projections: the closed-form count is torch's."""
    kwargs = {"input_size": 3, "hidden_size": 5, "num_layers": 40, "bidirectional": True, "proj_size": 2}
    module = torch.nn.LSTM(**kwargs)
    ours = pt.LSTM(**kwargs)
    assert ours.params == ours.formula.value == sum(p.numel() for p in module.parameters())
    assert list(ours.variables.items()) == [(name, tuple(p.shape)) for name, p in module.named_parameters()]
    assert f"Total params: {ours.params:,} (" in ours.summary()


@pytest.mark.parametrize("num_layers", [10**5, 10**6, 10**9, 2**63 - 1])
def test_counts_for_any_num_layers_come_at_once(num_layers):
    start = time.perf_counter()
    layer = pt.LSTM(8, 8, num_layers=num_layers)
    # By hand: every layer reads 8 features (m = 8 for layer 0, n = 8 after), 4n(m + n + 2) = 576 each.
    assert layer.params == 576 * num_layers
    assert layer.formula.value == 576 * num_layers
    assert layer.formula.expanded == ("4(nm + n² + 2n)" if num_layers == 1 else
                                      f"4(nm + {2 * num_layers - 1}n² + {2 * num_layers}n)")
    assert layer.gate_params == dict.fromkeys(("input", "forget", "cell", "output"), 144 * num_layers)
    assert layer.memory_bytes("float16") == 2 * 576 * num_layers
    assert layer.training_memory_bytes() == 16 * 576 * num_layers
    # 8n(m + n) in the matmuls, 8n in the biases, 13n elementwise, per layer and step:
    assert layer.flops(3, 2) == 6 * num_layers * (8 * 8 * 16 + 8 * 8 + 13 * 8)
    text = layer.summary()
    assert f"Total params: {576 * num_layers:,} (" in text
    assert f"layers 2 to {num_layers - 1:,}" in text and "weight_ih_l2 " not in text
    assert f"{576 * num_layers:,}" in layer._repr_html_()
    assert repr(layer) == f"LSTM(8, 8, num_layers={num_layers})"
    assert lp.check(576 * num_layers, layer) and not lp.check(576, layer)
    assert time.perf_counter() - start < 2


def test_bidirectional_projected_stack_by_hand():
    """Layer 0 reads m, every later layer reads 2p (both directions' projected outputs)."""
    m, n, p, layers = 7, 6, 3, 10**6
    first = 4 * n * (m + p + 2) + p * n   # W_ih (4n × m), W_hh (4n × p), two biases, W_hr (p × n)
    later = 4 * n * (2 * p + p + 2) + p * n
    layer = pt.LSTM(m, n, num_layers=layers, bidirectional=True, proj_size=p)
    assert layer.params == 2 * (first + (layers - 1) * later)


def test_the_weight_list_has_a_documented_bound():
    assert pt.MAX_LISTED_LAYERS == 1000
    deepest = pt.GRU(4, 8, num_layers=pt.MAX_LISTED_LAYERS)
    assert len(deepest.weights) == 1000 * 12  # r, z, n × (W_i, W_h, b_i, b_h) per layer
    too_deep = pt.GRU(4, 8, num_layers=pt.MAX_LISTED_LAYERS + 1)
    message = r"num_layers must be at most 1,000 to list the weights one by one, got 1,001 \(params, formula"
    with pytest.raises(ValueError, match=message):
        _ = too_deep.weights
    with pytest.raises(ValueError, match=message):
        _ = too_deep.variables
    assert too_deep.params == 3 * 8 * (4 + 8 + 2) + 1000 * 3 * 8 * (8 + 8 + 2)  # 3n(m + n + 2), then m = n


@pytest.mark.parametrize("num_layers", [4, 5])
def test_tables_show_two_layers_and_one_line_for_the_rest(torch, num_layers):
    layer = pt.LSTM(10, 20, num_layers=num_layers, bidirectional=True)
    text = layer.summary()
    expected = sum(p.numel() for p in torch.nn.LSTM(10, 20, num_layers=num_layers, bidirectional=True).parameters())
    assert f"Total params: {expected:,} (" in text
    if num_layers == 4:  # up to 4 layers, every tensor is listed
        assert "weight_ih_l3_reverse[0:20, :]" in text and "layers 2 to" not in text
    else:
        assert "weight_ih_l1_reverse[0:20, :]" in text and "weight_ih_l2" not in text
        per_layer = 2 * 4 * 20 * (40 + 20 + 2)  # both directions of one later layer
        assert re.search(rf"layers 2 to 4, each like layer 1\s+{3 * per_layer:,}", text), text
        assert "layers 2 to 4" in layer._repr_html_()
