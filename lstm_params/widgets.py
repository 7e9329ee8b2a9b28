"""The slider explorer: move m and n, watch the count, the gates and the weights change.

:func:`explorer` builds the widget tree and returns an :class:`Explorer` holding it
(``.widget``) and handles to every part, so tests (and the Voila app's browser tests)
can drive the controls and read the results without a browser:

==============================  ================================================================
``.controls["input_dim"]``      IntSlider, m from 1 to 4096
``.controls["units"]``          IntSlider, n from 1 to 2048
``.controls["kind"]``           ToggleButtons, "LSTM" (default), "GRU", "SimpleRNN"
``.controls["use_bias"]``       Checkbox
``.controls["bidirectional"]``  Checkbox (the count doubles)
``.controls["reset_after"]``    Checkbox, GRU in Keras only (Keras 3 default: True)
``.controls["framework"]``      ToggleButtons, "Keras" or "PyTorch" (two biases per gate)
``.controls["dtype"]``          Dropdown, the dtype of the memory figure
``.controls["fixed_scale"]``    Checkbox: keep the picture's scale, so it grows with the count
``.total``                      HTML, e.g. "4,457,472 parameters"
``.formula``                    HTML, the framework call and the formula with the numbers put in
``.memory``                     HTML, bytes of the weights at float32 and at the chosen dtype
``.table``                      HTML, one row per gate: W, U, b and their sum
``.picture``                    HTML, every W, U and b drawn to scale (an SVG)
``.summary()``                  the same as plain text
``.snapshot()``                 the outputs for a page without a kernel (:class:`Snapshot`)
==============================  ================================================================

Every count shown comes from the package's layers (:mod:`lstm_params.layers`, and
:mod:`lstm_params.pytorch` for the PyTorch toggle); the update path imports no
framework and takes a median of well under a millisecond per move
(``scripts/benchmark.py explorer`` measures it). Each control and output carries a
stable CSS class (:data:`DOM_CLASSES`) for browser tests.

What a browser sends is checked in the kernel, whatever the page claims: it may move a
control (a whole number for a slider, clamped to the slider's range; a position among a
choice's options; True or False for a switch), nothing else. A control's bounds, options
and labels, a disabled control and the outputs stay as the kernel set them, and the page's
copy is put back (see :func:`_accepted`).

>>> ex = explorer()
>>> ex.total.value
'<span class="lp-total-number">4,457,472</span> parameters'
>>> ex.set(units=200)
>>> ex.params
3437600
>>> ex.controls["units"].value = 10_000  # beyond the slider: clamped to its maximum
>>> ex.controls["units"].value, ex.params == 4 * 2048 * (4096 + 2048 + 1)
(2048, True)
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from typing import Any

from . import _validate as v
from .frameworks import require
from .hardware import DTYPE_BYTES
from .layers import Layer
from .plots import KINDS, WeightsPicture, recurrent_layer, weight_groups, weight_layout, weights_svg
from .report import readable_bytes

__all__ = ["explorer", "Explorer", "GateRow", "Snapshot", "gate_rows", "DOM_CLASSES", "FRAMEWORKS",
           "INPUT_DIM_RANGE", "UNITS_RANGE"]

#: Slider bounds (inclusive): m up to 4096 features, n up to 2048 units.
INPUT_DIM_RANGE: tuple[int, int] = (1, 4096)
UNITS_RANGE: tuple[int, int] = (1, 2048)
FRAMEWORKS: tuple[str, ...] = ("Keras", "PyTorch")
#: The CSS class of each part of the explorer, for browser tests (``page.locator(".lp-units")``).
DOM_CLASSES: dict[str, str] = {
    "explorer": "lp-explorer",
    "input_dim": "lp-input-dim",
    "units": "lp-units",
    "kind": "lp-kind",
    "use_bias": "lp-use-bias",
    "bidirectional": "lp-bidirectional",
    "reset_after": "lp-reset-after",
    "framework": "lp-framework",
    "dtype": "lp-dtype",
    "fixed_scale": "lp-fixed-scale",
    "total": "lp-total",
    "formula": "lp-formula",
    "memory": "lp-memory",
    "table": "lp-table",
    "picture": "lp-picture",
}
_DESCRIPTIONS = {
    "input_dim": "m (input_dim)",
    "units": "n (units)",
    "kind": "layer",
    "use_bias": "use_bias",
    "bidirectional": "bidirectional",
    "reset_after": "reset_after (GRU)",
    "framework": "framework",
    "dtype": "dtype",
    "fixed_scale": "fixed scale",
}
#: The largest picture (width, height in pixels) a fixed scale may draw; beyond it the picture is fitted again.
FIXED_SCALE_LIMIT: tuple[int, int] = (1680, 900)
_TORCH_NAMES = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}


@dataclass(frozen=True)
class GateRow:
    """One row of the per-gate table: a gate (in one direction) and its parameters."""

    direction: str
    gate: str
    input_kernel: int
    recurrent_kernel: int
    bias: int
    shapes: tuple[str, str, str]

    @property
    def params(self) -> int:
        """W + U + biases of this gate."""
        return self.input_kernel + self.recurrent_kernel + self.bias


def _bounded(name: str, value: Any, bounds: tuple[int, int]) -> int:
    number = v.positive_int(name, value)
    low, high = bounds
    if not low <= number <= high:
        raise ValueError(f"{name} must be between {low} and {high} (the slider's range), got {number}")
    return number


def _accepted(widget: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The part of a browser's update of ``widget`` that the kernel takes: a new value for a control.

    >>> ex = explorer()
    >>> _accepted(ex.controls["units"], {"max": 10**9, "value": 10**9})  # bounds never; the value clamped
    {'value': 2048}
    >>> _accepted(ex.controls["units"], {"value": "abc"}), _accepted(ex.controls["kind"], {"index": 7})
    ({}, {})
    """
    keys = widget.keys
    key = "index" if "index" in keys else "value"  # choices sync the position of the chosen option
    if key not in state or "disabled" not in keys or widget.disabled:
        return {}  # an output, a box or a disabled control: nothing
    value = state[key]
    if key == "index":
        return {key: value} if type(value) is int and 0 <= value < len(widget.options) else {}
    if isinstance(widget.value, bool):
        return {key: value} if type(value) is bool else {}
    return {key: min(max(value, widget.min), widget.max)} if type(value) is int else {}


