"""ConvLSTM with Shi et al.'s peepholes (arXiv 1506.04214, eq. 3) against a PyTorch module written from the paper.

No framework ships this layer, so the reference is the paper's equations in PyTorch: X and H go through
convolutions (one kernel per gate, one bias per gate, as Keras's ConvLSTM), and the peepholes W_ci, W_cf, W_co
multiply the cell state elementwise (Hadamard), so each is a tensor of the state's full shape.  The expected
count is ``sum(p.numel() for p in module.parameters())``; the module runs a step, so the shapes really fit.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def shi_conv_lstm(torch, rank, channels, filters, kernel, spatial, use_bias):
    """One ConvLSTM step of Shi et al. (2015), eq. 3; torch's channels-first layout (C, s₁, …)."""
    nn = torch.nn
    conv = getattr(nn, f"Conv{rank}d")

    class ShiConvLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.x = conv(channels, 4 * filters, kernel, padding="same", bias=use_bias)  # W_xi, W_xf, W_xc, W_xo
            self.h = conv(filters, 4 * filters, kernel, padding="same", bias=False)  # W_hi, W_hf, W_hc, W_ho
            self.w_ci = nn.Parameter(torch.zeros(filters, *spatial))
            self.w_cf = nn.Parameter(torch.zeros(filters, *spatial))
            self.w_co = nn.Parameter(torch.zeros(filters, *spatial))

        def forward(self, x, h, c):
            i, f, g, o = (self.x(x) + self.h(h)).chunk(4, dim=1)
            i = torch.sigmoid(i + self.w_ci * c)
            f = torch.sigmoid(f + self.w_cf * c)
            c = f * c + i * torch.tanh(g)
            o = torch.sigmoid(o + self.w_co * c)
            return o * torch.tanh(c), c

    return ShiConvLSTM()


@st.composite
def configs(draw):
    rank = draw(st.integers(1, 3))
    kernel = tuple(draw(st.lists(st.sampled_from([1, 3]), min_size=rank, max_size=rank)))  # odd: "same" padding
    spatial = tuple(draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    return rank, kernel, spatial, draw(st.integers(1, 6)), draw(st.integers(1, 8)), draw(st.booleans())


@pytest.mark.torch
@SETTINGS
@given(config=configs())
def test_peephole_conv_lstm_matches_the_paper_in_torch(torch, config):
    rank, kernel, spatial, channels, filters, use_bias = config
    module = shi_conv_lstm(torch, rank, channels, filters, kernel, spatial, use_bias)
    state = torch.zeros(2, filters, *spatial)
    h, c = module(torch.randn(2, channels, *spatial), state, state)
    assert tuple(h.shape) == tuple(c.shape) == (2, filters, *spatial)
    layer = getattr(lp, f"ConvLSTM{rank}D")(filters, kernel, input_dim=channels, use_bias=use_bias, peephole=True,
                                            spatial_shape=spatial)
    assert layer.params == sum(p.numel() for p in module.parameters())
    assert layer.formula.value == layer.params
    peepholes = [w for w in layer.weights if w.role == "peephole"]
    assert [w.name for w in peepholes] == ["W_ci", "W_cf", "W_co"]
    assert all(w.shape == (*spatial, filters) for w in peepholes)
    plain = getattr(lp, f"ConvLSTM{rank}D")(filters, kernel, input_dim=channels, use_bias=use_bias)
    assert layer.params - plain.params == 3 * math.prod(spatial) * filters


@pytest.mark.torch
def test_without_peepholes_the_reference_is_keras_count(torch):
    module = shi_conv_lstm(torch, 2, 3, 5, (3, 3), (4, 4), True)
    without = sum(p.numel() for name, p in module.named_parameters() if not name.startswith("w_c"))
    assert lp.ConvLSTM2D(5, (3, 3), input_dim=3).params == without == 4 * 5 * (9 * (3 + 5) + 1)


def test_formula_names_the_state():
    layer = lp.ConvLSTM2D(8, 3, input_dim=2, peephole=True, spatial_shape=(16, 12))
    assert layer.formula.expanded == "4k₁k₂CF + 4k₁k₂F² + 4F + 3s₁s₂F"
    assert layer.formula.values["s1"] == 16 and layer.formula.values["s2"] == 12
    assert "peephole=True, spatial_shape=(16, 12)" in repr(layer)
    assert layer.with_input_dim(2) == layer
    assert lp.Bidirectional(layer).params == 2 * layer.params


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"peephole": True}, "spatial_shape is needed with peephole=True"),
    ({"spatial_shape": (4, 4)}, "spatial_shape is only read with peephole=True"),
    ({"peephole": True, "spatial_shape": (4,)}, "spatial_shape must be 2 positive integers"),
    ({"peephole": True, "spatial_shape": (4, 0)}, "spatial_shape must be a positive integer, got 0"),
    ({"peephole": True, "spatial_shape": 4}, "spatial_shape must be 2 positive integers"),
    ({"peephole": "yes", "spatial_shape": (4, 4)}, "peephole must be True or False"),
])
def test_refusals(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        lp.ConvLSTM2D(4, 3, input_dim=2, **kwargs)


def test_flops_are_refused_not_miscounted():
    layer = lp.ConvLSTM2D(4, 3, input_dim=2, peephole=True, spatial_shape=(4, 4))
    with pytest.raises(ValueError, match="spatial_shape: the FLOPs of a ConvLSTM with peephole=True"):
        layer.flops(spatial_shape=(4, 4))
