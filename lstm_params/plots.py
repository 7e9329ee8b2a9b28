"""Pictures of the count: how it grows with m and n, and where the weights sit.

Every number drawn comes from the package's counting code (:attr:`Layer.params`,
:attr:`Layer.weights`, :meth:`Layer.memory_bytes`); nothing here re-types a formula.
matplotlib is imported inside the functions, so ``import lstm_params`` stays light.

Every matplotlib helper takes ``ax=None`` (a new figure is made when it is None),
returns the Axes it drew on, never calls ``plt.show()`` and never changes rcParams.
The ``dtype`` argument of the growth plots switches the y axis from parameters to
megabytes of weights at that dtype (1 MB = 1024² bytes, as ``model.summary()`` prints).

============================  ===================================================
helper                        what it shows
============================  ===================================================
:func:`params_vs_units`       quadratic growth in n (one line per layer kind)
:func:`params_vs_input_dim`   linear growth in m
:func:`params_vs_timesteps`   flat: the sequence length never enters the count
:func:`params_heatmap`        the count over a grid of (m, n)
:func:`kind_ratios`           LSTM : GRU : SimpleRNN ≈ 4 : 3 : 1
:func:`terms_vs_units`        the input (nm), recurrent (n²) and bias (n) terms; n² overtakes nm at n = m
:func:`weight_matrices`       every W, U and b of a layer drawn to scale
============================  ===================================================

:func:`weights_svg` draws the same picture as :func:`weight_matrices` as an SVG
string without matplotlib (the slider explorer uses it), and :func:`weight_layout`
is the geometry both share. :func:`weights_png` renders :func:`weight_matrices` to
PNG bytes, and :class:`WeightsPicture` shows them in Jupyter as an ``image/png``
output with a text description: a picture a notebook stores that way is drawn by
every renderer, trusted or not (SVG inside an HTML output is stripped by the
sanitizers of untrusted JupyterLab, GitHub and nbviewer, leaving its labels as text).

>>> layer = recurrent_layer("LSTM", units=256, input_dim=4096)
>>> layer.params
4457472
>>> [(b.label, b.rows, b.cols) for b in weight_layout(layer)[:2]]
[('W_i', 256, 4096), ('U_i', 256, 256)]
>>> weights_svg(layer).startswith("<svg")
True
"""

from __future__ import annotations

import html
import io
import itertools
import math
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _validate as v
from .formula import Formula
from .frameworks import require
from .hardware import dtype_bytes
from .layers import GRU, LSTM, Bidirectional, Layer, Recurrent, SimpleRNN
from .weights import Weight

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "KINDS",
    "recurrent_layer",
    "params_vs_units",
    "params_vs_input_dim",
    "params_vs_timesteps",
    "params_heatmap",
    "kind_ratios",
    "terms_vs_units",
    "role_terms",
    "weight_matrices",
    "weight_layout",
    "weight_groups",
    "weight_place",
    "weights_svg",
    "weights_png",
    "WeightsPicture",
    "Block",
    "ROLE_COLORS",
    "MEGABYTE",
]

#: The recurrent layer kinds the plots compare, in Keras's names.
KINDS: tuple[str, ...] = ("LSTM", "GRU", "SimpleRNN")
_CLASSES: dict[str, type[Recurrent]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
#: Bytes in the megabyte of the plots' y axes: binary, as ``model.summary()`` prints.
MEGABYTE = 1024**2
#: One colour per kind of weight, shared by the matplotlib and SVG pictures.
ROLE_COLORS: dict[str, str] = {
    "input": "#4c78a8",      # input kernels W (n×m)
    "recurrent": "#f58518",  # recurrent kernels U (n×n)
    "bias": "#54a24b",       # biases b (n)
    "other": "#9d755d",      # projections, peepholes, embeddings...
}
_KIND_COLORS = {"LSTM": "#4c78a8", "GRU": "#e45756", "SimpleRNN": "#72b7b2"}
_KIND_STYLES = {"LSTM": "-", "GRU": "--", "SimpleRNN": ":"}


# -- validation helpers ---------------------------------------------------------------
#: At most this many points along one axis of a plot (a plot is read by eye: 1,000 points are plenty).
MAX_POINTS = 100_000


def _sizes(name: str, values: Any) -> list[int]:
    """A non-empty sequence of at most :data:`MAX_POINTS` positive integers, named in errors (``units[3]``)."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a sequence of positive integers, got {values!r}")
    taken = list(itertools.islice(values, MAX_POINTS + 1))  # never more, whatever the iterable's length
    if len(taken) > MAX_POINTS:
        raise ValueError(f"{name} must hold at most {MAX_POINTS:,} values (one per point of the plot), "
                         f"got more: {values!r}")
    out = [v.positive_int(f"{name}[{i}]", x) for i, x in enumerate(taken)]
    if not out:
        raise ValueError(f"{name} must hold at least one value, got {values!r}")
    return out


def _kind(name: str, value: Any) -> str:
    kind: str = v.choice(name, value, KINDS)
    return kind


def _kinds(value: Any) -> list[str]:
    if isinstance(value, str):
        return [_kind("kinds", value)]
    if not isinstance(value, Iterable):
        raise TypeError(f"kinds must be a sequence of layer kinds from {KINDS}, got {value!r}")
    out = [_kind(f"kinds[{i}]", k) for i, k in enumerate(value)]
    if not out:
        raise ValueError(f"kinds must hold at least one of {KINDS}, got {value!r}")
    return out


def _dtype(value: Any) -> str | None:
    if value is None:
        return None
    dtype_bytes(value)  # ValueError naming dtype when unknown
    dtype: str = value
    return dtype


def _axes(ax: Any) -> Axes:
    """The Axes to draw on: ``ax`` itself, or a new figure's when it is None."""
    require("matplotlib", "lstm_params.plots")  # ImportError naming the extra when missing
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        _, new = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        made: Axes = new
        return made
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {ax!r}")
    return ax


def _y(layer: Layer, dtype: str | None) -> float:
    """A layer's count, or its weights' megabytes at ``dtype``."""
    if dtype is None:
        return float(layer.params)
    return layer.memory_bytes(dtype) / MEGABYTE


def _ylabel(dtype: str | None) -> str:
    return "parameters" if dtype is None else f"weights at {dtype} (MB, 1 MB = 1024² bytes)"


def _thousands(ax: Axes, dtype: str | None) -> None:
    from matplotlib.ticker import FuncFormatter

    if dtype is None:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))


