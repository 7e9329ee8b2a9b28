"""Training memory under mixed precision, in Keras's policy vocabulary, checked against real Keras 3.

Under ``mixed_bfloat16`` or ``mixed_float16`` a layer computes in 16 bits but keeps its variables
in float32 (``layer.dtype_policy.variable_dtype``); the gradients are taken with respect to those
float32 variables, and the optimizer builds its state like the variables, in float32. So training
takes 4 bytes × (weights + gradients + state): 16 bytes per parameter with Adam, as in float32.
Expected values are read from Keras (variable dtypes, ``optimizer.build``), never from the package.
int8 stores weights for inference; the package refuses to size training in it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import lstm_params as lp

pytestmark = pytest.mark.keras

POLICIES = ["mixed_bfloat16", "mixed_float16"]
BYTES = {"float32": 4, "bfloat16": 2, "float16": 2, "int64": 8}  # a dtype's size, typed here


def _model(keras, policy):
    x = keras.Input((5, 12), name="x")
    h = keras.layers.LSTM(16, return_sequences=True, dtype=policy, name="lstm")(x)
    h = keras.layers.GRU(8, dtype=policy, name="gru")(h)
    model = keras.Model(x, keras.layers.Dense(3, dtype=policy, name="head")(h), name=f"model_{policy}")
    ours = lp.Sequential([lp.LSTM(16, return_sequences=True), lp.GRU(8), lp.Dense(3)], input_dim=12)
    return model, ours


@pytest.mark.parametrize("policy", POLICIES)
def test_variables_are_float32_and_compute_is_16_bit(keras, policy):
    model, ours = _model(keras, policy)
    layer = model.get_layer("lstm")
    assert layer.dtype_policy.name == policy
    assert layer.dtype_policy.variable_dtype == "float32"
    assert layer.dtype_policy.compute_dtype == policy.removeprefix("mixed_")
    assert {w.dtype for w in model.weights} == {"float32"}
    out = model(np.zeros((2, 5, 12), "float32"))
    assert out.dtype.name == policy.removeprefix("mixed_")  # the outputs are 16-bit
    # Weights as stored: what memory_bytes of the policy reports, float32's figure.
    stored = sum(math.prod(w.shape) * BYTES[w.dtype] for w in model.weights)
    assert ours.memory_bytes(policy) == stored == ours.memory_bytes("float32")


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize(("optimizer", "make"), [("adam", lambda k: k.optimizers.Adam()),
                                                 ("sgd", lambda k: k.optimizers.SGD()),
                                                 ("momentum", lambda k: k.optimizers.SGD(momentum=0.9))])
def test_training_memory_is_float32_weights_gradients_and_state(keras, policy, optimizer, make):
    import tensorflow as tf

    model, ours = _model(keras, policy)
    opt = make(keras)
    opt.build(model.trainable_variables)
    slots = [v for v in opt.variables if len(v.shape) > 0]  # not the iteration counter or the learning rate
    assert {v.dtype for v in slots} <= {"float32"}
    state = sum(math.prod(v.shape) * BYTES[v.dtype] for v in slots)

    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(model(np.ones((2, 5, 12), "float32")), "float32"))
    grads = tape.gradient(loss, model.trainable_variables)
    assert {g.dtype.name for g in grads} == {"float32"}  # gradients of float32 variables
    gradients = sum(math.prod(g.shape) * BYTES[g.dtype.name] for g in grads)
    weights = sum(math.prod(w.shape) * BYTES[w.dtype] for w in model.trainable_weights)

    assert ours.training_memory_bytes(policy, optimizer) == weights + gradients + state
    assert ours.training_memory_bytes(policy, optimizer) == ours.training_memory_bytes("float32", optimizer)


def test_mixed_adam_is_16_bytes_per_parameter():
    layer = lp.LSTM(256, input_dim=4096)
    for policy in POLICIES:
        assert layer.training_memory_bytes(policy, "adam") == 16 * layer.params
        assert lp.training_memory_bytes(layer.params, policy, "adam") == 16 * layer.params
    assert lp.pytorch.LSTM(4096, 256).training_memory_bytes("mixed_bfloat16", "sgd") == 8 * lp.pytorch.LSTM(
        4096, 256).params


def test_int8_is_refused_for_training_and_kept_for_inference():
    layer = lp.LSTM(256, input_dim=4096)
    assert layer.memory_bytes("int8") == layer.params
    for call in (lambda: layer.training_memory_bytes("int8", "adam"),
                 lambda: lp.training_memory_bytes(10, "int8", "sgd"),
                 lambda: lp.Sequential([lp.LSTM(3)], input_dim=2).training_memory_bytes("int8"),
                 lambda: lp.max_units(2**30, lambda n: lp.LSTM(n, input_dim=8), dtype="int8", optimizer="adam")):
        with pytest.raises(ValueError, match=r"dtype='int8' is for inference"):
            call()
    assert lp.max_units(2**30, lambda n: lp.LSTM(n, input_dim=8), dtype="int8", optimizer=None) > 0


def test_an_unknown_policy_is_named():
    with pytest.raises(ValueError, match="mixed_float8"):
        lp.LSTM(3, input_dim=2).training_memory_bytes("mixed_float8")


@pytest.mark.parametrize("policy", POLICIES)
def test_keras_knows_the_policies(keras, policy):
    assert keras.mixed_precision.Policy(policy).variable_dtype == "float32"
    assert policy in lp.MIXED_PRECISION
