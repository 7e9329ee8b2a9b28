"""The statements the notebooks 01-04 teach, checked against real Keras layers (issue 12).

Each test pins one sentence of a notebook to counts that Keras itself reports, never to
the package alone:

1. notebook 04: one more LSTM unit adds f(n+1) - f(n) = 4(m + 2n + 2), not the
   derivative 4(m + 2n + 1) (18,440 against 18,436 at m = 4096, n = 256);
2. notebook 04: Keras's default GRU is exactly 3 + 3/(m + n + 1) SimpleRNNs, so the
   excess depends on m + n, not on the layer's size (25 -> 100 gives 3.0238, 128 -> 1 3.0231);
3. notebook 01: the initial bias of 1 marks the forget block, but the three other blocks
   are all zeros, so only a forward pass (notebook 02) pins the order i, f, c, o;
4. notebook 04: the parameters stay flat over T while the FLOPs of a sequence grow with it.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import lstm_params as lp

SIZES = [(1, 1), (3, 7), (25, 100), (128, 1), (80, 12), (300, 150), (4096, 256)]  # (m, n)


def keras_count(keras, kind, units, input_dim, **options):
    layer = getattr(keras.layers, kind)(units, **options)
    layer(keras.Input((None, input_dim)))
    return layer.count_params()


@pytest.mark.parametrize("m, n", SIZES)
def test_one_more_unit_adds_the_step_not_the_derivative(keras, m, n):
    step = keras_count(keras, "LSTM", n + 1, m) - keras_count(keras, "LSTM", n, m)
    assert step == 4 * (m + 2 * n + 2)
    assert step - 4 * (m + 2 * n + 1) == 4  # the derivative is short by the 1 of (n + 1)², in each of 4 U's
    assert keras_count(keras, "LSTM", n, m + 1) - keras_count(keras, "LSTM", n, m) == 4 * n < step


def test_the_step_at_the_famous_size():
    m, n = 4096, 256
    assert lp.LSTM(n + 1, input_dim=m).params - lp.LSTM(n, input_dim=m).params == 18_440
    assert 4 * (m + 2 * n + 1) == 18_436


@pytest.mark.parametrize("m, n", SIZES)
def test_gru_is_exactly_three_plus_three_over_m_n_1_simple_rnns(keras, m, n):
    gru, simple = keras_count(keras, "GRU", n, m), keras_count(keras, "SimpleRNN", n, m)
    assert Fraction(gru, simple) == 3 + Fraction(3, m + n + 1)
    assert keras_count(keras, "GRU", n, m, reset_after=False) == 3 * simple
    assert keras_count(keras, "LSTM", n, m) == 4 * simple


def test_the_excess_follows_m_plus_n_not_the_layer_size(keras):
    def ratio(m, n):
        return keras_count(keras, "GRU", n, m) / keras_count(keras, "SimpleRNN", n, m)

    assert f"{ratio(25, 100):.4f}" == "3.0238" and f"{ratio(128, 1):.4f}" == "3.0231"
    # the bigger layer (25 -> 100) is further from 3 than the smaller one (128 -> 1)
    assert keras_count(keras, "LSTM", 100, 25) > keras_count(keras, "LSTM", 1, 128)
    assert ratio(25, 100) > ratio(128, 1)
    assert ratio(1, 1) == 4.0  # the largest excess, at the smallest layer


def _forward(x, kernel, recurrent_kernel, bias, order):
    """A NumPy LSTM reading Keras's packed variables with the gate blocks in ``order``."""
    n = recurrent_kernel.shape[0]
    block = {gate: slice(k * n, (k + 1) * n) for k, gate in enumerate(order)}

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    h = c = np.zeros((x.shape[0], n))
    for t in range(x.shape[1]):
        z = {g: x[:, t] @ kernel[:, s] + h @ recurrent_kernel[:, s] + bias[s] for g, s in block.items()}
        c = sigmoid(z["f"]) * c + sigmoid(z["i"]) * np.tanh(z["c"])
        h = sigmoid(z["o"]) * np.tanh(c)
    return h


def test_the_forget_bias_marks_one_block_and_only_a_forward_pass_pins_the_order(keras):
    m, n = 3, 4
    layer = keras.layers.LSTM(n)
    layer(keras.Input((None, m)))
    bias = layer.weights[2].numpy()
    assert np.all(bias[n:2 * n] == 1) and np.all(np.delete(bias, np.s_[n:2 * n]) == 0)
    # every order with f second fits the initial bias equally well: i, c, o cannot be told apart by it
    fits = [order for order in itertools.permutations("ifco")
            if np.all(bias[order.index("f") * n:(order.index("f") + 1) * n] == 1)]
    assert len(fits) == 6

    rng = np.random.default_rng(0)
    layer.set_weights([rng.normal(scale=0.5, size=v.shape).astype("float32") for v in layer.weights])
    kernel, recurrent_kernel, bias = (v.numpy().astype(np.float64) for v in layer.weights)
    x = rng.normal(size=(2, 5, m)).astype("float32")
    keras_h = np.asarray(layer(x))
    matches = [order for order in itertools.permutations("ifco")
               if np.allclose(_forward(x.astype(np.float64), kernel, recurrent_kernel, bias, order), keras_h,
                              atol=1e-5)]
    assert matches == [("i", "f", "c", "o")]


@pytest.mark.parametrize("m, n", [(4096, 256), (25, 100)])
def test_parameters_are_flat_in_t_while_flops_grow(keras, m, n):
    layer = lp.LSTM(n, input_dim=m)
    for t in (1, 16, 100):
        keras_layer = keras.layers.LSTM(n)
        keras_layer(keras.Input((t, m)))
        assert keras_layer.count_params() == layer.params
        assert lp.flops(layer, timesteps=t) == t * lp.flops(layer)


def test_plots_show_it(keras):
    from lstm_params import plots

    ax = plots.params_vs_timesteps([1, 10, 100], input_dim=25, units=100, kinds="LSTM", flops=True)
    params, work = ax.get_lines()
    assert set(params.get_ydata()) == {keras_count(keras, "LSTM", 100, 25)}
    assert list(work.get_ydata()) == [lp.flops(lp.LSTM(100, input_dim=25), timesteps=t) for t in (1, 10, 100)]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    heat = plots.params_heatmap()
    assert heat.get_xscale() == heat.get_yscale() == "log"
    assert [t.get_text() for t in heat.get_xticklabels()][:3] == ["8", "16", "32"]
    assert heat.collections[0].get_array()[0, 0] == keras_count(keras, "LSTM", 8, 8)
    with pytest.raises(ValueError, match="flops=True counts operations"):
        plots.params_vs_timesteps([1], flops=True, dtype="float32")
