"""lp.tool_counts reproduces what thop, ptflops, torchinfo and FlopCounterMode report, run on the same module.

Each case builds the real ``torch.nn`` module, runs the real tool on a (batch, steps, m) input and
compares its number with :func:`lstm_params.crosswalk.tool_counts`; the conventions themselves are
written in that module's docstring.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt

torch = pytest.importorskip("torch", reason="the [torch] extra: make install puts it in .venv")
thop = pytest.importorskip("thop", reason="the [test] extra: make install puts it in .venv")
ptflops = pytest.importorskip("ptflops", reason="the [test] extra: make install puts it in .venv")
torchinfo = pytest.importorskip("torchinfo", reason="the [test] extra: make install puts it in .venv")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

nn = torch.nn


def measured(module: Any, steps: int, batch: int, m: int) -> dict[str, int]:
    """What each tool says for ``module`` on a (batch, steps, m) input."""
    x = torch.randn(batch, steps, m)
    out: dict[str, int] = {}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        out["thop"] = int(thop.profile(module, inputs=(x,), verbose=False)[0])
        out["ptflops"] = int(ptflops.get_model_complexity_info(
            module, (steps, m), input_constructor=lambda _: x, as_strings=False,
            print_per_layer_stat=False, backend="pytorch")[0])
        out["torchinfo"] = int(torchinfo.summary(module, input_data=x, verbose=0).total_mult_adds)
        for key, onednn in (("FlopCounterMode", False), ("FlopCounterMode (fused LSTM)", True)):
            with torch.backends.mkldnn.flags(enabled=onednn), FlopCounterMode(display=False) as counter:
                module(x)
            out[key] = counter.get_total_flops()
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["LSTM", "GRU", "RNN"]), m=st.integers(1, 12), n=st.integers(2, 12),
       layers=st.integers(1, 3), bias=st.booleans(), bidirectional=st.booleans(), data=st.data(),
       steps=st.integers(1, 5), batch=st.integers(1, 4))
def test_recurrent_modules(kind: str, m: int, n: int, layers: int, bias: bool, bidirectional: bool, data: Any,
                           steps: int, batch: int) -> None:
    extra = {"proj_size": data.draw(st.integers(0, n - 1))} if kind == "LSTM" else {}
    module = getattr(nn, kind)(m, n, num_layers=layers, bias=bias, bidirectional=bidirectional, batch_first=True,
                               **extra)
    ours = lp.tool_counts(getattr(pt, kind)(m, n, num_layers=layers, bias=bias, bidirectional=bidirectional,
                                            **extra), steps, batch)
    tools = measured(module, steps, batch, m)
    assert {key: ours[key] for key in tools} == tools
    assert ours["macs"] * 2 == tools["FlopCounterMode"]


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 12), n=st.integers(1, 12), bias=st.booleans(), steps=st.integers(1, 5),
       batch=st.integers(1, 4))
def test_linear(m: int, n: int, bias: bool, steps: int, batch: int) -> None:
    ours = lp.tool_counts(lp.Dense(n, input_dim=m, use_bias=bias), steps, batch)
    tools = measured(nn.Linear(m, n, bias=bias), steps, batch, m)
    assert {key: ours[key] for key in tools} == tools
    assert ours["torchinfo"] == (m * n + (n if bias else 0)) * batch  # the steps are left out


def test_the_tools_disagree_on_one_lstm() -> None:
    """nn.LSTM(4096, 256) at batch 32 × 100 steps: four different numbers for one layer, each explained."""
    n, m, steps, batch = 256, 4096, 100, 32
    counts = lp.tool_counts(pt.LSTM(m, n), steps, batch)
    rows = steps * batch
    assert counts["macs"] == 4 * n * (m + n) * rows
    assert counts["thop"] == (4 * n * (m + n) + 16 * n) * rows
    assert counts["ptflops"] == (4 * n * (m + n) + 18 * n) * steps  # per sample
    assert counts["torchinfo"] == 4 * n * (m + n + 2) * rows  # the parameters, biases included
    assert counts["FlopCounterMode"] == 2 * counts["macs"] and counts["FlopCounterMode (fused LSTM)"] == 0


def test_refuses_what_it_cannot_map() -> None:
    with pytest.raises(TypeError, match=r"module must be a pytorch\.LSTM, .* got LSTM"):
        lp.tool_counts(lp.LSTM(3, input_dim=2))
    with pytest.raises(TypeError, match="Dense with its input_dim"):
        lp.tool_counts(lp.Dense(3))
    with pytest.raises(ValueError, match="timesteps must be a positive integer, got 0"):
        lp.tool_counts(pt.GRU(2, 3), 0)
