"""lp.compare_with_keras on whole models: convolutional front ends, normalizations, pooling, wrappers, graphs.

Every expected figure comes from Keras: ``layer.count_params()``, ``model.count_params()``,
``non_trainable_weights`` and the "Trainable params" / "Non-trainable params" lines of ``model.summary()``.
Our side is the formula of each layer's twin, built from the layer's config and its input shape.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

pytestmark = [pytest.mark.keras, pytest.mark.filterwarnings("ignore:Layer .* does not support masking")]

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
small = st.integers(1, 6)


def summary_counts(model):
    """(total, trainable, non-trainable) as ``model.summary()`` prints them."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(lines))
    found = {label: int(re.search(rf"{label} params:\s*([\d,]+)", text).group(1).replace(",", ""))
             for label in ("Total", "Trainable", "Non-trainable")}
    return found["Total"], found["Trainable"], found["Non-trainable"]


def check(model):
    comparison = lp.compare_with_keras(model)
    total, trainable, frozen = summary_counts(model)
    assert comparison.unmodelled == [], str(comparison)
    assert comparison.all_match, str(comparison)
    assert (comparison.total, comparison.trainable, comparison.non_trainable) == (total, trainable, frozen)
    assert comparison.framework_total == model.count_params() == total
    for row, layer in zip(comparison, model.layers, strict=True):
        assert row.framework_params == layer.count_params(), row.name
        assert row.non_trainable == sum(math.prod(w.shape) for w in layer.non_trainable_weights), row.name
    return comparison


# -- generated models ---------------------------------------------------------------------------------------
@st.composite
def sequence_front(draw):
    """Layers for a (time, features) input before the recurrent layer."""
    out = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["Conv1D", "Conv1DTranspose", "BatchNormalization", "LayerNormalization",
                                     "MaxPooling1D", "AveragePooling1D", "Dropout", "Activation", "Masking",
                                     "GroupNormalization", "SpatialDropout1D"]))
        if kind in ("Conv1D", "Conv1DTranspose"):
            groups = draw(st.integers(1, 2)) if kind == "Conv1D" else 1
            out.append((kind, {"filters": groups * draw(small), "kernel_size": draw(st.integers(1, 3)),
                               "padding": "same", "use_bias": draw(st.booleans()),
                               **({"groups": groups} if groups > 1 else {})}))
        elif kind in ("BatchNormalization", "LayerNormalization"):
            out.append((kind, {"center": draw(st.booleans()), "scale": draw(st.booleans())}))
        elif kind == "GroupNormalization":
            out.append((kind, {"groups": 1}))
        elif kind.endswith("Pooling1D"):
            out.append((kind, {"pool_size": 1}))
        elif kind == "Activation":
            out.append((kind, {"activation": "relu"}))
        elif kind in ("Dropout", "SpatialDropout1D"):
            out.append((kind, {"rate": 0.1}))
        else:
            out.append((kind, {}))
    return out


@st.composite
def specs(draw):
    return {"shape": draw(st.sampled_from(["sequence", "frames", "image"])), "steps": draw(st.integers(2, 4)),
            "features": draw(small), "front": draw(sequence_front()),
            "recurrent": draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"])), "units": draw(small),
            "head": draw(st.sampled_from(["Dense", "TimeDistributed", "RepeatVector"])), "out": draw(small),
            "frozen": draw(st.lists(st.booleans(), max_size=12)), "image_conv": draw(st.sampled_from(
                ["Conv2D", "Conv2DTranspose"])), "pool": draw(st.sampled_from(
                    ["MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D"]))}


def build(keras, spec):
    layers = keras.layers
    steps, features = spec["steps"], spec["features"]
    if spec["shape"] == "frames":  # a small CNN on every frame, then the recurrent layer
        inputs = keras.Input((steps, 4, 4, features))
        x = layers.TimeDistributed(layers.Conv2D(spec["units"], 2, padding="same"))(inputs)
        x = layers.TimeDistributed(layers.BatchNormalization())(x)
        x = layers.TimeDistributed(layers.MaxPooling2D(2))(x)
        x = layers.TimeDistributed(layers.Flatten())(x)
    elif spec["shape"] == "image":  # an image read row by row
        inputs = keras.Input((4, 4, features))
        x = getattr(layers, spec["image_conv"])(spec["units"], 2, padding="same")(inputs)
        x = layers.BatchNormalization()(x)
        if spec["pool"].startswith("Global"):
            x = layers.Reshape((4, 4 * spec["units"]))(x)
        else:
            x = getattr(layers, spec["pool"])((1, 2))(x)
            x = layers.Reshape((4, 2 * spec["units"]))(x)
    else:
        inputs = keras.Input((steps, features))
        x = inputs
    for kind, kwargs in spec["front"]:
        x = getattr(layers, kind)(**kwargs)(x)
    sequences = spec["head"] == "TimeDistributed"
    x = getattr(layers, spec["recurrent"])(spec["units"], return_sequences=sequences)(x)
    if spec["head"] == "RepeatVector":  # an encoder-decoder: the code repeated, decoded step by step
        x = layers.RepeatVector(steps)(x)
        x = layers.LSTM(spec["out"], return_sequences=True)(x)
        x = layers.TimeDistributed(layers.Dense(spec["out"]))(x)
    elif sequences:
        x = layers.TimeDistributed(layers.Dense(spec["out"]))(x)
    else:
        x = layers.Dense(spec["out"])(x)
    model = keras.Model(inputs, x)
    for frozen, layer in zip(spec["frozen"], model.layers, strict=False):
        layer.trainable = not frozen
    return model


