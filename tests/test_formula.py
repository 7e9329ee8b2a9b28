"""Formulas are derived from the weight list; SymPy confirms the algebra."""

from __future__ import annotations

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.parsing.sympy_parser import (
    implicit_multiplication_application,
    parse_expr,
    split_symbols,
    standard_transformations,
)

import lstm_params as lp

sizes = st.integers(1, 5000)


def layers(m, n):
    return [
        lp.LSTM(n, input_dim=m), lp.LSTM(n, input_dim=m, use_bias=False),
        lp.GRU(n, input_dim=m), lp.GRU(n, input_dim=m, reset_after=False), lp.GRU(n, input_dim=m, use_bias=False),
        lp.SimpleRNN(n, input_dim=m), lp.Dense(n, input_dim=m), lp.Embedding(m, n),
        lp.Bidirectional(lp.LSTM(n, input_dim=m)), lp.Bidirectional(lp.GRU(n, input_dim=m), merge_mode="sum"),
    ]


@settings(max_examples=50, deadline=None)
@given(m=sizes, n=sizes)
def test_formula_value_is_the_count(m, n):
    for layer in layers(m, n):
        assert layer.formula.value == layer.params == sum(w.size for w in layer.weights)


@pytest.mark.parametrize("index", range(10))
def test_forms_agree_with_sympy(index):
    layer = layers(7, 5)[index]
    f = layer.formula
    expr = f.sympy()
    symbols = {str(s): s for s in expr.free_symbols}

    def parse(text):
        transformations = (*standard_transformations, split_symbols, implicit_multiplication_application)
        return parse_expr(text.replace("²", "**2"), local_dict=symbols, transformations=transformations)

    assert sympy.expand(parse(f.expanded) - expr) == 0, f.expanded
    assert sympy.expand(parse(f.factored) - expr) == 0, f.factored
    assert sympy.factor(expr) == sympy.factor(parse(f.factored))


@pytest.mark.parametrize(("layer", "expanded", "factored"), [
    (lp.LSTM(3, input_dim=2), "4(nm + n² + n)", "4n(m + n + 1)"),
    (lp.LSTM(3, input_dim=2, use_bias=False), "4(nm + n²)", "4n(m + n)"),
    (lp.GRU(3, input_dim=2), "3(nm + n² + 2n)", "3n(m + n + 2)"),
    (lp.GRU(3, input_dim=2, reset_after=False), "3(nm + n² + n)", "3n(m + n + 1)"),
    (lp.SimpleRNN(3, input_dim=2), "nm + n² + n", "n(m + n + 1)"),
    (lp.Dense(3, input_dim=2), "nm + n", "n(m + 1)"),
    (lp.Dense(3, input_dim=2, use_bias=False), "nm", "nm"),
    (lp.Embedding(3, 2), "Vd", "Vd"),
    (lp.Bidirectional(lp.LSTM(3, input_dim=2)), "8(nm + n² + n)", "8n(m + n + 1)"),
])
def test_textbook_forms(layer, expanded, factored):
    """These strings are the textbook forms (the guide's 4(nm + n² + n)), written by hand."""
    assert layer.formula.expanded == expanded
    assert layer.formula.factored == factored


def test_latex_and_evaluation():
    f = lp.LSTM(256, input_dim=4096).formula
    assert f.latex == r"4\left(n m + n^{2} + n\right)"
    assert f.latex_factored == r"4n\left(m + n + 1\right)"
    assert f(m=25, n=100) == 50_400
    assert f._repr_latex_().startswith("$$")
    assert f.substituted == "4(256·4096 + 256² + 256)"


def test_the_concat_view_is_the_same_count():
    """[h, x] concatenated: 4 · n · (n + m + 1) equals the W/U/b sum."""
    for m, n in [(4096, 256), (25, 100), (80, 12)]:
        assert lp.LSTM(n, input_dim=m).params == 4 * n * (n + m + 1)
