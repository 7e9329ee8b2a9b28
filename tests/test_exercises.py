"""lp.check and lp.reveal: right answers come from real Keras, and every hint is checked on the
number a real mistake produces (a Keras layer without biases, a GRU standing in for "three gates",
PyTorch's count, the seed pages' own wrong numbers...), never on numbers made by the code under test.
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# (m, n) pairs: the seed pages' examples and a few more, all with m != n.
SIZES = [(25, 100), (80, 12), (100, 256), (4096, 256), (4096, 200), (126, 64), (3, 4)]
# Zero initialisers: the count is the same, and a 4096-unit layer builds without a slow orthogonal init.
FAST = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}


@pytest.fixture(scope="module")
def torch_module() -> ModuleType:
    return lp.import_torch()


def keras_count(keras, layer, m: int, timesteps: int = 7) -> int:
    """Build ``layer`` on (timesteps, m) inputs and return Keras's count."""
    inputs = keras.Input((timesteps, m))
    layer(inputs)
    return int(layer.count_params())


# -- right answers ----------------------------------------------------------------------------
@SETTINGS
@given(kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]), m=st.integers(1, 300), n=st.integers(1, 300),
       use_bias=st.booleans(), bidirectional=st.booleans())
def test_keras_count_is_right(keras, kind, m, n, use_bias, bidirectional):
    layer = getattr(keras.layers, kind)(n, use_bias=use_bias)
    ours = getattr(lp, kind)(n, input_dim=m, use_bias=use_bias)
    if bidirectional:
        layer, ours = keras.layers.Bidirectional(layer), lp.Bidirectional(ours)
    answer = keras_count(keras, layer, m)
    result = lp.check(answer, ours)
    assert result.correct is True and bool(result)
    assert result.hint == ""
    assert repr(result).startswith(f"Right: {answer:,} is the number of parameters of ")
    assert lp.reveal(ours).count == answer


def test_check_accepts_keras_objects_and_ints(keras):
    inputs = keras.Input((16, 4096), name="frames")
    model = keras.Model(inputs, keras.layers.LSTM(256, name="lstm_256")(inputs), name="seed_model")
    assert lp.check(4_457_472, model)  # the number the seed page's model.summary() printed
    assert lp.check(4_457_472, model.get_layer("lstm_256"))
    assert "the Keras Functional 'seed_model'" in repr(lp.check(4_457_472, model))
    assert lp.check(4_457_472, 4_457_472)
    assert lp.check(np.int64(4_457_472), lp.LSTM(256, input_dim=4096))


def test_thousands_separators_and_html():
    right = lp.check(3_437_600, lp.LSTM(200, input_dim=4096))
    assert "3,437,600" in repr(right) and "3,437,600" in right._repr_html_() and "✓" in right._repr_html_()
    wrong = lp.check(3_436_800, lp.LSTM(200, input_dim=4096))
    assert "3,436,800" in repr(wrong) and "✗" in wrong._repr_html_() and "Hint:" in wrong._repr_html_()
    assert "3,437,600" not in repr(wrong), "a wrong answer's verdict does not give the right one away"


def test_no_answer_yet():
    result = lp.check(None, lp.LSTM(100, input_dim=25))
    assert result.correct is None and not result
    assert repr(result) == "Write your answer (answer = ...), then run the cell again."
    assert "✎" in result._repr_html_()


