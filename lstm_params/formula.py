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
import numbers
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import Any

from . import _validate as v
from .frameworks import require

__all__ = ["Formula"]

# How each symbol is written; unknown symbols are written as they are.
_TEXT = {"k1": "k₁", "k2": "k₂", "k3": "k₃", "s1": "s₁", "s2": "s₂", "s3": "s₃"}
_LATEX = {"k1": "k_1", "k2": "k_2", "k3": "k_3", "s1": "s_1", "s2": "s_2", "s3": "s_3"}
# Symbol order inside a monomial: an input kernel reads "nm" as in 4(nm + n² + n), a conv kernel "k₁k₂CF".
_ORDER = ("n", "h", "m", "k1", "k2", "k3", "C", "s1", "s2", "s3", "F", "V", "d", "p")
_RANK = {s: i for i, s in enumerate(_ORDER)}
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
PRIME = "′"  # a second size of the same kind: n′, the units of a different backward layer
#: :attr:`Formula.terms` lists at most this many terms (one per weight tensor and copy).
MAX_TERMS = 10**6

Monomial = tuple[tuple[str, int], ...]  # ((symbol, power), ...) in display order


def _symbol_key(symbol: str) -> tuple[int, str, int]:
    base = symbol.rstrip(PRIME)
    return _RANK.get(base, len(_ORDER)), base, len(symbol) - len(base)


def _monomial(dims: Sequence[str]) -> Monomial:
    powers: dict[str, int] = {}
    for d in dims:
        powers[d] = powers.get(d, 0) + 1
    return tuple(sorted(powers.items(), key=lambda sp: _symbol_key(sp[0])))


def _collect(counts: Mapping[tuple[str, ...], int]) -> list[tuple[int, Monomial]]:
    """Sum equal monomials, keeping the order in which each first appears."""
    coefficients: dict[Monomial, int] = {}
    for dims, copies in counts.items():
        mono = _monomial(dims)
        coefficients[mono] = coefficients.get(mono, 0) + copies
    return [(c, mono) for mono, c in coefficients.items()]


def _term(name: str, term: Any) -> tuple[str, ...]:
    if isinstance(term, (str, bytes)) or not isinstance(term, Sequence) \
            or not all(isinstance(s, str) and s for s in term):
        raise TypeError(f"{name} must be a sequence of symbol names such as ('n', 'm'), got {v.shown(term)}")
    return tuple(term)


def _values(values: Any) -> dict[str, int]:
    if not isinstance(values, Mapping):
        raise TypeError(f"values must be a mapping from symbol to size such as {{'m': 3, 'n': 4}}, "
                        f"got {v.shown(values)} ({type(values).__name__})")
    out: dict[str, int] = {}
    for symbol, size in values.items():
        if not isinstance(symbol, str) or not symbol:
            raise TypeError(f"values must map symbol names (strings) to sizes, got the key {v.shown(symbol)}")
        out[symbol] = v.positive_int(f"values[{symbol!r}]", size)
    return out


def _name(symbol: str, latex: bool) -> str:
    base = symbol.rstrip(PRIME)
    primes = len(symbol) - len(base)
    return (_LATEX if latex else _TEXT).get(base, base) + ("'" if latex else PRIME) * primes


def _divide(mono: Monomial, by: Mapping[str, int]) -> Monomial:
    return tuple((s, p - by.get(s, 0)) for s, p in mono if p - by.get(s, 0) > 0)