# -- layers ---------------------------------------------------------------------------
def recurrent_layer(kind: Any, units: Any, input_dim: Any, *, use_bias: Any = True,
                    bidirectional: Any = False, reset_after: Any = True) -> Layer:
    """The package's layer for ``kind`` ("LSTM", "GRU" or "SimpleRNN") at (m, n).

    Parameters
    ----------
    kind:
        One of :data:`KINDS`.
    units, input_dim:
        n and m.
    use_bias:
        Whether each gate has a bias.
    bidirectional:
        Wrap the layer in :class:`~lstm_params.Bidirectional` (the count doubles).
    reset_after:
        GRU only (Keras 3 default True: two bias vectors); ignored for the others.

    Example
    -------
    >>> recurrent_layer("GRU", 64, 32).params, recurrent_layer("GRU", 64, 32, bidirectional=True).params
    (18816, 37632)
    """
    cls = _CLASSES[_kind("kind", kind)]
    v.flag("reset_after", reset_after)
    bidir = v.flag("bidirectional", bidirectional)
    layer: Recurrent
    if cls is GRU:
        layer = GRU(units, input_dim, use_bias=use_bias, reset_after=reset_after)
    else:
        layer = cls(units, input_dim, use_bias=use_bias)
    return Bidirectional(layer) if bidir else layer


def role_terms(layer: Layer) -> dict[str, tuple[str, int]]:
    """The layer's count split by kind of weight: ``{role group: (formula, count)}``.

    The groups are ``"input"`` (the W kernels), ``"recurrent"`` (the U kernels),
    ``"bias"`` (every bias vector) and ``"other"``; the formula of each group is derived
    from its weights' symbolic shapes, like the layer's own formula.

    >>> role_terms(recurrent_layer("LSTM", 100, 25))
    {'input': ('4nm', 10000), 'recurrent': ('4n²', 40000), 'bias': ('4n', 400)}
    """
    groups: dict[str, list[Weight]] = {}
    for w in layer.weights:
        groups.setdefault(_role_group(w), []).append(w)
    values = layer.formula.values
    return {group: (Formula((w.symbols for w in ws), values).expanded, sum(w.size for w in ws))
            for group, ws in groups.items()}


def _role_group(w: Weight) -> str:
    role = w.role.lower()
    if "bias" in role:
        return "bias"
    if "recurrent" in role or "hidden-hidden" in role or role.startswith("hh"):
        return "recurrent"
    if "input" in role or role == "kernel" or "input-hidden" in role:
        return "input"
    return "other"


# -- growth plots ---------------------------------------------------------------------
def _growth(xs: list[int], layer_at: Callable[[str, int, bool], Layer], kinds: Any, use_bias: Any, dtype: Any,
            ax: Any, *, xlabel: str, title: str) -> Axes:
    """One line per kind of the count (or MB) of ``layer_at(kind, x, use_bias)`` over ``xs``."""
    chosen, bias, dt = _kinds(kinds), v.flag("use_bias", use_bias), _dtype(dtype)
    axes = _axes(ax)
    for kind in chosen:
        ys = [_y(layer_at(kind, x, bias), dt) for x in xs]
        axes.plot(xs, ys, _KIND_STYLES[kind], color=_KIND_COLORS[kind], label=kind)
    axes.set(xlabel=xlabel, ylabel=_ylabel(dt), title=title)
    _thousands(axes, dt)
    axes.legend()
    axes.grid(alpha=0.3)
    return axes


