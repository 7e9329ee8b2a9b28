"""The plot helpers: what they draw equals the counts of real Keras layers, and they behave.

Expected values come from Keras (``count_params()``, the variables' sizes); the package's
own layers are only used where the test is about the plot passing the count through.
"""

from __future__ import annotations

import math
import re
import time

import matplotlib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import plots

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

KERAS_SETTINGS = settings(max_examples=12, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
sizes = st.integers(min_value=1, max_value=200)
kinds = st.sampled_from(plots.KINDS)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def keras_count(keras, kind, units, input_dim, use_bias=True, reset_after=True):
    """count_params() of a real Keras layer built on (None, input_dim) inputs."""
    kwargs = {"units": units, "use_bias": use_bias}
    if kind == "GRU":
        kwargs["reset_after"] = reset_after
    layer = getattr(keras.layers, kind)(**kwargs)
    layer(keras.Input((None, input_dim)))
    return layer.count_params()


def line(ax, label):
    found = [ln for ln in ax.get_lines() if ln.get_label() == label or ln.get_label().startswith(label + ":")]
    assert len(found) == 1, [ln.get_label() for ln in ax.get_lines()]
    return found[0]


# -- data equal Keras's counts ------------------------------------------------------------
@KERAS_SETTINGS
@given(units=st.lists(sizes, min_size=1, max_size=3, unique=True), m=sizes, use_bias=st.booleans())
def test_params_vs_units_draws_keras_counts(keras, units, m, use_bias):
    ax = plots.params_vs_units(units, input_dim=m, use_bias=use_bias)
    for kind in plots.KINDS:
        ln = line(ax, kind)
        assert list(ln.get_xdata()) == units
        assert list(ln.get_ydata()) == [keras_count(keras, kind, n, m, use_bias) for n in units]


@KERAS_SETTINGS
@given(input_dims=st.lists(sizes, min_size=1, max_size=3, unique=True), n=sizes, kind=kinds)
def test_params_vs_input_dim_draws_keras_counts(keras, input_dims, n, kind):
    ax = plots.params_vs_input_dim(input_dims, units=n, kinds=[kind])
    ln = line(ax, kind)
    assert list(ln.get_xdata()) == input_dims
    assert list(ln.get_ydata()) == [keras_count(keras, kind, n, m) for m in input_dims]


@KERAS_SETTINGS
@given(m=sizes, n=sizes, kind=kinds, dtype=st.sampled_from(sorted(lp.DTYPE_BYTES)))
def test_megabytes_are_keras_bytes(keras, m, n, kind, dtype):
    ax = plots.params_vs_units([n], input_dim=m, kinds=[kind], dtype=dtype)
    expected = keras_count(keras, kind, n, m) * lp.DTYPE_BYTES[dtype] / 1024**2
    assert line(ax, kind).get_ydata()[0] == pytest.approx(expected, rel=1e-12)
    assert dtype in ax.get_ylabel() and "MB" in ax.get_ylabel()


def test_float32_megabytes_match_the_keras_summary(keras):
    """model.summary() prints 17.00 MB for LSTM(256) on 4096 features; the plot's point is the same."""
    inputs = keras.Input((16, 4096))
    model = keras.Model(inputs, keras.layers.LSTM(256)(inputs))
    lines = []
    model.summary(print_fn=lambda text, **_: lines.append(text))
    shown = re.search(r"Total params: [\d,]+ \(([\d.]+) MB\)", "\n".join(lines))
    assert shown
    ax = plots.params_vs_units([256], input_dim=4096, kinds="LSTM", dtype="float32")
    assert f"{line(ax, 'LSTM').get_ydata()[0]:.2f}" == shown.group(1)


def test_timesteps_leave_the_count_flat(keras):
    timesteps = [1, 16, 100]
    ax = plots.params_vs_timesteps(timesteps, input_dim=50, units=20)
    for kind in plots.KINDS:
        counts = []
        for t in timesteps:
            layer = getattr(keras.layers, kind)(20)
            layer(keras.Input((t, 50)))
            counts.append(layer.count_params())
        ln = line(ax, kind)
        assert list(ln.get_xdata()) == timesteps
        assert list(ln.get_ydata()) == counts
        assert "T" not in ln.get_label().split(":", 1)[1]  # the formula in the legend has no T


def test_heatmap_array_is_keras_counts(keras):
    ms, ns = [3, 40, 100], [1, 7, 64, 130]
    ax = plots.params_heatmap(ms, ns, kind="GRU")
    grid = ax.collections[0].get_array()
    assert grid.shape == (len(ns), len(ms))
    for i, n in enumerate(ns):
        for j, m in enumerate(ms):
            assert grid[i, j] == keras_count(keras, "GRU", n, m)
    assert len(ax.figure.axes) == 2  # the colour bar
    assert ax.get_xlabel().startswith("m") and ax.get_ylabel().startswith("n")


@KERAS_SETTINGS
@given(units=st.lists(sizes, min_size=1, max_size=3, unique=True), m=sizes, use_bias=st.booleans(),
       reset_after=st.booleans())
def test_kind_ratios_are_keras_ratios(keras, units, m, use_bias, reset_after):
    ax = plots.kind_ratios(units, input_dim=m, use_bias=use_bias, reset_after=reset_after)
    simple = [keras_count(keras, "SimpleRNN", n, m, use_bias) for n in units]
    for kind in plots.KINDS:
        counts = [keras_count(keras, kind, n, m, use_bias, reset_after) for n in units]
        assert list(line(ax, kind).get_ydata()) == [c / s for c, s in zip(counts, simple, strict=True)]


def test_kind_ratios_are_four_three_one_without_gru_extra_bias():
    ax = plots.kind_ratios([1, 50, 300], input_dim=17, reset_after=False)
    assert set(line(ax, "LSTM").get_ydata()) == {4.0}
    assert set(line(ax, "GRU").get_ydata()) == {3.0}
    assert set(line(ax, "SimpleRNN").get_ydata()) == {1.0}


@KERAS_SETTINGS
@given(units=st.lists(sizes, min_size=1, max_size=3, unique=True), m=sizes, kind=kinds)
def test_terms_are_the_keras_variables(keras, units, m, kind):
    ax = plots.terms_vs_units(units, input_dim=m, kind=kind)
    kernel, recurrent, bias = [], [], []
    for n in units:
        layer = getattr(keras.layers, kind)(n)
        layer(keras.Input((None, m)))
        sizes_by_name = {w.path.rsplit("/", 1)[-1]: math.prod(w.shape) for w in layer.weights}
        kernel.append(sizes_by_name["kernel"])
        recurrent.append(sizes_by_name["recurrent_kernel"])
        bias.append(sizes_by_name["bias"])
    assert list(line(ax, "input kernels W").get_ydata()) == kernel
    assert list(line(ax, "recurrent kernels U").get_ydata()) == recurrent
    assert list(line(ax, "biases b").get_ydata()) == bias


@pytest.mark.parametrize("m", [1, 37, 128])
def test_recurrent_term_overtakes_input_term_at_n_equal_m(m):
    ax = plots.terms_vs_units(range(1, 300), input_dim=m)
    marker = [ln for ln in ax.get_lines() if ln.get_label().startswith("U ≥ W")]
    assert len(marker) == 1 and list(marker[0].get_xdata()) == [m, m]


def test_no_marker_when_n_never_reaches_m():
    ax = plots.terms_vs_units([1, 2, 3], input_dim=64)
    assert not [ln for ln in ax.get_lines() if ln.get_label().startswith("U ≥ W")]


# -- the weights drawn to scale -----------------------------------------------------------
@KERAS_SETTINGS
@given(m=sizes, n=sizes, kind=kinds, bidirectional=st.booleans())
def test_weight_matrices_hold_every_keras_parameter(keras, m, n, kind, bidirectional):
    layer = plots.recurrent_layer(kind, n, m, bidirectional=bidirectional)
    k_layer = getattr(keras.layers, kind)(n)
    if bidirectional:
        k_layer = keras.layers.Bidirectional(k_layer)
    k_layer(keras.Input((None, m)))
    blocks = plots.weight_layout(layer)
    assert sum(b.rows * b.cols for b in blocks) == k_layer.count_params()
    ax = plots.weight_matrices(layer)
    assert len(ax.patches) == len(blocks) == len(layer.weights)
    svg = plots.weights_svg(layer)
    assert svg.count("<rect class='lp-w") == len(blocks)
    titles = re.findall(r"<title>[^<]*: ([\d,]+) parameters", svg)
    assert sum(int(t.replace(",", "")) for t in titles) == k_layer.count_params()


@given(m=st.integers(1, 4096), n=st.integers(1, 2048), kind=kinds)
@settings(max_examples=60, deadline=None)
def test_blocks_are_to_scale(m, n, kind):
    blocks = plots.weight_layout(plots.recurrent_layer(kind, n, m))
    scale = blocks[0].scale
    for b in blocks:  # one scale for every block, so areas compare truly; thin sides widened to 2 px
        assert b.scale == scale
        assert b.width == max(b.cols * scale, 2) and b.height == max(b.rows * scale, 2)
        assert b.exaggerated == (b.cols * scale < 2 or b.rows * scale < 2)
    right = max(b.x + b.width for b in blocks)
    bottom = max(b.y + b.height for b in blocks)
    assert right <= 560 + 1e-6 and bottom <= 420 + 1e-6
    assert math.isclose(right, 560) or math.isclose(bottom, 420)  # the largest scale that fits
    # Bigger matrix, bigger block: W (n×m) vs U (n×n) in the same gate.
    w, u = blocks[0], blocks[1]
    assert (w.width > u.width) == (m > n) or w.exaggerated or u.exaggerated or m == n


def test_weight_matrices_labels_and_rows():
    layer = lp.GRU(4, input_dim=3, reset_after=True)
    ax = plots.weight_matrices(layer)
    assert [p.get_label() for p in ax.patches] == ["W_z", "U_z", "b_xz", "b_hz", "W_r", "U_r", "b_xr", "b_hr",
                                                   "W_h", "U_h", "b_xh", "b_hh"]
    rows = [t.get_text() for t in ax.texts if t.get_text() in ("update", "reset", "candidate")]
    assert rows == ["update", "reset", "candidate"]


def test_pictures_of_pytorch_modules():
    module = lp.pytorch.LSTM(10, 20, bidirectional=True)
    blocks = plots.weight_layout(module)
    assert sum(b.rows * b.cols for b in blocks) == module.params
    assert {b.group for b in blocks} >= {"→ input", "← output"}
    assert plots.weights_svg(module).count("<rect class='lp-w") == len(module.weights)


def _painted(png: bytes, role: str) -> int:
    """Pixels of ``png`` in the fill colour of ``role`` (ROLE_COLORS at the blocks' 0.85 opacity, over white)."""
    import io

    import matplotlib.image as mpimg
    import numpy as np
    from matplotlib.colors import to_rgb

    pixels = mpimg.imread(io.BytesIO(png))[..., :3]
    fill = np.array(to_rgb(plots.ROLE_COLORS[role])) * 0.85 + 0.15
    return int((np.abs(pixels - fill).max(axis=-1) < 3 / 255).sum())


@pytest.mark.parametrize(("m", "n"), [(50, 100), (300, 100), (64, 64)])
def test_png_picture_draws_the_weights_to_scale(m, n):
    """The PNG a notebook stores (what untrusted renderers show): W and U areas compare as n·m to n·n."""
    layer = plots.recurrent_layer("LSTM", n, m)
    picture = plots.WeightsPicture(layer)
    png, size = picture._repr_png_()
    assert png == plots.weights_png(layer) and size["width"] == 560
    w_pixels, u_pixels = _painted(png, "input"), _painted(png, "recurrent")
    assert w_pixels / u_pixels == pytest.approx(m / n, rel=0.05)
    assert _painted(png, "bias") > 0  # the thin bias strips, widened to stay visible
    assert str(picture).splitlines()[0] == f"LSTM weights to scale (m = {m:,}, n = {n:,}): {layer.params:,} parameters"


def test_png_picture_leaves_pyplot_alone(monkeypatch):
    before = (plt.get_fignums(), dict(matplotlib.rcParams))
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    plots.weights_png(lp.GRU(4, input_dim=3))
    assert (plt.get_fignums(), dict(matplotlib.rcParams)) == before  # no figure left for the inline backend


# -- behaviour ----------------------------------------------------------------------------
HELPERS = [
    lambda ax: plots.params_vs_units([1, 2], ax=ax),
    lambda ax: plots.params_vs_input_dim([1, 2], ax=ax),
    lambda ax: plots.params_vs_timesteps([1, 2], ax=ax),
    lambda ax: plots.params_heatmap([1, 2], [1, 2], ax=ax, colorbar=False),
    lambda ax: plots.kind_ratios([1, 2], ax=ax),
    lambda ax: plots.terms_vs_units([1, 2], ax=ax),
    lambda ax: plots.weight_matrices(lp.LSTM(3, input_dim=2), ax=ax),
]


@pytest.mark.parametrize("draw", HELPERS)
def test_returns_axes_and_draws_on_the_given_one(draw):
    made = draw(None)
    assert isinstance(made, Axes)
    _, ax = plt.subplots()
    assert draw(ax) is ax
    assert ax.has_data() or ax.patches


@pytest.mark.parametrize("draw", HELPERS)
def test_never_shows_and_leaves_rcparams_alone(draw, monkeypatch):
    before = dict(matplotlib.rcParams)
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    draw(None)
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: plots.params_vs_units([1, 0]), ValueError, "units[1] must be a positive integer, got 0"),
    (lambda: plots.params_vs_units([]), ValueError, "units must hold at least one value"),
    (lambda: plots.params_vs_units("12"), TypeError, "units must be a sequence of positive integers, got '12'"),
    (lambda: plots.params_vs_units([2.5]), TypeError, "units[0] must be a positive integer, got 2.5"),
    (lambda: plots.params_vs_units(input_dim=-3), ValueError, "input_dim must be a positive integer, got -3"),
    (lambda: plots.params_vs_units(kinds=["LSTM", "lstm"]), ValueError, "kinds[1] must be one of"),
    (lambda: plots.params_vs_units(kinds=[]), ValueError, "kinds must hold at least one of"),
    (lambda: plots.params_vs_units(dtype="float8"), ValueError, "dtype must be one of"),
    (lambda: plots.params_vs_units(use_bias="no"), TypeError, "use_bias must be True or False"),
    (lambda: plots.params_vs_units(ax="left"), TypeError, "ax must be a matplotlib Axes or None, got 'left'"),
    (lambda: plots.params_vs_input_dim(units=0), ValueError, "units must be a positive integer, got 0"),
    (lambda: plots.params_vs_timesteps([0]), ValueError, "timesteps[0] must be a positive integer, got 0"),
    (lambda: plots.params_heatmap([1], [1], kind="LSTMs"), ValueError, "kind must be one of"),
    (lambda: plots.params_heatmap([1], [1], colorbar=1), TypeError, "colorbar must be True or False"),
    (lambda: plots.kind_ratios(reset_after=None), TypeError, "reset_after must be True or False"),
    (lambda: plots.terms_vs_units(kind="Dense"), ValueError, "kind must be one of"),
    (lambda: plots.weight_matrices("LSTM"), TypeError, "layer must be a layer with a list of weights"),
    (lambda: plots.weight_matrices(lp.LSTM(3)), ValueError, "input_dim is unknown"),
    (lambda: plots.weight_layout(lp.LSTM(3, input_dim=2), width=10), ValueError, "leave no room"),
    (lambda: plots.weights_svg(lp.LSTM(3, input_dim=2), width=0), ValueError, "width must be a positive integer"),
    (lambda: plots.weights_png(lp.LSTM(3, input_dim=2), scale=0), ValueError, "scale must be a positive integer"),
    (lambda: plots.WeightsPicture("LSTM"), TypeError, "layer must be a layer with a list of weights"),
    (lambda: plots.WeightsPicture(lp.LSTM(3, input_dim=2), max_height=0), ValueError,
     "max_height must be a positive integer, got 0"),
    (lambda: plots.recurrent_layer("GRU", 0, 3), ValueError, "units must be a positive integer, got 0"),
    (lambda: plots.recurrent_layer("LSTM", 3, 3, bidirectional="yes"), TypeError, "bidirectional must be True"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: plots.params_vs_units(range(1, 10**12)), "units must hold at most 100,000 values"),
    (lambda: plots.params_vs_input_dim(iter(range(1, 10**12))), "input_dims must hold at most 100,000 values"),
    (lambda: plots.params_vs_timesteps(range(1, 200_002)), "timesteps must hold at most 100,000 values"),
    (lambda: plots.params_heatmap(range(1, 2001), range(1, 1001)), "at most 1,000,000 cells"),
])
def test_a_plot_refuses_more_points_than_anyone_can_see_at_once(call, message):
    """The fuzz found `params_vs_units(range(1, 10**7))` running for minutes: now a clear refusal, at once."""
    start = time.perf_counter()
    with pytest.raises(ValueError, match=message):
        call()
    assert time.perf_counter() - start < 2