def _guard(widget: Any) -> None:
    """Route the browser's updates of ``widget`` through :func:`_accepted`; put back the rest on the page."""
    apply = widget.set_state

    def receive(state: dict[str, Any]) -> None:
        taken = _accepted(widget, state)
        if taken:
            apply(taken)
        if taken != state:
            widget.send_state()  # the page's copy back to the kernel's values, bounds and labels

    widget.set_state = receive


def _tree(widget: Any) -> list[Any]:
    """``widget`` and every widget in its boxes."""
    return [widget, *(part for child in getattr(widget, "children", ()) for part in _tree(child))]


def _role(role: str) -> str:
    if "bias" in role:
        return "bias"
    return "recurrent" if "recurrent" in role else "input"


def gate_rows(layer: Layer) -> list[GateRow]:
    """The per-gate table of ``layer``, summed from its weight list.

    >>> first = gate_rows(recurrent_layer("LSTM", 12, 80))[0]
    >>> first.gate, first.input_kernel, first.recurrent_kernel, first.bias, first.params
    ('input', 960, 144, 12, 1116)
    """
    rows = []
    for _, direction, weights in weight_groups(layer.weights):
        sums = {"input": 0, "recurrent": 0, "bias": 0}
        shapes: dict[str, list[str]] = {"input": [], "recurrent": [], "bias": []}
        for w in weights:
            role = _role(w.role)
            sums[role] += w.size
            shapes[role].append(" × ".join(f"{d:,}" for d in w.shape))
        biases = shapes["bias"]
        bias_shape = " + ".join(biases) or "-"
        rows.append(GateRow(direction, weights[0].gate, sums["input"], sums["recurrent"], sums["bias"],
                            (" + ".join(shapes["input"]) or "-", " + ".join(shapes["recurrent"]) or "-", bias_shape)))
    return rows


_TABLE_STYLE = ("<style>.lp-gates{border-collapse:collapse;font-size:13px}"
                ".lp-gates th,.lp-gates td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}"
                ".lp-gates td.r,.lp-gates th.r{text-align:right;font-variant-numeric:tabular-nums}"
                ".lp-gates small{color:#666}.lp-gates tfoot td{font-weight:bold;border-bottom:none}</style>")