def _render(coef: int, mono: Monomial, latex: bool) -> str:
    parts = []
    for sym, power in mono:
        name = _name(sym, latex)
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
        The number each symbol stands for in this layer, e.g. ``{"m": 4096, "n": 256}``
        (symbols that no term uses may be given too).
    """

    def __init__(self, terms: Iterable[Sequence[str]], values: Mapping[str, int]) -> None:
        if isinstance(terms, (str, bytes)) or not isinstance(terms, Iterable):
            raise TypeError(f"terms must be a list of symbol tuples such as [('n', 'm'), ('n',)], "
                            f"got {v.shown(terms)} ({type(terms).__name__})")
        counts: dict[tuple[str, ...], int] = {}
        for i, term in enumerate(terms):
            key = _term(f"terms[{i}]", term)
            counts[key] = counts.get(key, 0) + 1
        self._setup(counts, _values(values))

    @classmethod
    def from_counts(cls, counts: Mapping[tuple[str, ...], int], values: Mapping[str, int]) -> Formula:
        """The formula in which each term appears ``counts[term]`` times (any number: a stack of copies).

        >>> Formula.from_counts({("n", "n"): 10**9, ("n",): 2 * 10**9}, {"n": 8}).expanded
        '1000000000(n² + 2n)'
        """
        if not isinstance(counts, Mapping):
            raise TypeError(f"counts must be a mapping from a symbol tuple to its number of copies, "
                            f"got {v.shown(counts)} ({type(counts).__name__})")
        collected: dict[tuple[str, ...], int] = {}
        for term, copies in counts.items():
            key = _term("counts", term)
            collected[key] = collected.get(key, 0) + v.positive_int(f"counts[{key!r}]", copies, at_most=None)
        formula = cls.__new__(cls)
        formula._setup(collected, _values(values))
        return formula

    def _setup(self, counts: dict[tuple[str, ...], int], values: dict[str, int]) -> None:
        missing = {s for t in counts for s in t} - set(values)
        if missing:
            raise ValueError(f"values has no number for symbol(s) {sorted(missing)}")
        self.values: dict[str, int] = values
        self._counts = counts
        self._collected = _collect(counts)

    @property
    def terms(self) -> tuple[tuple[str, ...], ...]:
        """One tuple of symbols per weight tensor (and per copy), equal ones together; at most :data:`MAX_TERMS`."""
        total = sum(self._counts.values())
        if total > MAX_TERMS:
            raise ValueError(f"terms lists one tuple per tensor: at most {MAX_TERMS:,}, and this formula has "
                             f"{total:,}; its collected form is .expanded")
        return tuple(t for t, copies in self._counts.items() for _ in range(copies))

    # -- evaluation -------------------------------------------------------------------
    def __call__(self, **values: Any) -> Any:
        """Evaluate at other sizes; unspecified symbols keep this layer's values.

        A size is a positive integer or an integer NumPy array (the formula is then
        evaluated elementwise); a symbol the formula does not know is refused.

        >>> f = Formula([("n", "m"), ("n",)], {"m": 3, "n": 4})
        >>> f(m=10)
        44
        >>> f(k=10)
        Traceback (most recent call last):
        ...
        TypeError: this formula has no symbol 'k': its symbols are 'm', 'n'
        """
        for symbol, size in values.items():
            if symbol not in self.values:
                known = ", ".join(repr(s) for s in self.values)
                raise TypeError(f"this formula has no symbol {symbol!r}: its symbols are {known}")
            kind = getattr(getattr(size, "dtype", None), "kind", None)
            if kind not in ("i", "u") or isinstance(size, numbers.Integral):
                v.positive_int(symbol, size)
        return self._evaluate({**self.values, **values})

    def _evaluate(self, env: Mapping[str, Any]) -> Any:
        return sum(c * math.prod(env[s] ** p for s, p in mono) for c, mono in self._collected)

    @property
    def value(self) -> int:
        """The count at this layer's own sizes."""
        return int(self._evaluate(self.values))

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
        if not self._collected:  # a layer without weights
            return "0"
        g, primitive = self._content()
        outer = "" if g == 1 else str(g)
        return _wrap(outer, _render_sum(primitive, latex), len(primitive), latex)

    def _factored(self, latex: bool) -> str:
        if not self._collected:
            return "0"
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
        if not self._collected:
            return "0"
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

        symbols = {s: sympy.Symbol(s, positive=True, integer=True) for t in self._counts for s in t}
        return sympy.Add(*(c * sympy.Mul(*(symbols[s] ** p for s, p in mono)) for c, mono in self._collected))

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