def params_vs_units(units: Any = range(1, 513), *, input_dim: Any = 128, kinds: Any = KINDS,
                    use_bias: Any = True, dtype: Any = None, ax: Any = None) -> Axes:
    """Count (or MB at ``dtype``) against n at a fixed m: quadratic, because of U (n×n).

    One line per kind, labelled with the kind's name; x data are the given ``units``.

    >>> ax = params_vs_units([1, 2, 4], input_dim=3, kinds=["LSTM"])
    >>> ax.get_lines()[0].get_ydata().tolist()
    [20.0, 48.0, 128.0]
    """
    ns = _sizes("units", units)
    m = v.positive_int("input_dim", input_dim)
    return _growth(ns, lambda kind, n, bias: recurrent_layer(kind, n, m, use_bias=bias), kinds, use_bias, dtype,
                   ax, xlabel="n (units)", title=f"Growth with n at m = {m:,}")


def params_vs_input_dim(input_dims: Any = range(1, 1025), *, units: Any = 128, kinds: Any = KINDS,
                        use_bias: Any = True, dtype: Any = None, ax: Any = None) -> Axes:
    """Count (or MB at ``dtype``) against m at a fixed n: a straight line, slope G·n.

    >>> ax = params_vs_input_dim([1, 2, 3], units=4, kinds="SimpleRNN")
    >>> ax.get_lines()[0].get_ydata().tolist()
    [24.0, 28.0, 32.0]
    """
    ms = _sizes("input_dims", input_dims)
    n = v.positive_int("units", units)
    return _growth(ms, lambda kind, m, bias: recurrent_layer(kind, n, m, use_bias=bias), kinds, use_bias, dtype,
                   ax, xlabel="m (input_dim)", title=f"Growth with m at n = {n:,}")


def params_vs_timesteps(timesteps: Any = range(1, 101), *, input_dim: Any = 4096, units: Any = 256,
                        kinds: Any = KINDS, use_bias: Any = True, dtype: Any = None, flops: Any = False,
                        ax: Any = None) -> Axes:
    """Count (or MB) against the sequence length T: flat, the same weights serve every step.

    The layers have no timesteps argument at all, which is the point: each line is the
    layer's count drawn at every T. The label carries the layer's formula, free of T.
    With ``flops=True`` each kind also gets a dashed line of the forward FLOPs of one
    sequence (batch 1, :func:`lstm_params.flops`), which grow in proportion to T, on
    logarithmic axes so that both fit (a straight line of slope 1 for the FLOPs): the
    work grows with T, the parameters do not.

    >>> ax = params_vs_timesteps([1, 16, 100], input_dim=4096, units=256, kinds="LSTM")
    >>> ax.get_lines()[0].get_ydata().tolist()
    [4457472.0, 4457472.0, 4457472.0]
    >>> ax = params_vs_timesteps([1, 2], input_dim=3, units=2, kinds="LSTM", flops=True)
    >>> [line.get_label() for line in ax.get_lines()]
    ['LSTM parameters: 4(nm + n² + n)', 'LSTM forward FLOPs per sequence']
    """
    from .hardware import flops as count_flops

    ts = _sizes("timesteps", timesteps)
    m, n = v.positive_int("input_dim", input_dim), v.positive_int("units", units)
    chosen, bias, dt = _kinds(kinds), v.flag("use_bias", use_bias), _dtype(dtype)
    with_flops = v.flag("flops", flops)
    if with_flops and dt is not None:
        raise ValueError(f"flops=True counts operations, not bytes: leave dtype=None, got dtype={dtype!r}")
    axes = _axes(ax)
    for kind in chosen:
        layer = recurrent_layer(kind, n, m, use_bias=bias)
        ys = [_y(layer, dt) for _ in ts]
        label = f"{kind} parameters: {layer.formula.expanded}" if with_flops else f"{kind}: {layer.formula.expanded}"
        axes.plot(ts, ys, _KIND_STYLES[kind], color=_KIND_COLORS[kind], label=label)
        if with_flops:
            axes.plot(ts, [float(count_flops(layer, timesteps=t)) for t in ts], "--", color=_KIND_COLORS[kind],
                      label=f"{kind} forward FLOPs per sequence")
    if with_flops:
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set(xlabel="T (timesteps, log scale)", ylabel="parameters, or FLOPs per sequence (log scale)",
                 title=f"Parameters stay flat, the work grows with T (m = {m:,}, n = {n:,})")
    else:
        axes.set(xlabel="T (timesteps)", ylabel=_ylabel(dt), title=f"No T in the count (m = {m:,}, n = {n:,})")
        axes.set_ylim(bottom=0)
        _thousands(axes, dt)
    axes.legend()
    axes.grid(alpha=0.3)
    return axes


def _octaves(low: int, high: int, steps: int = 8) -> tuple[int, ...]:
    """Whole numbers from ``low`` to ``high`` spaced evenly on a log scale (``steps`` per doubling)."""
    first, last = round(math.log2(low) * steps), round(math.log2(high) * steps)
    return tuple(sorted({round(2 ** (k / steps)) for k in range(first, last + 1)}))


