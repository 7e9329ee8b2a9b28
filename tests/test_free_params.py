"""Free parameters of PyTorch's recurrent modules: which recurrent biases fold, checked with real torch.

A recurrent bias b_h· that is only ever added to its input bias b_i· folds into it: add it to
b_i·, zero it, and the module's outputs do not change. The package says which ones fold
(``free_params``, ``free_formula``); here real ``torch.nn`` modules are folded and run, so the
claim rests on PyTorch's own forward pass, not on the package:

- LSTM and RNN: every recurrent bias folds, so the free count is Keras's, 4(nm + n² + n) and nm + n² + n;
- GRU: b_hr and b_hz fold, b_hn does not (the reset gate multiplies W_hn h + b_hn, bias included),
  so 3(nm + n² + n) + n.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt

pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")]

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
AGREE = 1e-5  # float32 outputs of σ and tanh that agree to this are the same numbers
DIFFER = 1e-2  # a bias of normal(0, 1) moved out of the reset product changes outputs by far more


@st.composite
def modules(draw):
    """(kind, kwargs): any option of torch.nn, with the biases on (without them nothing folds)."""
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN"]))
    hidden = draw(st.integers(2, 24))
    kwargs = {"input_size": draw(st.integers(1, 24)), "hidden_size": hidden, "num_layers": draw(st.integers(1, 3)),
              "bidirectional": draw(st.booleans())}
    if kind == "LSTM" and draw(st.booleans()):
        kwargs["proj_size"] = draw(st.integers(1, hidden - 1))
    if kind == "RNN":
        kwargs["nonlinearity"] = draw(st.sampled_from(pt.NONLINEARITIES))
    return kind, kwargs


def _outputs(torch, module, x):
    with torch.no_grad():
        return module(x)[0]


def _folded(module, pieces):
    """A copy of ``module`` with each recurrent bias piece added to the input bias of its gate, then zeroed."""
    copy = type(module)(**_config(module))
    state = {name: tensor.clone() for name, tensor in module.state_dict().items()}
    for piece in pieces:
        assert piece.role == "recurrent bias"
        target = piece.variable.replace("bias_hh", "bias_ih")
        state[target][piece.key] += state[piece.variable][piece.key]
        state[piece.variable][piece.key] = 0.0
    copy.load_state_dict(state)
    return copy


def _config(module):
    config = {"input_size": module.input_size, "hidden_size": module.hidden_size, "num_layers": module.num_layers,
              "bias": module.bias, "bidirectional": module.bidirectional}
    if type(module).__name__ == "RNN":
        config["nonlinearity"] = module.nonlinearity
    if module.proj_size:
        config["proj_size"] = module.proj_size
    return config


def _random_biases(torch, module):
    """Biases of normal(0, 1): PyTorch's default init is small, which would hide a difference."""
    with torch.no_grad():
        for name, tensor in module.named_parameters():
            if name.startswith("bias"):
                tensor.normal_()


@SETTINGS
@given(spec=modules())
def test_folding_what_the_package_calls_redundant_changes_no_output(torch, spec):
    kind, kwargs = spec
    module = getattr(torch.nn, kind)(**kwargs)
    _random_biases(torch, module)
    ours = getattr(pt, kind)(**kwargs)
    folding = [w for w in ours.weights if w.role == "recurrent bias" and w.gate in ours.folding_gates]
    x = torch.randn(5, 2, kwargs["input_size"])
    torch.testing.assert_close(_outputs(torch, _folded(module, folding), x), _outputs(torch, module, x),
                               rtol=0, atol=AGREE)
    # What folds is zero after folding: the free count is the rest.
    assert ours.free_params == ours.params - sum(w.size for w in folding)
    assert ours.free_formula.value == ours.free_params


@pytest.mark.parametrize("kwargs", [{}, {"num_layers": 2}, {"bidirectional": True}])
def test_the_gru_candidates_recurrent_bias_does_not_fold(torch, kwargs):
    module = torch.nn.GRU(6, 5, **kwargs)
    _random_biases(torch, module)
    ours = pt.GRU(6, 5, **kwargs)
    candidate = [w for w in ours.weights if w.role == "recurrent bias" and w.gate == "new"]
    assert candidate and "new" not in ours.folding_gates
    x = torch.randn(5, 2, 6)
    moved = _outputs(torch, _folded(module, candidate), x)
    assert (moved - _outputs(torch, module, x)).abs().max() > DIFFER


def test_the_free_counts_have_the_derived_formulas():
    m, n = 4096, 256
    # LSTM and RNN: every second bias folds, leaving Keras's count.
    assert pt.LSTM(m, n).free_params == 4 * (n * m + n**2 + n) == lp.LSTM(n, input_dim=m).params
    assert pt.RNN(m, n).free_params == n * m + n**2 + n == lp.SimpleRNN(n, input_dim=m).params
    assert pt.LSTM(m, n).params - pt.LSTM(m, n).free_params == 4 * n
    # GRU: b_hn stays, so n more than one bias per gate.
    gru = pt.GRU(m, n)
    assert gru.free_params == 3 * (n * m + n**2 + n) + n
    assert gru.free_params == lp.GRU(n, input_dim=m, reset_after=False).params + n
    assert gru.params - gru.free_params == 2 * n
    assert gru.free_formula(m=m, n=n) == gru.free_params
    assert pt.LSTM(m, n).free_formula.expanded == lp.LSTM(n, input_dim=m).formula.expanded


def test_free_params_scale_with_layers_and_directions():
    one = pt.GRU(8, 8)
    stack = pt.GRU(8, 8, num_layers=10**6, bidirectional=True)  # counted without listing the weights
    assert stack.params - stack.free_params == 2 * 10**6 * (one.params - one.free_params)
    assert pt.LSTM(8, 8, bias=False).free_params == pt.LSTM(8, 8, bias=False).params  # nothing to fold


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_the_cells_fold_as_their_modules(torch, kind):
    """nn.LSTMCell, nn.GRUCell, nn.RNNCell: one step of the module, the same biases fold."""
    cell = getattr(torch.nn, kind)(6, 5)
    _random_biases(torch, cell)
    ours = getattr(pt, kind)(6, 5)
    module = getattr(pt, kind.removesuffix("Cell"))(6, 5)
    assert ours.free_params == module.free_params and ours.free_formula == module.free_formula
    folding = [w for w in ours.weights if w.role == "recurrent bias" and w.gate in ours.folding_gates]
    copy = getattr(torch.nn, kind)(6, 5)
    state = {name: tensor.clone() for name, tensor in cell.state_dict().items()}
    for piece in folding:
        state["bias_ih"][piece.key] += state["bias_hh"][piece.key]
        state["bias_hh"][piece.key] = 0.0
    copy.load_state_dict(state)
    x = torch.randn(3, 6)
    with torch.no_grad():
        out, folded = cell(x), copy(x)
    if kind == "LSTMCell":
        out, folded = out[0], folded[0]  # (h, c): h
    torch.testing.assert_close(folded, out, rtol=0, atol=AGREE)
    assert ours.params - ours.free_params == sum(w.size for w in folding)