# -- hints on real mistakes ------------------------------------------------------------------------
def hint(answer, expected) -> str:
    result = lp.check(answer, expected)
    assert result.correct is False, (answer, expected)
    return result.hint


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_forgotten_biases(keras, m, n):
    for kind, gates in (("LSTM", 4), ("SimpleRNN", 1)):
        answer = keras_count(keras, getattr(keras.layers, kind)(n, use_bias=False), m)
        text = hint(answer, getattr(lp, kind)(n, input_dim=m))
        assert "forget the biases" in text
        assert f"= {gates * n:,} (n = {n:,})" in text
    answer = keras_count(keras, keras.layers.GRU(n, use_bias=False), m)
    assert "forget the biases" in hint(answer, lp.GRU(n, input_dim=m))
    assert f"6n = {6 * n:,}" in hint(answer, lp.GRU(n, input_dim=m))  # reset_after: two biases per gate
    dense = keras.layers.Dense(n, use_bias=False)
    dense.build((None, m))
    assert "forget the bias" in hint(dense.count_params(), lp.Dense(n, input_dim=m))


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_three_gates(keras, m, n):
    """A GRU without reset_after has three transformations of (nm + n² + n): the "three gates" answer."""
    answer = keras_count(keras, keras.layers.GRU(n, reset_after=False), m)
    text = hint(answer, lp.LSTM(n, input_dim=m))
    assert "3 transformations" in text and "an LSTM has 4" in text and "forget" in text


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_one_gate(keras, m, n):
    answer = keras_count(keras, keras.layers.SimpleRNN(n), m)
    assert "one transformation's worth" in hint(answer, lp.LSTM(n, input_dim=m))
    lstm_answer = keras_count(keras, keras.layers.LSTM(n), m)
    assert "4 transformations' worth" in hint(lstm_answer, lp.SimpleRNN(n, input_dim=m))


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_pytorch_count(torch_module, m, n):
    lstm = sum(p.numel() for p in torch_module.nn.LSTM(m, n).parameters())
    assert "PyTorch" in hint(lstm, lp.LSTM(n, input_dim=m)) and "bias_hh" in hint(lstm, lp.LSTM(n, input_dim=m))
    rnn = sum(p.numel() for p in torch_module.nn.RNN(m, n).parameters())
    assert "PyTorch" in hint(rnn, lp.SimpleRNN(n, input_dim=m))


def test_pytorch_4096_256(torch_module):
    """The count quoted in the notebooks: nn.LSTM(4096, 256) has 4,458,496."""
    count = sum(p.numel() for p in torch_module.nn.LSTM(4096, 256).parameters())
    assert count == 4_458_496
    assert "PyTorch" in hint(count, lp.LSTM(256, input_dim=4096))


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_gru_reset_after(keras, m, n):
    old = keras_count(keras, keras.layers.GRU(n, reset_after=False), m)
    new = keras_count(keras, keras.layers.GRU(n, reset_after=True), m)
    assert "reset_after=False" in hint(old, lp.GRU(n, input_dim=m))
    assert "reset_after=True" in hint(new, lp.GRU(n, input_dim=m, reset_after=False))


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_swapped_m_and_n(keras, m, n):
    answer = keras_count(keras, keras.layers.LSTM(m, **FAST), n)  # m units on n features
    text = hint(answer, lp.LSTM(n, input_dim=m))
    assert "swapped m and n" in text and f"n = units = {n:,}" in text


def test_coinciding_mistakes_are_all_named(keras):
    """m = 25, n = 100: swapping m and n gives 4·25·(100 + 25 + 1) = 100·(25 + 100 + 1), one gate's worth;
    m = 4096, n = 256: the swapped count is also 16 × the right one. The hint names every reading."""
    one_gate = keras_count(keras, keras.layers.SimpleRNN(100), 25)
    assert one_gate == keras_count(keras, keras.layers.LSTM(25, **FAST), 100)
    text = hint(one_gate, lp.LSTM(100, input_dim=25))
    assert "swapped m and n" in text and "\nOr: " in text and "one transformation's worth" in text
    swapped = keras_count(keras, keras.layers.LSTM(4096, **FAST), 256)
    text = hint(swapped, lp.LSTM(256, input_dim=4096))
    assert "swapped m and n" in text and "16 times the right count" in text


@pytest.mark.parametrize(("m", "n"), SIZES)
def test_one_unit(keras, m, n):
    """A seed page's intermediate formula 4(n + m + 1): one unit's weights, n times too few."""
    one_unit = keras_count(keras, keras.layers.LSTM(n), m) // n
    assert "multiply by n" in hint(one_unit, lp.LSTM(n, input_dim=m))


def test_timesteps_in_the_formula():
    """The seed page: 4·((4096·16) + 4096²)·256 = 17,246,978,048 instead of Keras's 4,457,472."""
    text = hint(17_246_978_048, lp.LSTM(256, input_dim=4096))
    assert "T = 16" in text and "Timesteps do not enter the count" in text


@pytest.mark.parametrize("timesteps", [3, 10, 16])
def test_count_times_timesteps(keras, timesteps):
    count = keras_count(keras, keras.layers.LSTM(12), 80, timesteps=timesteps)
    assert count == keras_count(keras, keras.layers.LSTM(12), 80, timesteps=1)  # T never enters
    text = hint(count * timesteps, lp.LSTM(12, input_dim=80))
    assert f"{timesteps} times the right count" in text and "timesteps" in text
    assert "timesteps" in hint(count * timesteps, count)  # even with a bare int