def _short(value: float) -> str:
    """A contour label that stays short: 1k, 10k, 100k, 1M, 10M..."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:g}{suffix}"
    return f"{value:g}"


#: The heatmap's default grids: 8 points per doubling, m from 8 to 4,096 and n from 8 to 2,048.
HEATMAP_INPUT_DIMS, HEATMAP_UNITS = _octaves(8, 4096), _octaves(8, 2048)


def params_heatmap(input_dims: Any = HEATMAP_INPUT_DIMS, units: Any = HEATMAP_UNITS, *,
                   kind: Any = "LSTM", use_bias: Any = True, dtype: Any = None, colorbar: Any = True,
                   log_axes: Any = True, ax: Any = None) -> Axes:
    """The count (or MB) over a grid of m (x) and n (y), on a logarithmic colour scale.

    The array drawn (``ax.collections[0].get_array()``) has one row per n and one column
    per m; contour lines mark each power of ten (labelled 10k, 1M...). With ``log_axes``
    (the default) both axes are logarithmic, ticked at powers of two, so small layers get
    as much room as big ones; the default grids are spaced evenly on that scale, from 8
    to 4,096 features and 8 to 2,048 units.

    >>> ax = params_heatmap([1, 2], [1, 3], colorbar=False)
    >>> ax.collections[0].get_array().tolist()
    [[12.0, 16.0], [60.0, 72.0]]
    """
    import numpy as np
    from matplotlib.colors import LogNorm

    ms, ns = _sizes("input_dims", input_dims), _sizes("units", units)
    if len(ms) * len(ns) > MAX_POINTS * 10:
        raise ValueError(f"the heatmap must have at most {MAX_POINTS * 10:,} cells, got {len(ms):,} input_dims "
                         f"× {len(ns):,} units = {len(ms) * len(ns):,}")
    chosen, bias, dt = _kind("kind", kind), v.flag("use_bias", use_bias), _dtype(dtype)
    show_bar, log = v.flag("colorbar", colorbar), v.flag("log_axes", log_axes)
    axes = _axes(ax)
    # The layer's formula (derived from its weight list) evaluated on the whole grid at once.
    formula: Any = recurrent_layer(chosen, ns[0], ms[0], use_bias=bias).formula  # Any: called on arrays
    m_grid, n_grid = np.meshgrid(np.array(ms, dtype=np.int64), np.array(ns, dtype=np.int64))
    counts = formula(m=m_grid, n=n_grid)
    grid: Any = counts.astype(float) if dt is None else counts * dtype_bytes(dt) / MEGABYTE
    mesh = axes.pcolormesh(ms, ns, grid, shading="nearest", norm=LogNorm(), cmap="viridis")
    low, high = float(grid.min()), float(grid.max())
    levels = [10.0**k for k in range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)]
    if len(ms) > 1 and len(ns) > 1 and levels:
        lines = axes.contour(ms, ns, grid, levels=levels, colors="white", linewidths=0.7)
        axes.clabel(lines, fmt=lambda value: _short(value) if dt is None else f"{value:g} MB", fontsize=8)
    if show_bar:
        bar = axes.figure.colorbar(mesh, ax=axes)
        bar.set_label(_ylabel(dt))
    if log:
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        axes.set_xscale("log", base=2)
        axes.set_yscale("log", base=2)
        for axis, values in ((axes.xaxis, ms), (axes.yaxis, ns)):
            powers = [2**k for k in range(math.ceil(math.log2(min(values))), math.floor(math.log2(max(values))) + 1)]
            axis.set_major_locator(FixedLocator(powers))
            axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
            axis.set_minor_locator(NullLocator())
        axes.tick_params(axis="x", labelrotation=45)
    scale = ", log scale" if log else ""
    axes.set(xlabel=f"m (input_dim){scale}", ylabel=f"n (units){scale}", title=f"{chosen} count over (m, n)")
    return axes


def kind_ratios(units: Any = range(1, 513), *, input_dim: Any = 128, use_bias: Any = True,
                reset_after: Any = True, ax: Any = None) -> Axes:
    """Each kind's count divided by SimpleRNN's at the same (m, n): LSTM 4, GRU ≈ 3, SimpleRNN 1.

    LSTM has four transformations, GRU three, SimpleRNN one, each with the same W, U and b,
    so the ratios are 4 and 3 (GRU a little above 3 with ``reset_after=True``, which gives
    it a second bias vector per gate).

    >>> ax = kind_ratios([10, 100], input_dim=10)
    >>> [line.get_label() for line in ax.get_lines()]
    ['LSTM', 'GRU', 'SimpleRNN']
    >>> ax.get_lines()[0].get_ydata().tolist()
    [4.0, 4.0]
    """
    ns = _sizes("units", units)
    m, bias = v.positive_int("input_dim", input_dim), v.flag("use_bias", use_bias)
    after = v.flag("reset_after", reset_after)
    axes = _axes(ax)
    base = [recurrent_layer("SimpleRNN", n, m, use_bias=bias).params for n in ns]
    for kind in KINDS:
        counts = [recurrent_layer(kind, n, m, use_bias=bias, reset_after=after).params for n in ns]
        ratios = [c / b for c, b in zip(counts, base, strict=True)]
        axes.plot(ns, ratios, _KIND_STYLES[kind], color=_KIND_COLORS[kind], label=kind)
    axes.set(xlabel="n (units)", ylabel="parameters ÷ SimpleRNN's", title=f"LSTM : GRU : SimpleRNN at m = {m:,}")
    axes.set_ylim(0, None)
    axes.legend()
    axes.grid(alpha=0.3)
    return axes


def terms_vs_units(units: Any = range(1, 257), *, input_dim: Any = 128, kind: Any = "LSTM",
                   dtype: Any = None, ax: Any = None) -> Axes:
    """The count split into input kernels (nm), recurrent kernels (n²) and biases (n), against n.

    The recurrent term overtakes the input term where n reaches m; the first such n
    among ``units`` is marked with a vertical line (none if it is not reached).

    >>> ax = terms_vs_units([8, 16, 32], input_dim=16)
    >>> [line.get_label() for line in ax.get_lines()][:3]
    ['input kernels W: 4nm', 'recurrent kernels U: 4n²', 'biases b: 4n']
    >>> list(ax.get_lines()[3].get_xdata())  # the marker: U catches up with W at n = m
    [16, 16]
    """
    ns = _sizes("units", units)
    m, chosen, dt = v.positive_int("input_dim", input_dim), _kind("kind", kind), _dtype(dtype)
    axes = _axes(ax)
    per_n = [role_terms(recurrent_layer(chosen, n, m)) for n in ns]
    names = {"input": "input kernels W", "recurrent": "recurrent kernels U", "bias": "biases b"}
    colors = ROLE_COLORS
    scale = 1.0 if dt is None else dtype_bytes(dt) / MEGABYTE
    for group, name in names.items():
        ys = [terms[group][1] * scale for terms in per_n]
        axes.plot(ns, ys, color=colors[group], label=f"{name}: {per_n[0][group][0]}")
    crossing = next((n for n, t in zip(ns, per_n, strict=True) if t["recurrent"][1] >= t["input"][1]), None)
    if crossing is not None:
        axes.axvline(crossing, color="0.4", linestyle="--", linewidth=1, label=f"U ≥ W from n = {crossing:,}")
    axes.set(xlabel="n (units)", ylabel=_ylabel(dt), title=f"{chosen}: where the count comes from (m = {m:,})")
    _thousands(axes, dt)
    axes.legend()
    axes.grid(alpha=0.3)
    return axes


# -- the weights drawn to scale -------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One weight drawn as a rectangle: position and size in pixels, and what it is.

    ``rows`` × ``cols`` is the weight's math shape (a bias of n is n × 1); ``width`` and
    ``height`` are ``cols`` and ``rows`` times ``scale`` (pixels per row or column, the
    same for every block of a picture), except that a side shorter than the minimum is
    widened to it (``exaggerated`` is then True).
    """

    weight: Weight
    label: str
    group: str
    x: float
    y: float
    width: float
    height: float
    rows: int
    cols: int
    scale: float
    exaggerated: bool

    @property
    def color(self) -> str:
        """Fill colour, by kind of weight (:data:`ROLE_COLORS`)."""
        return ROLE_COLORS[_role_group(self.weight)]


