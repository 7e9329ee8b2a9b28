"""Tables for people: plain text (terminal, doctests) and HTML (Jupyter's rich display)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ._validate import digits

if TYPE_CHECKING:
    from .graph import Model
    from .layers import Layer, Sequential
    from .weights import Weight

__all__ = ["layer_text", "layer_html", "sequential_text", "sequential_html", "model_text", "model_html",
           "readable_bytes"]


def readable_bytes(n: int) -> str:
    """Bytes as ``model.summary()`` prints them: binary units, two decimals.

    >>> readable_bytes(17829888)
    '17.00 MB'
    >>> readable_bytes(3 * 1024**4 * 10**400)  # beyond what a float holds: exact integer arithmetic
    '3000...000.00 TB (a 401-digit number)'
    """
    if n < 2**53:  # exact as a float
        size = float(n)
        for unit in ("B", "KB", "MB", "GB", "TB"):
            if size < 1024 or unit == "TB":
                return f"{size:.2f} {unit}"
            size /= 1024
    whole, cents = divmod((n * 100 + 1024**4 // 2) // 1024**4, 100)  # TB, rounded to two decimals
    length = digits(whole)
    if length <= 30:
        return f"{whole}.{cents:02d} TB"
    return f"{whole // 10 ** (length - 4)}...{whole % 1000:03d}.{cents:02d} TB (a {length}-digit number)"


def _shape(shape: tuple[int, ...]) -> str:
    return " × ".join(f"{d:,}" for d in shape)


def _pieces(layer: Layer) -> tuple[list[Weight], list[str] | None, bool]:
    """The weights a table lists, the row standing for those it leaves out, and whether it has directions."""
    weights, omitted = layer._shown_weights()
    bidir = any(w.direction for w in weights)
    rest = None
    if omitted is not None:
        what, count, storage = omitted
        rest = ([""] if bidir else []) + ["…", "", what, "", f"{count:,}", storage]
    return weights, rest, bidir


def _rows(layer: Layer) -> list[list[str]]:
    weights, rest, bidir = _pieces(layer)
    rows = []
    for w in weights:
        row = [w.direction] if bidir else []
        row += [w.gate or "-", w.name, w.role, _shape(w.shape), f"{w.size:,}", w.storage]
        rows.append(row)
    return rows if rest is None else [*rows, rest]


def _header(layer: Layer) -> list[str]:
    bidir = _pieces(layer)[2]
    framework = getattr(layer, "framework", "Keras")  # PyTorch modules say "PyTorch"
    return (["direction"] if bidir else []) + ["gate", "weight", "role", "shape", "params", f"{framework} storage"]


def _gate_note(layer: Layer) -> str:
    """What the per-gate sums cover when a layer holds several copies of each gate."""
    note = getattr(layer, "_gate_note", None)
    if note is not None:
        return str(note())
    return " (both directions)" if any(w.direction for w in layer.weights) else ""


def _sizes(layer: Layer) -> str:
    return ", ".join(f"{k} = {val:,}" for k, val in layer.formula.values.items())


def _table_text(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        pairs = enumerate(zip(r, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    lines = [line(r) for r in [header, *rows]]
    rule = "-" * max(len(x) for x in lines)
    return [lines[0], rule, *lines[1:], rule]





def layer_text(layer: Layer) -> str:
    """The weight table of one layer, with its total and formula.

    >>> from lstm_params import SimpleRNN
    >>> print(layer_text(SimpleRNN(4, input_dim=3)))
    SimpleRNN(units=4, input_dim=3, use_bias=True, return_sequences=False)  [m = 3, n = 4]
    gate  weight  role              shape  params  Keras storage
    ---------------------------------------------------------------
    -     W       input kernel      4 × 3      12  kernel
    -     U       recurrent kernel  4 × 4      16  recurrent_kernel
    -     b       bias              4           4  bias
    ---------------------------------------------------------------
    Total params: 32 (128.00 B)
    Formula: nm + n² + n = n(m + n + 1) = 4·3 + 4² + 4
    """
    header = _header(layer)
    lines = [f"{layer!r}  [{_sizes(layer)}]"]
    lines += _table_text(header, _rows(layer), {len(header) - 2})
    gates = layer.gate_params
    if gates:
        lines.append("Per gate: " + ", ".join(f"{g} {c:,}" for g, c in gates.items()) + _gate_note(layer))
    lines.append(f"Total params: {layer.params:,} ({readable_bytes(layer.memory_bytes())})")
    lines.append(f"Formula: {layer.formula} = {layer.formula.substituted}")
    return "\n".join(lines)


def _weight_html(name: str) -> str:
    base, _, sub = name.partition("_")
    return html.escape(base) + (f"<sub>{html.escape(sub)}</sub>" if sub else "")


_STYLE = ("<style>.lp-t td,.lp-t th{padding:2px 8px;text-align:left}"
          ".lp-t td.r{text-align:right;font-variant-numeric:tabular-nums}</style>")


def layer_html(layer: Layer) -> str:
    """The weight table of one layer as HTML (what Jupyter shows for a layer)."""
    header = _header(layer)
    parts = [_STYLE, f"<div><b>{html.escape(repr(layer))}</b> &nbsp; {html.escape(_sizes(layer))}",
             "<table class='lp-t'><thead><tr>"]
    parts += [f"<th>{html.escape(h)}</th>" for h in header]
    parts.append("</tr></thead><tbody>")
    weights, rest, bidir = _pieces(layer)
    for w in weights:
        cells = [html.escape(w.direction)] if bidir else []
        cells += [html.escape(w.gate or "-"), _weight_html(w.name), html.escape(w.role),
                  html.escape(_shape(w.shape))]
        row = "".join(f"<td>{c}</td>" for c in cells)
        row += f"<td class='r'>{w.size:,}</td><td><code>{html.escape(w.storage)}</code></td>"
        parts.append(f"<tr>{row}</tr>")
    if rest is not None:
        row = "".join(f"<td>{html.escape(c)}</td>" for c in rest[:-2])
        parts.append(f"<tr>{row}<td class='r'>{rest[-2]}</td><td><code>{html.escape(rest[-1])}</code></td></tr>")
    formula = layer.formula
    parts.append("</tbody></table>")
    parts.append(f"<b>Total params: {layer.params:,}</b> ({readable_bytes(layer.memory_bytes())})"
                 f" = {html.escape(formula.expanded)} = {html.escape(formula.factored)}</div>")
    return "".join(parts)


def _seq_rows(model: Sequential) -> list[list[str]]:
    rows = []
    for layer in model.layers:
        formula = layer.formula
        rows.append([layer.name or "", layer.kind, f"{layer.output_dim:,}", f"{layer.params:,}",
                     f"{formula.expanded} at {_sizes(layer)}" if formula.values else formula.expanded])
    return rows


def sequential_text(model: Sequential) -> str:
    """A ``model.summary()``-like table of a Sequential.

    >>> from lstm_params import Sequential, LSTM, Dense
    >>> print(sequential_text(Sequential([LSTM(8), Dense(2)], input_dim=3)))
    layer  kind   output  params  formula
    ------------------------------------------------------------
    lstm   LSTM        8     384  4(nm + n² + n) at m = 3, n = 8
    dense  Dense       2      18  nm + n at m = 8, n = 2
    ------------------------------------------------------------
    Total params: 402 (1.57 KB)
    """
    header = ["layer", "kind", "output", "params", "formula"]
    lines = _table_text(header, _seq_rows(model), {2, 3})
    lines.append(f"Total params: {model.params:,} ({readable_bytes(model.memory_bytes())})")
    return "\n".join(lines)


def sequential_html(model: Sequential) -> str:
    """A ``model.summary()``-like table of a Sequential, as HTML."""
    header = ["layer", "kind", "output", "params", "formula"]
    parts = [_STYLE, "<table class='lp-t'><thead><tr>"]
    parts += [f"<th>{h}</th>" for h in header]
    parts.append("</tr></thead><tbody>")
    for r in _seq_rows(model):
        parts.append(f"<tr><td>{html.escape(r[0])}</td><td>{html.escape(r[1])}</td>"
                     f"<td class='r'>{r[2]}</td><td class='r'>{r[3]}</td><td>{html.escape(r[4])}</td></tr>")
    parts.append("</tbody></table>")
    parts.append(f"<b>Total params: {model.params:,}</b> ({readable_bytes(model.memory_bytes())})")
    return "".join(parts)


def _model_rows(model: Model) -> list[list[str]]:
    rows = []
    for layer, name in zip(model.layers, model.names, strict=True):
        nodes = vars(layer).get("_nodes", [])
        shown = [t.features for t in nodes[0].outputs] if nodes else []
        output = ", ".join("ids" if f is None else f"{f:,}" for f in shown)
        formula = layer.formula
        rows.append([name, layer.kind, output, f"{layer.params:,}", ", ".join(model.connections(layer)) or "-",
                     f"{formula.expanded} at {_sizes(layer)}" if formula.values else formula.expanded])
    return rows


_MODEL_HEADER = ["layer", "kind", "output", "params", "connected to", "formula"]


def model_text(model: Model) -> str:
    """A ``model.summary()``-like table of a functional :class:`~lstm_params.graph.Model`.

    "connected to" names the tensors each layer reads as Keras does: ``lstm[0][1]`` is
    output 1 (h) of the first call of ``lstm``.

    >>> from lstm_params import LSTM, Dense
    >>> from lstm_params.graph import Input, Model
    >>> x = Input(3)
    >>> print(model_text(Model(x, Dense(2)(LSTM(8)(x)))))
    layer        kind        output  params  connected to       formula
    ------------------------------------------------------------------------------------------
    input_layer  InputLayer       3       0  -                  0
    lstm         LSTM             8     384  input_layer[0][0]  4(nm + n² + n) at m = 3, n = 8
    dense        Dense            2      18  lstm[0][0]         nm + n at m = 8, n = 2
    ------------------------------------------------------------------------------------------
    Total params: 402 (1.57 KB)
    """
    lines = _table_text(_MODEL_HEADER, _model_rows(model), {2, 3})
    lines.append(f"Total params: {model.params:,} ({readable_bytes(model.memory_bytes())})")
    return "\n".join(lines)


def model_html(model: Model) -> str:
    """A ``model.summary()``-like table of a functional :class:`~lstm_params.graph.Model`, as HTML."""
    parts = [_STYLE, "<table class='lp-t'><thead><tr>"]
    parts += [f"<th>{h}</th>" for h in _MODEL_HEADER]
    parts.append("</tr></thead><tbody>")
    for r in _model_rows(model):
        cells = [f"<td class='r'>{c}</td>" if i in (2, 3) else f"<td>{html.escape(c)}</td>" for i, c in enumerate(r)]
        parts.append(f"<tr>{''.join(cells)}</tr>")
    parts.append("</tbody></table>")
    parts.append(f"<b>Total params: {model.params:,}</b> ({readable_bytes(model.memory_bytes())})")
    return "".join(parts)


def weight_label(w: Weight) -> str:
    """A one-line description of a weight, e.g. ``W_i (input kernel) 256 × 4096``."""
    return f"{w.name} ({w.role}) {_shape(w.shape)}"
