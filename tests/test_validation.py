"""Bad input gets a clear error naming the argument and the value; nothing is coerced."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lstm_params as lp

BAD_INTS = [
    (0, ValueError, "got 0"),
    (-3, ValueError, "got -3"),
    (True, TypeError, "got True"),
    (False, TypeError, "got False"),
    (2.5, TypeError, "got 2.5"),
    (2.0, TypeError, "got 2.0"),
    ("256", TypeError, "got '256'"),
    (math.nan, ValueError, "got nan"),
    (None, TypeError, "got None"),
    (np.float32(3), TypeError, "got"),
]


@pytest.mark.parametrize(("value", "error", "shown"), BAD_INTS)
@pytest.mark.parametrize("make", [
    lambda u: lp.LSTM(u, input_dim=4),
    lambda u: lp.GRU(u, input_dim=4),
    lambda u: lp.SimpleRNN(u, input_dim=4),
    lambda u: lp.Dense(u, input_dim=4),
])
def test_units_refused(make, value, error, shown):
    with pytest.raises(error, match="units must be a positive integer") as info:
        make(value)
    assert shown in str(info.value)


@pytest.mark.parametrize(("value", "error", "shown"), [b for b in BAD_INTS if b[0] is not None])
@pytest.mark.parametrize("cls", [lp.LSTM, lp.GRU, lp.SimpleRNN, lp.Dense])
def test_input_dim_refused(cls, value, error, shown):
    with pytest.raises(error, match="input_dim must be a positive integer") as info:
        cls(8, input_dim=value)
    assert shown in str(info.value)


@pytest.mark.parametrize(("value", "error", "shown"), BAD_INTS)
def test_embedding_sizes_refused(value, error, shown):
    with pytest.raises(error, match="output_dim must be a positive integer"):
        lp.Embedding(10, value)
    with pytest.raises(error, match="input_dim must be a positive integer"):
        lp.Embedding(value, 10)


def test_numpy_integers_are_accepted():
    layer = lp.LSTM(np.int64(256), input_dim=np.int32(4096))
    assert layer.params == lp.LSTM(256, input_dim=4096).params
    assert type(layer.units) is int and type(layer.input_dim) is int


@pytest.mark.parametrize("flag", ["use_bias", "return_sequences"])
@pytest.mark.parametrize("value", [1, 0, "True", None, 1.0])
def test_flags_must_be_bools(flag, value):
    with pytest.raises(TypeError, match=f"{flag} must be True or False, got {value!r}"):
        lp.LSTM(4, input_dim=3, **{flag: value})


def test_reset_after_must_be_bool():
    with pytest.raises(TypeError, match="reset_after must be True or False, got 'yes'"):
        lp.GRU(4, input_dim=3, reset_after="yes")
    assert lp.GRU(4, input_dim=3, reset_after=np.bool_(False)).reset_after is False


@pytest.mark.parametrize("mode", ["avg", "CONCAT", "", 0, "none"])
def test_merge_mode_must_be_a_keras_one(mode):
    with pytest.raises(ValueError, match=f"merge_mode must be one of .* got {mode!r}"):
        lp.Bidirectional(lp.LSTM(4, input_dim=3), merge_mode=mode)


@pytest.mark.parametrize("inner", [lp.Dense(4, input_dim=3), lp.Embedding(3, 4), "LSTM", None])
def test_bidirectional_needs_a_recurrent_layer(inner):
    with pytest.raises(TypeError, match="layer must be a recurrent layer"):
        lp.Bidirectional(inner)


def test_unknown_input_dim_is_a_clear_error():
    layer = lp.LSTM(8)
    with pytest.raises(ValueError, match="LSTM: input_dim is unknown"):
        _ = layer.params
    with pytest.raises(ValueError, match="input_dim is unknown"):
        _ = lp.Sequential([lp.LSTM(8), lp.Dense(1)]).params


def test_sequential_refusals():
    with pytest.raises(ValueError, match=r"layers must hold at least one layer, got \[\]"):
        lp.Sequential([])
    with pytest.raises(TypeError, match="layers must be a list of layers"):
        lp.Sequential(lp.LSTM(3))
    with pytest.raises(TypeError, match=r"layers\[1\] must be a layer"):
        lp.Sequential([lp.LSTM(3), 4], input_dim=2)
    with pytest.raises(ValueError, match=r"layers\[1\] \(LSTM\) needs a sequence"):
        lp.Sequential([lp.LSTM(3), lp.LSTM(4)], input_dim=2)
    with pytest.raises(ValueError, match=r"layers\[1\] is an Embedding"):
        lp.Sequential([lp.Dense(3), lp.Embedding(3, 4)], input_dim=2)
    with pytest.raises(ValueError, match="input_dim must be None when the first layer is an Embedding"):
        lp.Sequential([lp.Embedding(30, 4), lp.LSTM(3)], input_dim=2)
    with pytest.raises(ValueError, match=r"input_dim is 5 but layers\[0\] has input_dim=4"):
        lp.Sequential([lp.LSTM(3, input_dim=4)], input_dim=5)
    with pytest.raises(ValueError, match=r"layers\[1\] has input_dim=7, but the layer before it outputs 3"):
        lp.Sequential([lp.Dense(3), lp.Dense(2, input_dim=7)], input_dim=5)
    with pytest.raises(ValueError, match="input_dim must be a positive integer, got 0"):
        lp.Sequential([lp.Dense(3)], input_dim=0)
    with pytest.raises(ValueError, match=r"layers\[0\] is Bidirectional with merge_mode=None"):
        lp.Sequential([lp.Bidirectional(lp.LSTM(3), merge_mode=None), lp.Dense(1)], input_dim=2)


def test_memory_dtype_refused():
    with pytest.raises(ValueError, match=r"dtype must be one of .* got 'float8'"):
        lp.LSTM(3, input_dim=2).memory_bytes("float8")


def test_name_must_be_a_string():
    with pytest.raises(TypeError, match="name must be a non-empty string, got 3"):
        lp.LSTM(3, name=3)
