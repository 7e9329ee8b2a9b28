"""One comparison type for every framework reader: a row per layer, framework count next to ours.

:func:`lstm_params.compare_with_keras` and :func:`lstm_params.compare_with_torch` both
translate a built model into this package's layers and return a :class:`Comparison`:
per row the framework's count (``framework_params``), ours (``params``, from the
layer's formula), and the non-trainable part of each (Keras's BatchNormalization
statistics, PyTorch's ``requires_grad=False`` parameters).  Nothing here imports a
framework.

>>> rows = [ComparisonRow("lstm", "LSTM", 50400, 50400, "4(nm + n² + n)", ""),
...         ComparisonRow("bn", "BatchNormalization", 400, 400, "4C", "", 200, 200)]
>>> c = Comparison("model", rows, 50800, framework_non_trainable=200)
>>> c.all_match, c.total, c.trainable, c.non_trainable
(True, 50800, 50600, 200)
>>> c.rows[0].keras_params, c.keras_total  # the names of the first reader, kept
(50400, 50800)
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Comparison", "ComparisonRow"]


@dataclass(frozen=True)
class ComparisonRow:
    """One layer (or module) of a comparison.

    Attributes
    ----------
    name, kind:
        The layer's name in the model and its framework class name.
    framework_params:
        The framework's count for this layer (a parameter shared with an earlier row is
        not counted again, as the framework's total does not).
    params:
        Ours, from the layer's formula; None when the kind is not modelled or its input
        size is unknown.
    formula, note:
        How ours was computed, or why it could not be.
    framework_non_trainable, non_trainable:
        The non-trainable part of each count (0: everything trains).
    """

    name: str
    kind: str
    framework_params: int
    params: int | None
    formula: str
    note: str
    framework_non_trainable: int = 0
    non_trainable: int | None = 0

    @property
    def keras_params(self) -> int:
        """The framework's count under its first name (from when only Keras was read)."""
        return self.framework_params

    @property
    def framework_trainable(self) -> int:
        """The framework's trainable count."""
        return self.framework_params - self.framework_non_trainable

    @property
    def trainable(self) -> int | None:
        """Our trainable count (None when we have no count)."""
        return None if self.params is None or self.non_trainable is None else self.params - self.non_trainable

    @property
    def match(self) -> bool | None:
        """True/False when we have a count (the total and its non-trainable part); None when we do not."""
        if self.params is None:
            return None
        return self.params == self.framework_params and self.non_trainable == self.framework_non_trainable


class Comparison:
    """The rows of a framework comparison, with totals and a rich display.

    Parameters
    ----------
    model_name:
        Shown in the title.
    rows:
        One :class:`ComparisonRow` per layer.
    framework_total:
        The framework's own total (``model.count_params()``, ``sum(p.numel() ...)``).
    framework:
        The framework's name, the header of its column.
    framework_non_trainable:
        The framework's own non-trainable total.
    """

    def __init__(self, model_name: str, rows: list[ComparisonRow], framework_total: int, *,
                 framework: str = "Keras", framework_non_trainable: int = 0) -> None:
        self.model_name = model_name
        self.rows = rows
        self.framework_total = framework_total
        self.framework = framework
        self.framework_non_trainable = framework_non_trainable

    @property
    def keras_total(self) -> int:
        """The framework's total under its first name."""
        return self.framework_total

    @property
    def total(self) -> int:
        """Our total over the rows we count (unmodelled rows add nothing)."""
        return sum(r.params or 0 for r in self.rows)

    @property
    def non_trainable(self) -> int:
        """Our non-trainable total over the rows we count."""
        return sum(r.non_trainable or 0 for r in self.rows if r.params is not None)

    @property
    def trainable(self) -> int:
        """Our trainable total: :attr:`total` minus :attr:`non_trainable`."""
        return self.total - self.non_trainable

    @property
    def framework_trainable(self) -> int:
        """The framework's trainable total."""
        return self.framework_total - self.framework_non_trainable

    @property
    def all_match(self) -> bool:
        """Every layer modelled, every count equal, and the totals (and their trainable parts) equal."""
        return (all(r.match is True for r in self.rows) and self.total == self.framework_total
                and self.non_trainable == self.framework_non_trainable)

    @property
    def unmodelled(self) -> list[str]:
        """Names of layers we could not count."""
        return [r.name for r in self.rows if r.params is None]

    def __iter__(self) -> Iterator[ComparisonRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> ComparisonRow:
        return self.rows[i]

    # -- display ----------------------------------------------------------------------
    def _split(self) -> bool:
        """Whether to show the non-trainable columns (only when something is frozen)."""
        return bool(self.framework_non_trainable or self.non_trainable
                    or any(r.framework_non_trainable or r.non_trainable for r in self.rows))

    def _header(self) -> list[str]:
        head = ["layer", "kind", self.framework, "formula", "match", "how"]
        if not self._split():
            return head
        return [*head[:4], f"{self.framework} non-trainable", "ours non-trainable", *head[4:]]

    def _table(self) -> list[list[str]]:
        split = self._split()
        out = []
        for r in self.rows:
            ours = "-" if r.params is None else f"{r.params:,}"
            verdict = {True: "yes", False: "NO", None: "-"}[r.match]
            frozen = [f"{r.framework_non_trainable:,}", "-" if r.params is None else f"{r.non_trainable or 0:,}"]
            out.append([r.name, r.kind, f"{r.framework_params:,}", ours, *(frozen if split else []), verdict,
                        r.formula or r.note])
        ok = "yes" if self.total == self.framework_total and self.non_trainable == self.framework_non_trainable \
            else "NO"
        frozen = [f"{self.framework_non_trainable:,}", f"{self.non_trainable:,}"]
        out.append(["Total", "", f"{self.framework_total:,}", f"{self.total:,}", *(frozen if split else []), ok, ""])
        return out

    def _numeric(self) -> range:
        return range(2, 6 if self._split() else 4)

    def __str__(self) -> str:
        header = self._header()
        rows = [header, *self._table()]
        numeric = self._numeric()
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                           for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip() for r in rows]
        rule = "-" * max(len(line) for line in lines)
        return "\n".join([f"Model {self.model_name!r}", lines[0], rule, *lines[1:-1], rule, lines[-1]])

    def __repr__(self) -> str:
        state = "all match" if self.all_match else "MISMATCH or unmodelled layers"
        return f"<Comparison of {self.model_name!r}: {len(self.rows)} layers, {state}>"

    def _repr_html_(self) -> str:
        header = self._header()
        numeric = self._numeric()
        verdict_at = len(header) - 2
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = []
        for r in self._table():
            color = {"yes": "#1a7f37", "NO": "#cf222e"}.get(r[verdict_at], "inherit")
            cells = [c if i in numeric else html.escape(c) for i, c in enumerate(r)]
            cells[verdict_at] = f"<span style='color:{color}'><b>{r[verdict_at]}</b></span>"
            body.append("<tr>" + "".join(
                f"<td style='text-align:{'right' if i in numeric else 'left'}'>{c}</td>"
                for i, c in enumerate(cells)) + "</tr>")
        return (f"<div><b>Model {html.escape(self.model_name)!s}</b><table><thead><tr>{head}</tr>"
                f"</thead><tbody>{''.join(body)}</tbody></table></div>")
