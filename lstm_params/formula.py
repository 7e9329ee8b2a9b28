"""Symbolic parameter counts, derived from a layer's weight list.

A :class:`Formula` is the sum, over every weight tensor of a layer, of the product
of that tensor's symbolic dimensions (``("n", "m")`` for an input kernel W).  It is
never typed in by hand, so it cannot drift from the weights the package lists.

The algebra needed (collecting monomials, pulling out the common factor) is small
enough to do here without SymPy; :meth:`Formula.sympy` hands the same expression to
SymPy (imported lazily) for readers who want to go further, and the tests check
both agree.

>>> f = Formula([("n", "m"), ("n", "n"), ("n",)] * 4, {"m": 25, "n": 100})
>>> f.expanded
'4(nm + n² + n)'
>>> f.factored
'4n(m + n + 1)'
>>> f.value
50400
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import Any

from .frameworks import require

__all__ = ["Formula"]

# How each symbol is written; unknown symbols are written as they are.
_TEXT = {"k1": "k₁", "k2": "k₂", "k3": "k₃"}
_LATEX = {"k1": "k_1", "k2": "k_2", "k3": "k_3"}
# Symbol order inside a monomial: an input kernel reads "nm" as in 4(nm + n² + n), a conv kernel "k₁k₂CF".
_ORDER = ("n", "h", "m", "k1", "k2", "k3", "C", "F", "V", "d", "p")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

Monomial = tuple[tuple[str, int], ...]  # ((symbol, power), ...) in display order


def _monomial(dims: Sequence[str]) -> Monomial:
    powers: dict[str, int] = {}
    for d in dims:
        powers[d] = powers.get(d, 0) + 1
    rank = {s: i for i, s in enumerate(_ORDER)}
    return tuple(sorted(powers.items(), key=lambda sp: (rank.get(sp[0], len(_ORDER)), sp[0])))


def _collect(terms: Iterable[Sequence[str]]) -> list[tuple[int, Monomial]]:
    """Sum equal monomials, keeping the order in which each first appears."""
    coefficients: dict[Monomial, int] = {}
    for dims in terms:
        mono = _monomial(dims)
        coefficients[mono] = coefficients.get(mono, 0) + 1
    return [(c, mono) for mono, c in coefficients.items()]


def _divide(mono: Monomial, by: Mapping[str, int]) -> Monomial:
    return tuple((s, p - by.get(s, 0)) for s, p in mono if p - by.get(s, 0) > 0)


def _render(coef: int, mono: Monomial, latex: bool) -> str:
    names = _LATEX if latex else _TEXT
    parts = []
    for sym, power in mono:
        name = names.get(sym, sym)
        if power == 1:
            parts.append(name)
        elif latex:
            parts.append(f"{name}^{{{power}}}")
        else:
            parts.append(name + str(power).translate(_SUPERSCRIPT))
    body = (" " if latex else "").join(parts)
    if not parts:
        return str(coef)
    return body if coef == 1 else f"{coef}{body}"


def _render_sum(terms: list[tuple[int, Monomial]], latex: bool) -> str:
    return " + ".join(_render(c, m, latex) for c, m in terms)


def _wrap(outer: str, inner: str, n_terms: int, latex: bool) -> str:
    if n_terms == 1:
        return f"{outer}{inner}" if outer else inner
    if latex:
        return f"{outer}\\left({inner}\\right)" if outer else inner
    return f"{outer}({inner})" if outer else inner


class Formula:
    """The symbolic parameter count of a layer, and its value at the layer's sizes.

    Parameters
    ----------
    terms:
        One tuple of symbolic dimensions per weight tensor (a weight of shape
        ``(n, m)`` contributes ``("n", "m")``).
    values:
        The number each symbol stands for in this layer, e.g. ``{"m": 4096, "n": 256}``.
    """

    def __init__(self, terms: Iterable[Sequence[str]], values: Mapping[str, int]) -> None:
        self.terms: tuple[tuple[str, ...], ...] = tuple(tuple(t) for t in terms)
        self.values: dict[str, int] = dict(values)
        missing = {s for t in self.terms for s in t} - set(self.values)
        if missing:
            raise ValueError(f"values has no number for symbol(s) {sorted(missing)}")
        self._collected = _collect(self.terms)

    # -- evaluation -------------------------------------------------------------------
    def __call__(self, **values: int) -> int:
        """Evaluate at other sizes; unspecified symbols keep this layer's values.

        >>> Formula([("n", "m"), ("n",)], {"m": 3, "n": 4})(m=10)
        44
        """
        env = {**self.values, **values}
        return sum(c * math.prod(env[s] ** p for s, p in mono) for c, mono in self._collected)

    @property
    def value(self) -> int:
        """The count at this layer's own sizes."""
        return self()

    # -- forms ------------------------------------------------------------------------
    def _content(self) -> tuple[int, list[tuple[int, Monomial]]]:
        g = reduce(math.gcd, (c for c, _ in self._collected), 0) or 1
        return g, [(c // g, m) for c, m in self._collected]

    def _common(self) -> tuple[int, dict[str, int], list[tuple[int, Monomial]]]:
        g, primitive = self._content()
        common: dict[str, int] = {}
        if primitive:
            first = dict(primitive[0][1])
            for sym in first:
                common[sym] = min(dict(m).get(sym, 0) for _, m in primitive)
            common = {s: p for s, p in common.items() if p > 0}
        return g, common, [(c, _divide(m, common)) for c, m in primitive]

    def _expanded(self, latex: bool) -> str:
        g, primitive = self._content()
        outer = "" if g == 1 else str(g)
        return _wrap(outer, _render_sum(primitive, latex), len(primitive), latex)

    def _factored(self, latex: bool) -> str:
        g, common, rest = self._common()
        factor = _render(g, _monomial([s for s, p in common.items() for _ in range(p)]), latex)
        if factor == "1":
            factor = ""
        if len(rest) == 1:
            inner = _render(rest[0][0], rest[0][1], latex)
            if inner == "1":
                return factor or "1"
            return f"{factor}{inner}" if not latex or not factor else f"{factor} {inner}"
        return _wrap(factor, _render_sum(rest, latex), len(rest), latex)

    @property
    def expanded(self) -> str:
        """The count with only the numeric factor pulled out, e.g. ``4(nm + n² + n)``."""
        return self._expanded(latex=False)

    @property
    def factored(self) -> str:
        """The count with every common factor pulled out, e.g. ``4n(m + n + 1)``."""
        return self._factored(latex=False)

    @property
    def latex(self) -> str:
        """LaTeX of :attr:`expanded` (no surrounding dollars)."""
        return self._expanded(latex=True)

    @property
    def latex_factored(self) -> str:
        """LaTeX of :attr:`factored` (no surrounding dollars)."""
        return self._factored(latex=True)

    @property
    def substituted(self) -> str:
        """The expanded form with this layer's numbers put in, e.g. ``4(256·4096 + 256² + 256)``."""
        g, primitive = self._content()
        parts = []
        for c, mono in primitive:
            nums = [str(self.values[s]) + ("" if p == 1 else str(p).translate(_SUPERSCRIPT)) for s, p in mono]
            body = "·".join(nums) if nums else "1"
            parts.append(body if c == 1 else f"{c}·{body}")
        inner = " + ".join(parts)
        return inner if g == 1 else f"{g}({inner})"

    def sympy(self) -> Any:
        """The same count as a SymPy expression (imports SymPy on first use)."""
        sympy = require("sympy", "Formula.sympy()")

        symbols = {s: sympy.Symbol(s, positive=True, integer=True) for t in self.terms for s in t}
        return sympy.Add(*(sympy.Mul(*(symbols[s] for s in t)) for t in self.terms))

    # -- display ----------------------------------------------------------------------
    def __str__(self) -> str:
        return f"{self.expanded} = {self.factored}"

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"<Formula {self.expanded} at {shown} = {self.value:,}>"

    def _repr_latex_(self) -> str:
        return f"$${self.latex} = {self.latex_factored}$$"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Formula):
            return NotImplemented
        return sorted(self._collected) == sorted(other._collected)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._collected)))
