"""lp.LSTMP, the projection LSTM of Sak, Senior & Beaufays (2014), against its three references.

* TensorFlow 1's ``LSTMCell(num_units, num_proj=..., use_peepholes=...)``: the variable shapes below are typed
  from its ``build`` (tensorflow/python/ops/rnn_cell_impl.py): ``kernel`` [input_depth + num_proj, 4·num_units],
  ``bias`` [4·num_units], ``w_f_diag``/``w_i_diag``/``w_o_diag`` [num_units], ``projection/kernel``
  [num_units, num_proj].  That class no longer runs next to Keras 3 (TensorFlow 2.21 raises "LSTMCell is not
  available with Keras 3"), so the shapes are the check.
* ``torch.nn.LSTM(proj_size=p)`` (p < n only): the same W, U and P, but two biases per gate and no peepholes.
* The paper's own count (Sak et al. 2014, section 2): N = n_c·n_r·4 + n_i·n_c·4 + n_r·n_o + n_c·n_r + n_c·3,
  biases ignored and n_o the output layer's units.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
sizes = st.integers(1, 64)


def tf1_variables(m, n, p, peepholes):
    """What TensorFlow 1's LSTMCell(n, num_proj=p, use_peepholes=...).build([None, m]) creates, in order."""
    out = {"kernel": (m + p, 4 * n), "bias": (4 * n,)}
    if peepholes:
        out |= {"w_f_diag": (n,), "w_i_diag": (n,), "w_o_diag": (n,)}
    return out | {"projection/kernel": (n, p)}


@SETTINGS
@given(m=sizes, n=sizes, p=sizes, peephole=st.booleans())
def test_tensorflow1_variables(m, n, p, peephole):
    layer = lp.LSTMP(n, p, input_dim=m, peephole=peephole)
    expected = tf1_variables(m, n, p, peephole)
    assert layer.variables == expected
    assert layer.params == sum(math.prod(shape) for shape in expected.values())
    assert layer.output_dim == p


def test_projection_may_equal_units():
    layer = lp.LSTMP(256, 256, input_dim=40)
    assert layer.variables == tf1_variables(40, 256, 256, False)
    assert layer.params == 4 * 256 * (40 + 256 + 1) + 256 * 256


@SETTINGS
@given(m=sizes, n=sizes, p=sizes)
def test_paper_formula(m, n, p):
    # Sak et al. 2014 with the output layer left out (n_o = 0) and the biases added back (one per gate and cell).
    paper = n * p * 4 + m * n * 4 + p * 0 + n * p + n * 3
    assert lp.LSTMP(n, p, input_dim=m, peephole=True).params == paper + 4 * n


@pytest.mark.torch
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=sizes, n=st.integers(2, 64), data=st.data())
def test_torch_projection_lstm(torch, m, n, data):
    p = data.draw(st.integers(1, n - 1))  # torch requires proj_size < hidden_size
    module = torch.nn.LSTM(m, n, proj_size=p)
    shapes = {name: tuple(t.shape) for name, t in module.named_parameters()}
    assert shapes == {"weight_ih_l0": (4 * n, m), "weight_hh_l0": (4 * n, p), "bias_ih_l0": (4 * n,),
                      "bias_hh_l0": (4 * n,), "weight_hr_l0": (p, n)}
    ours = lp.LSTMP(n, p, input_dim=m)
    # PyTorch's second bias vector (bias_hh: 4n) is the whole difference; W, U and P are the same tensors.
    assert sum(t.numel() for t in module.parameters()) - 4 * n == ours.params
    pieces = {(w.role, w.gate): w.shape for w in ours.weights}
    assert pieces[("input kernel", "input")] == (n, m) and pieces[("recurrent kernel", "forget")] == (n, p)
    assert pieces[("projection", "")] == shapes["weight_hr_l0"]
    with pytest.raises(ValueError, match="proj_size"):
        torch.nn.LSTM(m, n, proj_size=n)  # where TensorFlow 1 (and lp.LSTMP) accept p = n


def test_formula_and_stacking():
    layer = lp.LSTMP(8, 4, input_dim=3, peephole=True)
    assert layer.formula.expanded == "4nm + 5np + 7n" and layer.formula() == layer.params
    model = lp.Sequential([lp.LSTMP(8, 4, return_sequences=True), lp.LSTM(2)], input_dim=3)
    assert model.layer_params == [lp.LSTMP(8, 4, input_dim=3).params, lp.LSTM(2, input_dim=4).params]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"units": 0, "proj_units": 4}, "units"), ({"units": 4, "proj_units": 0}, "proj_units"),
    ({"units": 4, "proj_units": "4"}, "proj_units"), ({"units": 4, "proj_units": 2, "peephole": "yes"}, "peephole"),
])
def test_bad_input_names_the_argument(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        lp.LSTMP(**kwargs)