def _table_html(rows: list[GateRow], total: int, framework: str) -> str:
    """The per-gate table; the live widget puts :data:`_TABLE_STYLE` in front, a snapshot does not."""
    bidir = any(r.direction for r in rows)
    b_head = "b (n)" if framework == "Keras" else "b<sub>i</sub> + b<sub>h</sub> (n each)"
    head = (["direction"] if bidir else []) + ["gate"]
    parts = ["<table class='lp-gates'><thead><tr>"]
    parts += [f"<th>{h}</th>" for h in head]
    parts += [f"<th class='r'>{h}</th>" for h in ("W (n×m)", "U (n×n)", b_head, "parameters")]
    parts.append("</tr></thead><tbody>")
    for r in rows:
        gate = r.gate or "h (one transformation)"
        cells = ([f"<td>{html.escape(r.direction)}</td>"] if bidir else []) + [f"<td>{html.escape(gate)}</td>"]
        for count, shape in zip((r.input_kernel, r.recurrent_kernel, r.bias), r.shapes, strict=True):
            cells.append(f"<td class='r'>{count:,}<br><small>{html.escape(shape)}</small></td>")
        cells.append(f"<td class='r'><b>{r.params:,}</b></td>")
        parts.append(f"<tr class='lp-gate-row' data-gate='{html.escape(r.gate)}' "
                     f"data-direction='{html.escape(r.direction)}' data-params='{r.params}'>{''.join(cells)}</tr>")
    span = len(head)
    sums = [sum(r.input_kernel for r in rows), sum(r.recurrent_kernel for r in rows), sum(r.bias for r in rows)]
    foot = "".join(f"<td class='r'>{s:,}</td>" for s in sums)
    parts.append(f"</tbody><tfoot><tr class='lp-total-row' data-params='{total}'><td colspan='{span}'>total</td>"
                 f"{foot}<td class='r'>{total:,}</td></tr></tfoot></table>")
    return "".join(parts)