def _weights_of(layer: Any) -> list[Weight]:
    weights = getattr(layer, "weights", None)
    if not isinstance(weights, list) or not weights or not all(isinstance(w, Weight) for w in weights):
        raise TypeError(f"layer must be a layer with a list of weights (lp.LSTM(...), ...), got {layer!r}")
    return weights


def _rows_cols(w: Weight) -> tuple[int, int]:
    if len(w.shape) == 1:
        return w.shape[0], 1
    if len(w.shape) == 2:
        return w.shape[0], w.shape[1]
    return w.shape[0], math.prod(w.shape[1:])


_ARROWS = {"forward": "→", "backward": "←"}
def weight_place(w: Weight) -> tuple[int, str]:
    """(stacked layer index, direction) of a weight.

    >>> from lstm_params import pytorch
    >>> weight_place(pytorch.LSTM(3, 2, num_layers=2, bidirectional=True).weights[-1])
    (1, 'backward')
    """
    return w.layer, w.direction


def weight_groups(weights: Sequence[Weight]) -> list[tuple[str, str, list[Weight]]]:
    """The weights grouped by (layer, direction, gate), in storage order: ``(label, direction, weights)``.

    The label is the gate's name, with an arrow (→ forward, ← backward) when there are
    two directions and ``l1`` & co. when there are stacked layers.

    >>> [(label, len(ws)) for label, _, ws in weight_groups(LSTM(2, input_dim=3).weights)]
    [('input', 3), ('forget', 3), ('cell', 3), ('output', 3)]
    """
    places = [weight_place(w) for w in weights]
    bidirectional = any(d == "backward" for _, d in places)
    stacked = len({k for k, _ in places}) > 1
    groups: dict[tuple[int, str, str], list[Weight]] = {}
    for w, (k, direction) in zip(weights, places, strict=True):
        gate = w.gate or ("" if "kernel" in w.role or "bias" in w.role else w.role)
        groups.setdefault((k, direction if bidirectional else "", gate), []).append(w)
    out = []
    for (k, direction, gate), ws in groups.items():
        parts = [f"l{k}" if stacked else "", _ARROWS.get(direction, direction), gate]
        out.append((" ".join(p for p in parts if p), direction, ws))
    return out


