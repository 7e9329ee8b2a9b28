"""The LSTM cell as a picture: where the four learned boxes sit, and what each one owns.

:func:`cell_diagram` draws one LSTM step with matplotlib: the cell state running along
the top, the previous output h and the input x joining at the bottom, and the four
*learned* boxes (forget, input, candidate, output) between them. Each learned box is
drawn as its three pieces, coloured as in the weight pictures of
:mod:`lstm_params.plots` (W blue, U orange, b green), because each one is a little
dense layer of its own: W x + U h + b, then σ or tanh. Everything else in the cell
(×, +, the tanh on the way out) is element-wise and owns no weights.

With ``units`` and ``input_dim`` the boxes carry their shapes and counts, taken from
:class:`lstm_params.LSTM`. In a notebook the figure is stored as a PNG, which every
renderer shows (untrusted JupyterLab, GitHub, nbconvert).

>>> ax = cell_diagram(100, input_dim=25)
>>> [t.get_text() for t in ax.texts if t.get_text().startswith("12,600")]
['12,600', '12,600', '12,600', '12,600']
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import _validate as v
from .frameworks import require
from .layers import LSTM
from .plots import ROLE_COLORS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["cell_diagram", "GATES"]


@dataclass(frozen=True)
class _Gate:
    key: str          # the gate's name in lstm_params.LSTM's weight list
    symbol: str       # its letter in the equations
    name: str         # what it does, in two words
    activation: str   # σ or tanh
    x: float          # where the box sits in the drawing


#: The four learned boxes, left to right in the picture (Keras stores them i, f, c, o).
GATES: tuple[_Gate, ...] = (
    _Gate("forget", "f", "forget gate", "σ", 3.0),
    _Gate("input", "i", "input gate", "σ", 4.4),
    _Gate("cell", r"\tilde{c}", "candidate", "tanh", 5.8),
    _Gate("output", "o", "output gate", "σ", 7.6),
)
_BUS_Y, _BOX_Y, _BOX_H, _BOX_W = 1.4, 2.3, 1.0, 1.1
_STATE_Y, _MIX_Y, _OUT_X = 5.5, 4.35, 9.0


def cell_diagram(units: Any = None, input_dim: Any = None, *, ax: Any = None) -> Axes:
    """Draw one LSTM cell, its four learned boxes coloured by W, U and b.

    Parameters
    ----------
    units, input_dim:
        n and m. When both are given, each learned box shows its shapes and parameter
        count, and the title the total (from :class:`lstm_params.LSTM`); otherwise the
        shapes are symbolic (n × m, n × n, n).
    ax:
        A matplotlib Axes to draw on; a new figure's when None.

    Returns
    -------
    matplotlib.axes.Axes
    """
    n = v.optional_positive_int("units", units)
    m = v.optional_positive_int("input_dim", input_dim)
    if (n is None) != (m is None):
        raise ValueError(f"give both units and input_dim, or neither; got units={units!r}, input_dim={input_dim!r}")
    require("matplotlib", "cell_diagram()")
    from matplotlib.axes import Axes
    from matplotlib.patches import FancyBboxPatch, Rectangle

    if ax is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(figsize=(10.0, 5.6), layout="constrained")
    elif isinstance(ax, Axes):
        axes = ax
    else:
        raise TypeError(f"ax must be a matplotlib Axes or None, got {ax!r}")

    layer = LSTM(n, input_dim=m) if n is not None else None
    per_gate = layer.gate_params if layer is not None else {}
    shapes = (f"{n:,}×{m:,}", f"{n:,}×{n:,}", f"{n:,}") if n is not None else ("n×m", "n×n", "n")

    line: dict[str, Any] = {"color": "#333", "linewidth": 1.6, "solid_capstyle": "round", "zorder": 1}
    arrow: dict[str, Any] = {"arrowstyle": "-|>", "color": "#333", "linewidth": 1.6, "shrinkA": 0, "shrinkB": 0}

    def path(*points: tuple[float, float], head: bool = True) -> None:
        for (x0, y0), (x1, y1) in itertools.pairwise(points[:-1]):
            axes.plot([x0, x1], [y0, y1], **line)
        (x0, y0), (x1, y1) = points[-2], points[-1]
        if head:
            axes.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=arrow, zorder=1)
        else:
            axes.plot([x0, x1], [y0, y1], **line)

    def op(x: float, y: float, text: str, wide: bool = False) -> None:
        w = 0.62 if wide else 0.36
        axes.add_patch(FancyBboxPatch((x - w / 2, y - 0.18), w, 0.36, boxstyle="round,pad=0.02,rounding_size=0.18",
                                      facecolor="#fde9c9", edgecolor="#b36b00", linewidth=1.2, zorder=3))
        axes.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)

    # the cell, and what flows through it
    axes.add_patch(FancyBboxPatch((1.2, 0.75), 9.0, 5.35, boxstyle="round,pad=0.05,rounding_size=0.3",
                                  facecolor="#f6f8fa", edgecolor="#8c959f", linewidth=1.2, zorder=0))
    path((0.0, _STATE_Y), (3.0, _STATE_Y), head=False)
    path((3.0, _STATE_Y), (11.4, _STATE_Y))
    axes.text(0.0, _STATE_Y + 0.25, "$c_{t-1}$  cell state", fontsize=11, va="bottom")
    axes.text(11.4, _STATE_Y + 0.25, "$c_t$", fontsize=11, va="bottom", ha="right")
    path((0.0, _BUS_Y), (2.0, _BUS_Y), head=False)
    path((2.0, 0.0), (2.0, _BUS_Y), head=False)
    path((2.0, _BUS_Y), (GATES[-1].x, _BUS_Y), head=False)
    axes.text(0.0, _BUS_Y - 0.25, "$h_{t-1}$", fontsize=11, va="top")
    axes.text(2.12, 0.05, "$x_t$ (m features)", fontsize=11, va="bottom")
    for gate in GATES:
        path((gate.x, _BUS_Y), (gate.x, _BOX_Y))
    # forget: × on the state line; input × candidate: + on it; output: × with tanh(c_t)
    f, i, c, o = GATES
    path((f.x, _BOX_Y + _BOX_H), (f.x, _STATE_Y - 0.18))
    op(f.x, _STATE_Y, "×")
    path((i.x, _BOX_Y + _BOX_H), (i.x, _MIX_Y), (c.x - 0.18, _MIX_Y))
    path((c.x, _BOX_Y + _BOX_H), (c.x, _MIX_Y - 0.18))
    op(c.x, _MIX_Y, "×")
    path((c.x, _MIX_Y + 0.18), (c.x, _STATE_Y - 0.18))
    op(c.x, _STATE_Y, "+")
    path((_OUT_X, _STATE_Y), (_OUT_X, _MIX_Y + 0.18))
    op(_OUT_X, _MIX_Y, "tanh", wide=True)
    out_y = _BOX_Y + _BOX_H / 2
    path((_OUT_X, _MIX_Y - 0.18), (_OUT_X, out_y + 0.18))
    path((o.x + _BOX_W / 2, out_y), (_OUT_X - 0.18, out_y))
    op(_OUT_X, out_y, "×")
    path((_OUT_X + 0.18, out_y), (11.4, out_y))
    axes.text(11.4, out_y + 0.2, "$h_t$", fontsize=11, ha="right", va="bottom")

    # the learned boxes: W | U | b side by side, the activation on top
    thirds = (0.5, 0.35, 0.15)  # widths of W, U, b in the box (a picture, not to scale)
    for gate in GATES:
        x0 = gate.x - _BOX_W / 2
        for role, share in zip(("input", "recurrent", "bias"), thirds, strict=True):
            axes.add_patch(Rectangle((x0, _BOX_Y), _BOX_W * share, _BOX_H, facecolor=ROLE_COLORS[role],
                                     edgecolor="none", zorder=2))
            x0 += _BOX_W * share
        axes.add_patch(Rectangle((gate.x - _BOX_W / 2, _BOX_Y), _BOX_W, _BOX_H, facecolor="none",
                                 edgecolor="#222", linewidth=1.2, zorder=3))
        axes.text(gate.x, _BOX_Y + _BOX_H / 2, gate.activation, ha="center", va="center", color="white",
                  fontsize=13, fontweight="bold", zorder=4)
        axes.text(gate.x, _BOX_Y - 0.08, f"${gate.symbol}$ {gate.name}", ha="center", va="top", fontsize=8.5,
                  zorder=4, bbox={"facecolor": "#f6f8fa", "edgecolor": "none", "pad": 0.5})
        if gate.key in per_gate:
            axes.text(gate.x, _BOX_Y + _BOX_H + 0.05, f"{per_gate[gate.key]:,}", ha="center", va="bottom",
                      fontsize=8.5, color="#24292f", zorder=4,
                      bbox={"facecolor": "#f6f8fa", "edgecolor": "none", "pad": 0.5})

    # legend and title: what one box owns, and the total
    legend_y = -0.55
    x = 1.2
    for role, label in zip(("input", "recurrent", "bias"), shapes, strict=True):
        name = {"input": "W", "recurrent": "U", "bias": "b"}[role]
        axes.add_patch(Rectangle((x, legend_y - 0.12), 0.24, 0.24, facecolor=ROLE_COLORS[role], edgecolor="none"))
        axes.text(x + 0.34, legend_y, f"{name} ({label})", va="center", fontsize=9.5)
        x += 2.2
    axes.text(x, legend_y, "each learned box: σ or tanh of  W x + U h + b", va="center", fontsize=9.5)
    if layer is not None:
        title = (f"LSTM cell, m = {m:,}, n = {n:,}: 4 learned boxes × {next(iter(per_gate.values())):,} "
                 f"= {layer.params:,} parameters")
    else:
        title = "LSTM cell: 4 learned boxes, each n·m + n·n + n parameters, so 4(nm + n² + n)"
    axes.set_title(title, fontsize=11)
    axes.set_xlim(-0.2, 11.6)
    axes.set_ylim(-0.9, 6.5)
    axes.set_aspect("equal")
    axes.axis("off")
    return axes