class Explorer:
    """The slider explorer's widget tree and handles to its parts (see the module docs).

    Build it with :func:`explorer`. Display it by leaving it last in a cell (or
    ``display(ex)``); ``ex.widget`` is the ipywidgets ``VBox`` itself.
    """

    def __init__(self, input_dim: int, units: int, kind: str, use_bias: bool, bidirectional: bool,
                 reset_after: bool, framework: str, dtype: str) -> None:
        w = require("ipywidgets", "The explorer")

        wide = {"description_width": "110px"}
        self.controls: dict[str, Any] = {
            "input_dim": w.IntSlider(value=input_dim, min=INPUT_DIM_RANGE[0], max=INPUT_DIM_RANGE[1], step=1,
                                     continuous_update=True, style=wide, layout=w.Layout(width="560px")),
            "units": w.IntSlider(value=units, min=UNITS_RANGE[0], max=UNITS_RANGE[1], step=1,
                                 continuous_update=True, style=wide, layout=w.Layout(width="560px")),
            "kind": w.ToggleButtons(options=list(KINDS), value=kind, style={**wide, "button_width": "104px"},
                                    layout=w.Layout(display="flex", align_items="center")),
            "use_bias": w.Checkbox(value=use_bias, indent=False, layout=w.Layout(width="110px")),
            "bidirectional": w.Checkbox(value=bidirectional, indent=False, layout=w.Layout(width="130px")),
            "reset_after": w.Checkbox(value=reset_after, indent=False, layout=w.Layout(width="160px")),
            "framework": w.ToggleButtons(options=list(FRAMEWORKS), value=framework,
                                         style={**wide, "button_width": "104px"},
                                         layout=w.Layout(display="flex", align_items="center")),
            "dtype": w.Dropdown(options=list(DTYPE_BYTES), value=dtype, style=wide, layout=w.Layout(width="240px")),
            "fixed_scale": w.Checkbox(value=False, indent=False, layout=w.Layout(width="120px")),
        }
        for name, control in self.controls.items():
            control.description = _DESCRIPTIONS[name]
            control.add_class(DOM_CLASSES[name])
            control.add_class("lp-control")
        for name in ("kind", "framework"):  # JupyterLab right-aligns an inline box's label, as the sliders' are
            self.controls[name].add_class("widget-inline-hbox")
        self.total: Any = w.HTML(layout=w.Layout(margin="6px 0 0 0"), style={"font_size": "22px"})
        self.formula: Any = w.HTML()
        self.memory: Any = w.HTML()
        self.table: Any = w.HTML()
        self.picture: Any = w.HTML()
        for name in ("total", "formula", "memory", "table", "picture"):
            getattr(self, name).add_class(DOM_CLASSES[name])
        c = self.controls
        self.widget: Any = w.VBox([
            c["input_dim"], c["units"], c["kind"],
            w.HBox([c["use_bias"], c["bidirectional"], c["reset_after"], c["fixed_scale"]],
                   layout=w.Layout(margin="0 0 0 114px")),
            c["framework"], c["dtype"],
            self.total, self.formula, self.memory, self.table, self.picture,
        ])
        self.widget.add_class(DOM_CLASSES["explorer"])
        #: Seconds the last update took, and how many updates ran (read by the benchmark).
        self.last_update_seconds = 0.0
        self.updates = 0
        self._holding = False
        #: Pixels per row/column of the picture while "fixed scale" is ticked (None: fitted at every move).
        self.pixels_per_unit: float | None = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        for part in _tree(self.widget):  # controls, outputs, boxes; not layouts and styles, which only dress the page
            _guard(part)
        self.update()

    # -- state ----------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def layer(self) -> Layer:
        """The layer the controls describe (a :mod:`lstm_params.pytorch` module under "PyTorch")."""
        return _layer_for(self.values)

    @property
    def params(self) -> int:
        """The count shown in :attr:`total`."""
        return self._params

    @property
    def rows(self) -> list[GateRow]:
        """The rows shown in :attr:`table`."""
        return list(self._rows)

    def set(self, **values: Any) -> None:
        """Set several controls at once (one update), e.g. ``ex.set(input_dim=4096, units=200)``.

        Values go through the controls, so sliders clamp out-of-range numbers as when a
        reader types them; an unknown control name is a ValueError.
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; the controls are {sorted(self.controls)}")
        self._holding = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._holding = False
        self.update()

    # -- the update path ---------------------------------------------------------------
    def _on_change(self, _change: dict[str, Any]) -> None:
        if not self._holding:
            self.update()

    def update(self) -> None:
        """Recompute every output from the controls (runs on each control change)."""
        start = time.perf_counter()
        s = self.values
        self.controls["reset_after"].disabled = not (s["kind"] == "GRU" and s["framework"] == "Keras")
        layer = self.layer
        params = layer.params
        self._params = params
        self._rows = gate_rows(layer)
        self.total.value = f'<span class="lp-total-number">{params:,}</span> parameters'
        formula = layer.formula
        line = (f"<code>{html.escape(_code(s))}</code><br>{html.escape(formula.expanded)} = "
                f"{html.escape(formula.substituted)} = {params:,}")
        other = self._other_framework(s)
        if other != params:
            name = "PyTorch" if s["framework"] == "Keras" else "Keras"
            line += f"<br><small>{name} counts {other:,} ({other - params:+,})</small>"
        self.formula.value = line
        dtype = s["dtype"]
        memory = [f"float32: {layer.memory_bytes('float32'):,} bytes ({readable_bytes(layer.memory_bytes('float32'))})"]
        if dtype != "float32":
            memory.append(f"{dtype}: {layer.memory_bytes(dtype):,} bytes ({readable_bytes(layer.memory_bytes(dtype))})")
        self.memory.value = "weights in memory: " + " &nbsp;·&nbsp; ".join(memory)
        self.table.value = _TABLE_STYLE + _table_html(self._rows, params, s["framework"])
        self.picture.value = self._picture(layer, s["fixed_scale"])
        self.updates += 1
        self.last_update_seconds = time.perf_counter() - start

    def _picture(self, layer: Layer, fixed: bool) -> str:
        """The weights drawn to scale: fitted to the page, or at the scale fixed when the box was ticked."""
        if not fixed:
            self.pixels_per_unit = None
            return weights_svg(layer, max_height=300)
        note = ""
        if self.pixels_per_unit is not None:
            blocks = weight_layout(layer, max_height=300, pixels_per_unit=self.pixels_per_unit)
            width, height = max(b.x + b.width for b in blocks), max(b.y + b.height for b in blocks)
            if width > FIXED_SCALE_LIMIT[0] or height > FIXED_SCALE_LIMIT[1]:
                self.pixels_per_unit = None
                note = "<div class='lp-scale-note'>Too large for the fixed scale: drawn at a new one.</div>"
        if self.pixels_per_unit is None:
            self.pixels_per_unit = weight_layout(layer, max_height=300)[0].scale
        return note + weights_svg(layer, max_height=300, pixels_per_unit=self.pixels_per_unit)

    @staticmethod
    def _other_framework(s: dict[str, Any]) -> int:
        other = "PyTorch" if s["framework"] == "Keras" else "Keras"
        return _layer_for({**s, "framework": other}).params

    # -- display ------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live widget, with a snapshot for renderers that cannot run it.

        JupyterLab with a kernel shows the widget (``application/vnd.jupyter.widget-view+json``);
        a page without one, or an untrusted notebook (whose widget renderer is not used), shows
        the ``text/html`` fallback (:meth:`_repr_html_`); a text console shows :meth:`summary`.
        """
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        bundle.update({"text/plain": self.summary(), "text/html": self._repr_html_()})
        return bundle

    def _repr_html_(self) -> str:
        """A static snapshot (total, formula, memory, per-gate table) for readers without a kernel.

        Sanitizer-safe: a plain ``<table>``, inline styles only, no ``<style>`` and no ``<svg>``
        (untrusted JupyterLab, GitHub and nbviewer strip those and would show their text run
        together). The picture is not in it: :meth:`snapshot` shows it as a PNG of its own.
        """
        parts = [f"<div style='font-size:20px;font-weight:600;margin:4px 0'>{self.total.value}</div>"]
        parts += [f"<div style='margin:4px 0'>{p}</div>" for p in (self.formula.value, self.memory.value)]
        parts.append(f"<div>{_table_html(self._rows, self._params, self.values['framework'])}</div>")
        return "<div class='lp-explorer-snapshot'>" + "".join(parts) + "</div>"

    def snapshot(self) -> Snapshot:
        """The current outputs as static objects: what a reader sees without a kernel (see :class:`Snapshot`)."""
        return Snapshot(self._repr_html_(), self.summary(),
                        WeightsPicture(self.layer, max_height=300, pixels_per_unit=self.pixels_per_unit))

    def summary(self) -> str:
        """What the explorer shows, as plain text: the call, the formula, the memory and the table.

        >>> print(explorer(3, 4, "SimpleRNN").summary())
        SimpleRNN, m = 3, n = 4 (Keras): keras.layers.SimpleRNN(4) on keras.Input((None, 3))
        nm + n² + n = 4·3 + 4² + 4 = 32 parameters
        weights in memory: float32: 128 bytes (128.00 B)
        gate   W (n×m)  U (n×n)  b (n)  parameters
        h           12       16      4          32
        total       12       16      4          32
        """
        s = self.values
        layer = self.layer
        formula = layer.formula
        lines = [f"{s['kind']}, m = {s['input_dim']:,}, n = {s['units']:,} ({s['framework']}): {_code(s)}",
                 f"{formula.expanded} = {formula.substituted} = {self.params:,} parameters",
                 re.sub(r"<[^>]+>", "", self.memory.value).replace("&nbsp;", " ")]
        bidir = any(r.direction for r in self._rows)
        bias = "b (n)" if s["framework"] == "Keras" else "b_i + b_h"
        header = (["direction"] if bidir else []) + ["gate", "W (n×m)", "U (n×n)", bias, "parameters"]
        body = [([r.direction] if bidir else []) + [r.gate or "h", f"{r.input_kernel:,}", f"{r.recurrent_kernel:,}",
                                                     f"{r.bias:,}", f"{r.params:,}"] for r in self._rows]
        sums = [sum(r.input_kernel for r in self._rows), sum(r.recurrent_kernel for r in self._rows),
                sum(r.bias for r in self._rows), self.params]
        body.append((["total", ""] if bidir else ["total"]) + [f"{x:,}" for x in sums])
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
        first_number = len(header) - 4
        for row in [header, *body]:
            cells = [c.rjust(wd) if i >= first_number else c.ljust(wd)
                     for i, (c, wd) in enumerate(zip(row, widths, strict=True))]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={val!r}" for k, val in self.values.items())
        return f"<Explorer {shown}: {self.params:,} parameters>"