def test_counting_tensors(keras):
    """ "12 matrices and 3 biases = 15 parameters"; and Keras's three variables."""
    layer = keras.layers.LSTM(256)
    keras_count(keras, layer, 100)
    for answer in (15, 12, len(layer.weights)):
        assert "counts tensors" in hint(answer, lp.LSTM(256, input_dim=100))


def test_bidirectional_one_direction(keras):
    for merge in lp.MERGE_MODES:
        one = keras_count(keras, keras.layers.LSTM(64), 10)
        text = hint(one, lp.Bidirectional(lp.LSTM(64, input_dim=10), merge_mode=merge))
        assert "one direction" in text


def stacked_126(keras):
    """The seed page's model on (5, 126) inputs."""
    L = keras.layers
    return keras.Sequential([keras.Input((5, 126)), L.LSTM(64, return_sequences=True, name="lstm"),
                             L.LSTM(128, return_sequences=True, name="lstm_1"), L.LSTM(64, name="lstm_2"),
                             L.Dense(64, name="dense"), L.Dense(32, name="dense_1"),
                             L.Dense(3, activation="softmax", name="dense_2")], name="stacked_126")


OURS_126 = lp.Sequential([lp.LSTM(64, return_sequences=True), lp.LSTM(128, return_sequences=True), lp.LSTM(64),
                          lp.Dense(64), lp.Dense(32), lp.Dense(3)], input_dim=126)


def test_stacked_model_hints(keras):
    model = stacked_126(keras)
    counts = [layer.count_params() for layer in model.layers]
    assert lp.check(model.count_params(), OURS_126)
    # The seed page's claim: the next two LSTMs have the first one's count (48,896).
    claim = 3 * counts[0] + sum(counts[3:])
    assert "each layer's m is the output size of the layer before it" in hint(claim, OURS_126)
    # One layer alone, one layer left out.
    assert "'lstm' alone" in hint(counts[0], OURS_126)
    assert "left out layer 'dense_2'" in hint(model.count_params() - counts[-1], OURS_126)
    # A mistake inside one layer: the second LSTM without biases.
    no_bias = keras_count(keras, keras.layers.LSTM(128, use_bias=False), 64)
    text = hint(model.count_params() - counts[1] + no_bias, OURS_126)
    assert text.startswith("In layer 'lstm_1'") and "forget the biases" in text


def test_fallbacks():
    assert hint(4_457_000, lp.LSTM(256, input_dim=4096)).startswith("Too low, but within 1%")
    assert hint(1_000, lp.LSTM(256, input_dim=4096)).startswith("Too low.")
    assert hint(6, 5).startswith("Too high.")


# -- reveal -------------------------------------------------------------------------------------------
def test_reveal_matches_keras(keras):
    model = stacked_126(keras)
    shown = lp.reveal(OURS_126)
    assert shown.count == model.count_params()
    assert f"{model.count_params():,} parameters" in repr(shown)
    for layer, line in zip(model.layers, shown.lines, strict=True):
        assert line.startswith(f"{layer.name} (") and f": {layer.count_params():,} = " in line
    assert repr(lp.reveal(4_464)) == "The answer: 4,464"
    assert "4,464" in lp.reveal(lp.LSTM(12, input_dim=80))._repr_html_()


# -- bad arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize(("answer", "error", "shown"), [
    ("4464", TypeError, "got '4464' (str): type the number without quotes"),
    (4464.0, TypeError, "got 4464.0 (float): use // instead of /"),
    (True, TypeError, "got True (bool)"),
    ([4464], TypeError, "got [4464] (list)"),
    (-1, ValueError, "answer must be a non-negative integer, got -1"),
    (math.nan, TypeError, "got nan"),
])
def test_bad_answer(answer, error, shown):
    with pytest.raises(error, match="answer must be") as info:
        lp.check(answer, lp.LSTM(12, input_dim=80))
    assert shown in str(info.value)


@pytest.mark.parametrize(("expected", "error", "shown"), [
    ("LSTM", TypeError, "got 'LSTM' (str)"),
    (None, TypeError, "got None (NoneType)"),
    (2.5, TypeError, "got 2.5 (float)"),
    (True, TypeError, "got True (bool)"),
    (-5, ValueError, "expected must be a non-negative integer, got -5"),
])
def test_bad_expected(expected, error, shown):
    with pytest.raises(error, match="expected must be") as info:
        lp.check(1, expected)
    assert shown in str(info.value)
    with pytest.raises(error, match="expected must be"):
        lp.reveal(expected)


def test_layer_without_input_dim():
    with pytest.raises(ValueError, match="input_dim is unknown"):
        lp.check(1, lp.LSTM(12))