#: Pixels left of the blocks for the group (gate) names.
_LABEL_WIDTH = 78


def weight_layout(layer: Any, *, width: Any = 560, max_height: Any = 420, gap: Any = 6,
                  min_side: Any = 2, pixels_per_unit: Any = None) -> list[Block]:
    """Where each weight of ``layer`` goes in a picture ``width`` pixels wide.

    One row per gate (and direction), holding that gate's weights left to right in
    storage order (W, U, then the biases). All weights share one scale (pixels per
    scalar row or column), the largest that fits ``width`` and ``max_height``, so their
    areas compare truly; sides thinner than ``min_side`` pixels are widened to it.

    ``pixels_per_unit`` fixes that scale instead (``blocks[0].scale`` of an earlier
    layout, say): the picture is then as large as the layer needs, whatever ``width`` and
    ``max_height``, so two layers drawn at one scale compare truly, and a W whose
    parameters double doubles in area.

    >>> small = weight_layout(recurrent_layer("SimpleRNN", 4, 3), pixels_per_unit=10)
    >>> big = weight_layout(recurrent_layer("SimpleRNN", 8, 3), pixels_per_unit=10)
    >>> [(b.label, b.width * b.height) for b in small][0], [(b.label, b.width * b.height) for b in big][0]
    (('W', 1200.0), ('W', 2400.0))

    >>> blocks = weight_layout(recurrent_layer("SimpleRNN", 4, 3), width=78 + 2 * 6 + 80)
    >>> [(b.label, b.rows, b.cols, b.width, b.height) for b in blocks]
    [('W', 4, 3, 30.0, 40.0), ('U', 4, 4, 40.0, 40.0), ('b', 4, 1, 10.0, 40.0)]
    """
    weights = _weights_of(layer)
    w_px = v.positive_int("width", width)
    h_px = v.positive_int("max_height", max_height)
    gap_px = v.non_negative_int("gap", gap)
    side = v.positive_int("min_side", min_side)
    fixed = _pixels_per_unit(pixels_per_unit)
    groups = weight_groups(weights)
    row_cols = [[_rows_cols(w)[1] for w in ws] for _, _, ws in groups]
    row_rows = [max(_rows_cols(w)[0] for w in ws) for _, _, ws in groups]
    room_x = [w_px - _LABEL_WIDTH - gap_px * (len(cols) - 1) for cols in row_cols]
    room_y = h_px - gap_px * (len(groups) - 1)
    if min(room_x) <= 0 or room_y <= 0:
        raise ValueError(f"width {w_px} and max_height {h_px} leave no room for {len(weights)} weights")

    def fitting(scale: float) -> float:
        """The largest scale that fits, with the sides thinner than ``side`` at ``scale`` widened."""
        best = math.inf
        for room, sides in [*zip(room_x, row_cols, strict=True), (room_y, row_rows)]:
            thin = [d for d in sides if d * scale < side]
            rest = sum(d for d in sides if d * scale >= side)
            left = room - side * len(thin)
            if left < 0 or (left == 0 and rest):
                raise ValueError(f"width {w_px} and max_height {h_px} leave no room for {len(weights)} weights")
            if rest:
                best = min(best, left / rest)
        return best

    if fixed is not None:
        scale = fixed
    else:
        scale = fitting(math.inf)
        for _ in range(2 * len(weights) + 2):  # a smaller scale may widen more sides: repeat until stable
            smaller = fitting(scale)
            if smaller >= scale:
                break
            scale = smaller
    blocks: list[Block] = []
    y = 0.0
    for (name, _, ws), rows_here in zip(groups, row_rows, strict=True):
        x = float(_LABEL_WIDTH)
        height_here = max(rows_here * scale, side)
        for w in ws:
            rows, cols = _rows_cols(w)
            bw, bh = cols * scale, rows * scale
            blocks.append(Block(w, w.name, name, x, y, max(bw, side), max(bh, side), rows, cols,
                                scale, bw < side or bh < side))
            x += max(bw, side) + gap_px
        y += height_here + gap_px
    return blocks