class Snapshot:
    """The explorer's outputs at one moment, readable without a kernel and without trust.

    Jupyter shows it as two outputs: the sanitizer-safe HTML of :meth:`Explorer._repr_html_`
    (with the :meth:`Explorer.summary` text as its ``text/plain``), then the weights drawn to
    scale as an ``image/png`` (:class:`~lstm_params.plots.WeightsPicture`), so untrusted
    JupyterLab, GitHub and nbconvert all draw the picture.

    >>> snap = explorer(3, 4, "SimpleRNN").snapshot()
    >>> snap
    <Snapshot: SimpleRNN, m = 3, n = 4 (Keras): keras.layers.SimpleRNN(4) on keras.Input((None, 3))>
    >>> "<table" in snap.html and "<svg" not in snap.html, str(snap.picture).splitlines()[0]
    (True, 'SimpleRNN weights to scale (m = 3, n = 4): 32 parameters')
    """

    def __init__(self, html_text: str, text: str, picture: WeightsPicture | None = None) -> None:
        self.html = html_text
        self.text = text
        self.picture = picture

    def _repr_html_(self) -> str:
        return self.html

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display({"text/html": self.html, "text/plain": self.text}, raw=True)  # type: ignore[no-untyped-call]
        if self.picture is not None:
            display(self.picture)  # type: ignore[no-untyped-call]

    def __repr__(self) -> str:
        return f"<Snapshot: {self.text.splitlines()[0] if self.text else ''}>"


