"""The worked examples of the pages this project grew from (../shared/seeds/), as named cases.

Each expected number is the one printed on that page (by Keras's model.summary() or the
author's arithmetic); the Keras-marked twins rebuild each case in real Keras.
"""

from __future__ import annotations

import pytest

import lstm_params as lp

# (case name, layer, number stated on the page)
SEED_CASES = [
    ("keras_lstm256_on_4096", lp.LSTM(256, input_dim=4096), 4_457_472),
    ("keras_lstm200_on_4096", lp.LSTM(200, input_dim=4096), 3_437_600),
    ("m25_n100", lp.LSTM(100, input_dim=25), 50_400),
    ("80_inputs_12_units", lp.LSTM(12, input_dim=80), 4_464),
    ("x100_h256_every_W_U_b", lp.LSTM(256, input_dim=100), 365_568),
    ("simplernn_4_units_on_3_inputs", lp.SimpleRNN(4, input_dim=3), 32),
]


@pytest.mark.parametrize(("layer", "expected"), [c[1:] for c in SEED_CASES], ids=[c[0] for c in SEED_CASES])
def test_seed_case(layer, expected):
    assert layer.params == expected
    assert layer.formula.value == expected


def stacked_126():
    return lp.Sequential(
        [lp.LSTM(64, return_sequences=True), lp.LSTM(128, return_sequences=True), lp.LSTM(64),
         lp.Dense(64), lp.Dense(32), lp.Dense(3)],
        input_dim=126,
    )


def test_stacked_model_on_126_inputs():
    counts = stacked_126().layer_params
    assert counts[0] == 48_896  # the page's first LSTM
    assert counts[3] == 4_160  # the page's first Dense
    # The page claimed the next two LSTMs have the same count as the first: they do not.
    assert counts[1] != counts[0] and counts[2] != counts[0]


def test_seed_12_by_80_shapes():
    """The 80 -> 12 page: W is 12×80, U is 12×12, b is 12, four of each."""
    shapes = [(w.role, w.shape) for w in lp.LSTM(12, input_dim=80).weights]
    assert shapes.count(("input kernel", (12, 80))) == 4
    assert shapes.count(("recurrent kernel", (12, 12))) == 4
    assert shapes.count(("bias", (12,))) == 4


@pytest.mark.keras
@pytest.mark.parametrize(("layer", "expected"), [c[1:] for c in SEED_CASES], ids=[c[0] for c in SEED_CASES])
def test_seed_case_in_keras(keras, layer, expected):
    cls = getattr(keras.layers, layer.kind)
    inputs = keras.Input((16, layer.input_dim))
    model = keras.Model(inputs, cls(layer.units)(inputs))
    assert model.count_params() == expected


@pytest.mark.keras
def test_stacked_model_in_keras(keras):
    L = keras.layers
    model = keras.Sequential([
        keras.Input((5, 126)),
        L.LSTM(64, return_sequences=True, activation="relu"),
        L.LSTM(128, return_sequences=True, activation="relu"),
        L.LSTM(64, activation="relu"),
        L.Dense(64, activation="relu"),
        L.Dense(32, activation="relu"),
        L.Dense(3, activation="softmax"),
    ])
    assert [layer.count_params() for layer in model.layers] == stacked_126().layer_params
    assert model.count_params() == stacked_126().params