@SETTINGS
@given(spec=specs())
def test_generated_models_match_keras(keras, spec):
    check(build(keras, spec))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(units=small, features=small, other=small, freeze=st.booleans())
def test_shared_layer_and_several_inputs(keras, units, features, other, freeze):
    layers = keras.layers
    left, right = keras.Input((3, features)), keras.Input((5, features))
    shared = layers.LSTM(units, name="shared")  # one layer on both branches: its weights once
    merged = layers.Concatenate()([shared(left), shared(right), layers.GRU(other)(right)])
    model = keras.Model([left, right], layers.Dense(2)(merged))
    shared.trainable = not freeze
    comparison = check(model)
    assert [r.name for r in comparison].count("shared") == 1
    assert comparison.non_trainable == (lp.LSTM(units, input_dim=features).params if freeze else 0)


# -- each kind on its own -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("make", "shape"), [
    (lambda L: L.Conv1D(4, 3, groups=2), (8, 6)),
    (lambda L: L.Conv2D(3, (2, 3), use_bias=False), (5, 5, 2)),
    (lambda L: L.Conv2D(3, 2, data_format="channels_first"), (2, 5, 5)),
    (lambda L: L.Conv3D(2, 2), (4, 4, 4, 3)),
    (lambda L: L.Conv1DTranspose(5, 2), (6, 3)),
    (lambda L: L.Conv2DTranspose(5, (2, 2)), (4, 4, 3)),
    (lambda L: L.Conv3DTranspose(2, 2), (3, 3, 3, 2)),
    (lambda L: L.BatchNormalization(center=False), (5, 7)),
    (lambda L: L.BatchNormalization(axis=1), (5, 7)),
    (lambda L: L.LayerNormalization(axis=[1, 2]), (5, 7)),
    pytest.param(lambda L: L.LayerNormalization(rms_scaling=True), (5, 7),
                 marks=pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")),
    (lambda L: L.GroupNormalization(groups=2), (5, 8)),
    (lambda L: L.TimeDistributed(L.Conv1D(3, 2)), (4, 6, 2)),
    (lambda L: L.Masking(), (5, 7)),
    (lambda L: L.RepeatVector(3), (7,)),
    (lambda L: L.MaxPooling3D(1), (2, 2, 2, 2)),
    (lambda L: L.GlobalAveragePooling3D(), (2, 2, 2, 2)),
    (lambda L: L.ZeroPadding2D(1), (2, 2, 2)),
    (lambda L: L.UpSampling1D(2), (2, 2)),
])
def test_each_kind(keras, make, shape):
    inputs = keras.Input(shape)
    model = keras.Model(inputs, make(keras.layers)(inputs))
    check(model)


def test_batch_normalization_statistics_are_non_trainable(keras):
    inputs = keras.Input((10, 16))
    model = keras.Model(inputs, keras.layers.BatchNormalization()(inputs))
    comparison = check(model)
    assert (comparison.total, comparison.non_trainable) == (4 * 16, 2 * 16)
    assert "non-trainable" in str(comparison)


def test_unknown_kind_is_reported_by_name(keras):
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, keras.layers.PReLU()(keras.layers.Dense(2)(inputs)))
    comparison = lp.compare_with_keras(model)
    assert comparison.unmodelled == [model.layers[-1].name] and not comparison.all_match
    assert "PReLU is not modelled" in comparison[-1].note


# -- real published models ------------------------------------------------------------------------------------
def test_keras_io_next_frame_video_prediction(keras):
    """keras.io/examples/vision/conv_lstm ("Next-frame video prediction with Convolutional LSTMs"): three
    ConvLSTM2D (64 filters, 5×5, 3×3, 1×1) with BatchNormalization between, a Conv3D of one 3×3×3 filter, on
    64 × 64 one-channel frames."""
    layers = keras.layers
    inputs = layers.Input(shape=(None, 64, 64, 1))
    x = layers.ConvLSTM2D(64, (5, 5), padding="same", return_sequences=True, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(64, (3, 3), padding="same", return_sequences=True, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.ConvLSTM2D(64, (1, 1), padding="same", return_sequences=True, activation="relu")(x)
    x = layers.Conv3D(1, (3, 3, 3), activation="sigmoid", padding="same")(x)
    comparison = check(keras.Model(inputs, x))
    by_hand = (4 * 64 * (25 * (1 + 64) + 1) + 4 * 64 + 4 * 64 * (9 * (64 + 64) + 1) + 4 * 64
               + 4 * 64 * (1 * (64 + 64) + 1) + 27 * 64 * 1 + 1)
    assert comparison.total == by_hand == 746_689 and comparison.non_trainable == 2 * 2 * 64


def test_keras_io_character_seq2seq(keras):
    """keras.io/examples/nlp/lstm_seq2seq: an encoder LSTM whose final states start a decoder LSTM, two inputs,
    latent_dim = 256; the token counts (71 and 93 here) depend on the text the example reads."""
    layers = keras.layers
    encoder_tokens, decoder_tokens, latent_dim = 71, 93, 256
    encoder_inputs = keras.Input(shape=(None, encoder_tokens))
    _, state_h, state_c = layers.LSTM(latent_dim, return_state=True)(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, decoder_tokens))
    decoder_outputs, _, _ = layers.LSTM(latent_dim, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = layers.Dense(decoder_tokens, activation="softmax")(decoder_outputs)
    comparison = check(keras.Model([encoder_inputs, decoder_inputs], outputs))
    by_hand = (4 * latent_dim * (encoder_tokens + latent_dim + 1) + 4 * latent_dim * (decoder_tokens + latent_dim + 1)
               + decoder_tokens * (latent_dim + 1))
    assert comparison.total == by_hand == 718_173