def _layer_for(s: dict[str, Any]) -> Layer:
    """The package's layer for the controls' values ``s``."""
    if s["framework"] == "PyTorch":
        from . import pytorch

        cls = getattr(pytorch, _TORCH_NAMES[s["kind"]])
        layer: Layer = cls(input_size=s["input_dim"], hidden_size=s["units"], bias=s["use_bias"],
                           bidirectional=s["bidirectional"])
        return layer
    return recurrent_layer(s["kind"], s["units"], s["input_dim"], use_bias=s["use_bias"],
                           bidirectional=s["bidirectional"], reset_after=s["reset_after"])


def _code(s: dict[str, Any]) -> str:
    """The framework call that makes this layer, e.g. ``keras.layers.LSTM(256)`` on 4096 features."""
    if s["framework"] == "PyTorch":
        args = [str(s["input_dim"]), str(s["units"])]
        args += [] if s["use_bias"] else ["bias=False"]
        args += ["bidirectional=True"] if s["bidirectional"] else []
        return f"torch.nn.{_TORCH_NAMES[s['kind']]}({', '.join(args)})"
    args = [str(s["units"])]
    args += [] if s["use_bias"] else ["use_bias=False"]
    if s["kind"] == "GRU" and not s["reset_after"]:
        args.append("reset_after=False")
    layer = f"keras.layers.{s['kind']}({', '.join(args)})"
    if s["bidirectional"]:
        layer = f"keras.layers.Bidirectional({layer})"
    return f"{layer} on keras.Input((None, {s['input_dim']}))"


def explorer(input_dim: Any = 4096, units: Any = 256, kind: Any = "LSTM", *, use_bias: Any = True,
             bidirectional: Any = False, reset_after: Any = True, framework: Any = "Keras",
             dtype: Any = "float32") -> Explorer:
    """Build the slider explorer, starting at the given values.

    Parameters
    ----------
    input_dim, units:
        Starting m (1-4096) and n (1-2048).
    kind:
        "LSTM", "GRU" or "SimpleRNN".
    use_bias, bidirectional, reset_after:
        Starting switches (``reset_after`` matters for a Keras GRU only).
    framework:
        "Keras" or "PyTorch" (whose layers have a second bias vector).
    dtype:
        The dtype of the second memory figure (float32 is always shown).

    Returns
    -------
    Explorer
        ``.widget`` to display, ``.controls`` to drive, ``.total`` & co. to read.

    Example
    -------
    >>> ex = explorer(25, 100)
    >>> ex.params, [r.params for r in ex.rows]
    (50400, [12600, 12600, 12600, 12600])
    >>> ex.set(framework="PyTorch")
    >>> ex.params  # two biases per gate: 4n = 400 more
    50800
    """
    m = _bounded("input_dim", input_dim, INPUT_DIM_RANGE)
    n = _bounded("units", units, UNITS_RANGE)
    chosen_kind: str = v.choice("kind", kind, KINDS)
    chosen_framework: str = v.choice("framework", framework, FRAMEWORKS)
    chosen_dtype: str = v.choice("dtype", dtype, tuple(DTYPE_BYTES))
    return Explorer(m, n, chosen_kind, v.flag("use_bias", use_bias), v.flag("bidirectional", bidirectional),
                    v.flag("reset_after", reset_after), chosen_framework, chosen_dtype)
