"""LSTM variants: ConvLSTM1D/2D/3D against real Keras; peephole and CIFG counts against Keras's LSTM.

Expected values come from Keras (``count_params()``, variable shapes, ``unit_forget_bias``), never from
the code under test.  Keras 3 has no peephole or coupled-gate layer, so those two are checked as what
they are defined to be: Keras's LSTM plus three peephole vectors, and three of its four transformations.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])




@st.composite
def conv_configs(draw):
    rank = draw(st.integers(1, 3))
    if draw(st.booleans()):
        kernel = draw(st.integers(1, 4))
        kernels = (kernel,) * rank
    else:
        kernel = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
        kernels = kernel
    return rank, {"filters": draw(st.integers(1, 24)), "kernel_size": kernel,
                  "use_bias": draw(st.booleans())}, kernels, draw(st.integers(1, 12))


@pytest.mark.keras
@SETTINGS
@given(spec=conv_configs(), bidirectional=st.booleans())
def test_convlstm_matches_keras(keras, spec, bidirectional):
    rank, config, kernels, channels = spec
    k_layer = getattr(keras.layers, f"ConvLSTM{rank}D")(**config, return_sequences=True)
    ours = getattr(lp, f"ConvLSTM{rank}D")(**config, input_dim=channels, return_sequences=True)
    if bidirectional:
        k_layer, ours = keras.layers.Bidirectional(k_layer), lp.Bidirectional(ours)
    spatial = tuple(k + 1 for k in kernels)
    out = k_layer(keras.Input((2, *spatial, channels)))
    assert ours.params == k_layer.count_params() == ours.formula.value
    assert [tuple(w.shape) for w in k_layer.weights] == list(ours.variables.values())
    arrays = {}
    for w in k_layer.weights:
        direction = "forward" if "/forward_" in w.path else "backward" if "/backward_" in w.path else ""
        arrays[(direction, w.path.rsplit("/", 1)[1])] = np.asarray(w)
    for piece in ours.weights:
        assert arrays[(piece.direction, piece.variable)][piece.key].shape == piece.stored_shape
    assert out.shape[-1] == ours.output_dim


@given(spec=conv_configs())
@settings(max_examples=60, deadline=None)
def test_convlstm_formula_is_4f_prod_k_c_plus_f_plus_1(spec):
    rank, config, kernels, channels = spec
    layer = getattr(lp, f"ConvLSTM{rank}D")(**{**config, "use_bias": True}, input_dim=channels)
    f, c = config["filters"], channels
    expr = layer.formula.sympy()
    symbols = {s.name: s for s in expr.free_symbols}
    assert set(symbols) == {"F", "C", *(f"k{i + 1}" for i in range(rank))}
    k = sympy.Symbol("k", positive=True)  # stands for the product of the kernel sizes
    derived = expr.subs({symbols[f"k{i + 1}"]: (k if i == 0 else 1) for i in range(rank)})
    assert sympy.expand(derived - 4 * symbols["F"] * (k * (symbols["C"] + symbols["F"]) + 1)) == 0
    assert layer.params == 4 * f * (int(np.prod(kernels)) * (c + f) + 1)


@pytest.mark.keras
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_convlstm_gate_order_i_f_c_o(keras, rank):
    """unit_forget_bias puts ones in the forget gate's bias: the package says it is bias[F:2F]."""
    f = 3
    layer = getattr(keras.layers, f"ConvLSTM{rank}D")(f, 2, unit_forget_bias=True)
    layer.build((None, 2, *(4,) * rank, 2))
    bias = np.asarray(layer.weights[2])
    forget = next(w for w in getattr(lp, f"ConvLSTM{rank}D")(f, 2, input_dim=2).weights if w.name == "b_f")
    assert np.all(bias[forget.key] == 1.0)
    assert np.count_nonzero(bias) == f


@pytest.mark.keras
@SETTINGS
@given(units=st.integers(1, 200), m=st.integers(1, 200), use_bias=st.booleans())
def test_peephole_and_cifg_against_keras_lstm(keras, units, m, use_bias):
    layer = keras.layers.LSTM(units, use_bias=use_bias)
    layer.build((None, None, m))
    keras_lstm = layer.count_params()
    peephole = lp.PeepholeLSTM(units, input_dim=m, use_bias=use_bias)
    cifg = lp.CIFGLSTM(units, input_dim=m, use_bias=use_bias)
    assert peephole.params == keras_lstm + 3 * units  # three diagonal peepholes: i, f, o
    assert 4 * cifg.params == 3 * keras_lstm  # the forget gate's W, U and b are gone
    kernel_shape = tuple(layer.weights[0].shape)
    assert cifg.variables["kernel"] == (kernel_shape[0], 3 * units)
    assert peephole.formula.value == peephole.params and cifg.formula.value == cifg.params


def test_variant_formulas():
    assert lp.PeepholeLSTM(8, input_dim=3).formula.expanded == "4nm + 4n² + 7n"
    assert lp.CIFGLSTM(8, input_dim=3).formula.factored == "3n(m + n + 1)"
    assert lp.CIFGLSTM(8, input_dim=3, use_bias=False).formula.expanded == "3(nm + n²)"
    assert [w.role for w in lp.PeepholeLSTM(8, input_dim=3, use_bias=False).weights].count("peephole") == 3
    assert lp.ConvLSTM1D(4, 3, input_dim=2).formula.factored == "4F(k₁C + k₁F + 1)"


def test_variants_stack_and_wrap():
    model = lp.Sequential([lp.PeepholeLSTM(16, return_sequences=True), lp.Bidirectional(lp.CIFGLSTM(8)),
                           lp.Dense(1)], input_dim=4)
    assert model.layer_params == [lp.LSTM(16, input_dim=4).params + 48, 2 * lp.CIFGLSTM(8, input_dim=16).params, 17]
    assert [layer.name for layer in model] == ["peephole_lstm", "bidirectional", "dense"]


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: lp.ConvLSTM2D(0, 3), ValueError, "filters must be a positive integer, got 0"),
    (lambda: lp.ConvLSTM2D(4, 0), ValueError, "kernel_size must be a positive integer, got 0"),
    (lambda: lp.ConvLSTM2D(4, (3, 3, 3)), ValueError, r"kernel_size must be an integer or 2 integers, got \(3, 3, 3\)"),
    (lambda: lp.ConvLSTM1D(4, 2.0), TypeError, "kernel_size must be a positive integer, got 2.0"),
    (lambda: lp.ConvLSTM3D(4, 3, input_dim=-1), ValueError, "input_dim must be a positive integer, got -1"),
    (lambda: lp.ConvLSTM2D(4, 3, use_bias="yes"), TypeError, "use_bias must be True or False, got 'yes'"),
    (lambda: lp.PeepholeLSTM(0), ValueError, "units must be a positive integer, got 0"),
    (lambda: lp.CIFGLSTM(3, input_dim=1.5), TypeError, "input_dim must be a positive integer, got 1.5"),
    (lambda: lp.ConvLSTM2D(4, 3, input_dim=2).flops(spatial_shape=(4, 0)), ValueError,
     "spatial_shape must be a positive integer, got 0"),
])
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()