def test_unbuilt_keras_layer(keras):
    with pytest.raises(ValueError, match="not built"):
        lp.check(1, keras.layers.LSTM(12, name="loose"))


def test_check_knows_the_variants():
    """A right answer for a variant is right, and a wrong one gets a verdict, not a KeyError."""
    for layer in (lp.PeepholeLSTM(8, input_dim=5), lp.CIFGLSTM(8, input_dim=5), lp.ConvLSTM2D(4, 3, input_dim=2)):
        assert bool(lp.check(layer.params, layer))
        assert not bool(lp.check(layer.params + 1, layer))
        assert not bool(lp.check(3 * layer.params // 4, layer))


# -- the first hint names the real mistake ------------------------------------------------------
MISTAKE_SIZES = [(10, 64), (25, 100), (80, 12), (100, 256), (4096, 256), (300, 150), (3, 4)]  # (m, n)
PHRASES = {  # what the first hint must say for each mistake
    "timesteps": "times the right count", "biases": "forget the biases", "gates": "worth; a",
    "pytorch": "PyTorch", "swapped": "swapped m and n", "no U": "forget the recurrent kernels",
    "no W": "forget the input kernels", "one unit": "multiply by n", "reset_after": "reset_after",
}


def mistakes(kind: str, m: int, n: int) -> list[tuple[str, int]]:
    """Wrong answers made by known mistakes, each written out here from the equations (not the package)."""
    g, beta = {"LSTM": (4, 1), "GRU": (3, 2), "SimpleRNN": (1, 1)}[kind]
    right = g * (n * m + n * n + beta * n)
    out = [("timesteps", right * t) for t in (5, 30, 100)]
    out += [("biases", g * (n * m + n * n)), ("no U", g * (n * m + beta * n)), ("no W", g * (n * n + beta * n))]
    out += [("gates", k * (n * m + n * n + beta * n)) for k in (1, 3, 4) if k != g]
    if m != n:
        out.append(("swapped", g * (m * n + m * m + beta * m)))
    if kind in ("LSTM", "SimpleRNN"):
        out += [("pytorch", right + g * n), ("one unit", g * (n + m + 1))]
    if kind == "GRU":
        out.append(("reset_after", 3 * (n * m + n * n + n)))
    return [(name, value) for name, value in out if value != right]


def first_hint(answer: int, layer: lp.Layer) -> str:
    return hint(answer, layer).split("\nOr: ")[0]


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize(("m", "n"), MISTAKE_SIZES)
def test_the_first_hint_names_the_actual_mistake(kind, m, n):
    layer = getattr(lp, kind)(n, input_dim=m)
    made = mistakes(kind, m, n)
    for name, value in made:
        coinciding = {other for other, v in made if v == value}  # two mistakes can give one number
        first = first_hint(value, layer)
        assert any(PHRASES[c] in first for c in coinciding), (kind, m, n, name, value, first)
        assert "took the place of m" not in first  # the arithmetic guess never leads over a real mistake


def test_the_issue_example_leads_with_timesteps_not_a_formula_guess():
    text = hint(576_000, lp.LSTM(64, input_dim=10))  # 30 × 19,200
    assert text.startswith("That is 30 times the right count") and "T = 215" not in text


def guess_values(kind: str, m: int, n: int, top: int) -> set[int]:
    """The numbers of the one arithmetic guess, G·n·(m·T + m²) for T ≥ 1: a coincidence there is not random."""
    g = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    return {g * n * (m * t + m * m) for t in range(1, top // (g * n * m) + 2)}


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize(("m", "n"), MISTAKE_SIZES)
def test_random_numbers_get_no_specific_diagnosis(kind, m, n):
    layer = getattr(lp, kind)(n, input_dim=m)
    right = layer.params
    per_transformation = right // {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    known = ({v for _, v in mistakes(kind, m, n)} | guess_values(kind, m, n, 10 * right) | {12, 15, 3, 6, 2}
             | {k * per_transformation for k in (1, 2, 3, 4, 5, 8)})  # any number of transformations' worth
    rng = np.random.default_rng(m * 10_000 + n)
    answers = [int(a) for a in rng.integers(1, 10 * right, size=300)]
    tried = 0
    for answer in answers:
        if answer in known or answer % right == 0:
            continue
        tried += 1
        text = hint(answer, layer)
        assert text.startswith(("Too high", "Too low")) and "\nOr: " not in text, (answer, text)
    assert tried > 250