def _pixels_per_unit(value: Any) -> float | None:
    """``pixels_per_unit`` checked: None, or a finite number above 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"pixels_per_unit must be a number or None, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"pixels_per_unit must be a finite number above 0, got {value!r}")
    return float(value)


def _extent(blocks: Sequence[Block]) -> tuple[float, float]:
    return (max(b.x + b.width for b in blocks), max(b.y + b.height for b in blocks))


def _shape_text(b: Block) -> str:
    return f"{b.rows:,}" if b.cols == 1 and len(b.weight.shape) == 1 else f"{b.rows:,}×{b.cols:,}"


def _svg_name(label: str) -> str:
    base, _, sub = label.partition("_")
    text = html.escape(base)
    return text + (f"<tspan baseline-shift='sub' font-size='75%'>{html.escape(sub)}</tspan>" if sub else "")


def weights_svg(layer: Any, *, width: Any = 560, max_height: Any = 420, pixels_per_unit: Any = None) -> str:
    """The weights of ``layer`` drawn to scale, as an SVG string (no matplotlib needed).

    Each block carries a tooltip (``<title>``) with its name, role, shape and count;
    names are written inside the blocks big enough to hold them. The picture's height
    follows the layer's shape (up to ``max_height``), plus a legend line. With
    ``pixels_per_unit`` (see :func:`weight_layout`) the scale is fixed and the picture
    grows with the layer.

    >>> svg = weights_svg(recurrent_layer("LSTM", 12, 80))
    >>> svg.count("<rect class='lp-w"), "W_i (input kernel) 12 × 80: 960 parameters" in svg
    (12, True)
    """
    blocks = weight_layout(layer, width=width, max_height=max_height, pixels_per_unit=pixels_per_unit)
    w_blocks, h_blocks = _extent(blocks)
    total_w, total_h = max(v.positive_int("width", width), math.ceil(w_blocks)), math.ceil(h_blocks) + 28
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='lp-matrices' width='{total_w}' "
             f"height='{total_h}' viewBox='0 0 {total_w} {total_h}' role='img' "
             f"aria-label='weights of the layer drawn to scale' font-family='sans-serif' font-size='11'>"]
    seen: set[str] = set()
    for b in blocks:
        if b.group and b.group not in seen:
            seen.add(b.group)
            heights = [c.height for c in blocks if c.group == b.group]
            parts.append(f"<text x='{_LABEL_WIDTH - 6}' y='{b.y + max(heights) / 2 + 4:.1f}' "
                         f"text-anchor='end' fill='#333'>{html.escape(b.group)}</text>")
        w = b.weight
        tip = (f"{w.name} ({w.role}) {' × '.join(str(d) for d in w.shape)}: {w.size:,} parameters"
               + (" (drawn wider than to scale)" if b.exaggerated else ""))
        parts.append(f"<rect class='lp-w lp-{_role_group(w)}' x='{b.x:.1f}' y='{b.y:.1f}' "
                     f"width='{b.width:.1f}' height='{b.height:.1f}' fill='{b.color}' fill-opacity='0.85' "
                     f"stroke='#222' stroke-width='0.5'><title>{html.escape(tip)}</title></rect>")
        text = f"{_svg_name(b.label)} {_shape_text(b)}"
        if b.width >= 8 * (len(b.label) + len(_shape_text(b)) + 1) and b.height >= 14:
            parts.append(f"<text x='{b.x + 4:.1f}' y='{b.y + 13:.1f}' fill='white'>{text}</text>")
        elif b.width >= 8 * len(b.label) + 4 and b.height >= 14:
            parts.append(f"<text x='{b.x + 3:.1f}' y='{b.y + 13:.1f}' fill='white'>{_svg_name(b.label)}</text>")
    legend_y = math.ceil(h_blocks) + 18
    x = float(_LABEL_WIDTH)
    present = {_role_group(b.weight) for b in blocks}
    names = {"input": "input kernel W (n×m)", "recurrent": "recurrent kernel U (n×n)", "bias": "bias b (n)",
             "other": "other"}
    for group, name in names.items():
        if group in present:
            parts.append(f"<rect x='{x:.1f}' y='{legend_y - 9}' width='10' height='10' fill='{ROLE_COLORS[group]}'/>"
                         f"<text x='{x + 14:.1f}' y='{legend_y}' fill='#333'>{html.escape(name)}</text>")
            x += 14 + 6.2 * len(name) + 14
    parts.append("</svg>")
    return "".join(parts)


def weight_matrices(layer: Any, *, ax: Any = None, width: Any = 560, max_height: Any = 420,
                    pixels_per_unit: Any = None) -> Axes:
    """Every weight of ``layer`` drawn to scale with matplotlib: one row of W, U, b per gate.

    The same geometry as :func:`weights_svg` (:func:`weight_layout`): block areas compare
    truly, except sides thinner than 2 px, which are widened so they stay visible.
    Each rectangle's label (``patch.get_label()``) is the weight's name.

    >>> ax = weight_matrices(recurrent_layer("LSTM", 12, 80))
    >>> [p.get_label() for p in ax.patches][:4]
    ['W_i', 'U_i', 'b_i', 'W_f']
    """
    from matplotlib.patches import Patch, Rectangle

    blocks = weight_layout(layer, width=width, max_height=max_height, pixels_per_unit=pixels_per_unit)
    axes = _axes(ax)
    for b in blocks:
        axes.add_patch(Rectangle((b.x, b.y), b.width, b.height, facecolor=b.color, edgecolor="#222",
                               linewidth=0.5, alpha=0.85, label=b.label))
        if b.width >= 8 * (len(b.label) + len(_shape_text(b)) + 1) and b.height >= 14:
            base, _, sub = b.label.partition("_")
            name = f"${base}_{{{sub}}}$" if sub else f"${base}$"
            axes.text(b.x + 4, b.y + 4, f"{name} {_shape_text(b)}", color="white", fontsize=8, va="top")
    for group in dict.fromkeys(b.group for b in blocks):
        members = [b for b in blocks if b.group == group]
        axes.text(_LABEL_WIDTH - 6, members[0].y + max(b.height for b in members) / 2, group, ha="right",
                va="center", fontsize=9)
    w_px, h_px = _extent(blocks)
    axes.set_xlim(0, w_px + 2)
    axes.set_ylim(h_px + 2, -2)
    axes.set_aspect("equal")
    axes.axis("off")
    present = dict.fromkeys(_role_group(b.weight) for b in blocks)
    names = {"input": "input kernel W (n×m)", "recurrent": "recurrent kernel U (n×n)", "bias": "bias b (n)",
             "other": "other"}
    axes.legend(handles=[Patch(color=ROLE_COLORS[g], label=names[g]) for g in present], loc="upper center",
              bbox_to_anchor=(0.5, 0.0), ncol=len(present), frameon=False, fontsize=8)
    axes.set_title(_picture_title(layer), fontsize=10)
    return axes


def _picture_title(layer: Any) -> str:
    formula = getattr(layer, "formula", None)
    sizes = ", ".join(f"{k} = {val:,}" for k, val in formula.values.items()) if formula is not None else ""
    total = sum(w.size for w in layer.weights)
    return f"{getattr(layer, 'kind', 'layer')} weights to scale ({sizes}): {total:,} parameters"


#: Pixels added below and above the blocks of a PNG picture for the title and the legend.
_PNG_MARGIN = 60


def weights_png(layer: Any, *, width: Any = 560, max_height: Any = 420, scale: Any = 2,
                pixels_per_unit: Any = None) -> bytes:
    """The picture of :func:`weight_matrices` as PNG bytes: ``width`` pixels wide, times ``scale``.

    It is drawn on a matplotlib ``Figure`` of its own (not pyplot's), so nothing else is
    shown in a notebook and no global state changes. ``scale=2`` keeps it sharp on
    high-density screens (:class:`WeightsPicture` tells Jupyter the size to show it at).
    ``pixels_per_unit`` fixes the scale of the blocks (:func:`weight_layout`); the image
    is then as large as they need.
    The bytes carry no software version.

    >>> png = weights_png(recurrent_layer("SimpleRNN", 4, 3))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", _png_size(png)[0]
    (True, 1120)
    """
    blocks = weight_layout(layer, width=width, max_height=max_height, pixels_per_unit=pixels_per_unit)
    factor = v.positive_int("scale", scale)
    require("matplotlib", "weights_png()")
    from matplotlib.figure import Figure

    w_px, h_px = _extent(blocks)
    figure = Figure(figsize=(max(v.positive_int("width", width), w_px) / 100, (h_px + _PNG_MARGIN) / 100), dpi=100,
                    layout="constrained")
    weight_matrices(layer, ax=figure.add_subplot(), width=width, max_height=max_height,
                    pixels_per_unit=pixels_per_unit)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100 * factor, metadata={"Software": None})
    return buffer.getvalue()


def _png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from a PNG's header."""
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


class WeightsPicture:
    """The weights of a layer drawn to scale, for Jupyter: an ``image/png`` output and a text description.

    Displayed in a notebook it becomes a PNG (:func:`weights_png`, rendered when first
    shown and kept) with ``text/plain`` listing every block, so a reader without the
    image, or a test, still gets the shapes. Bad arguments fail here, not at display.

    >>> picture = WeightsPicture(recurrent_layer("SimpleRNN", 4, 3))
    >>> print(picture)
    SimpleRNN weights to scale (m = 3, n = 4): 32 parameters
      W 4×3 · U 4×4 · b 4
    >>> png, size = picture._repr_png_()  # drawn at twice the size it is shown at
    >>> size["width"], _png_size(png) == (2 * size["width"], 2 * size["height"])
    (560, True)
    """

    _SCALE = 2  # pixels drawn per pixel shown

    def __init__(self, layer: Any, *, width: Any = 560, max_height: Any = 420, pixels_per_unit: Any = None) -> None:
        # errors name the bad argument
        self.blocks = weight_layout(layer, width=width, max_height=max_height, pixels_per_unit=pixels_per_unit)
        self.layer = layer
        self._options = {"width": width, "max_height": max_height, "pixels_per_unit": pixels_per_unit}
        self._png: bytes | None = None

    def png(self) -> bytes:
        """The PNG bytes (drawn once)."""
        if self._png is None:
            self._png = weights_png(self.layer, **self._options, scale=self._SCALE)
        return self._png

    def _repr_png_(self) -> tuple[bytes, dict[str, int]]:
        png = self.png()
        width, height = _png_size(png)
        return png, {"width": width // self._SCALE, "height": height // self._SCALE}

    def __str__(self) -> str:
        lines = [_picture_title(self.layer)]
        groups = list(dict.fromkeys(b.group for b in self.blocks))
        width = max(len(g) for g in groups) + 2 if any(groups) else 0
        for group in groups:
            pieces = " · ".join(f"{b.label} {_shape_text(b)}" for b in self.blocks if b.group == group)
            lines.append(f"  {(group + ':' if group else '').ljust(width)}{pieces}")
        return "\n".join(lines)

    __repr__ = __str__
