"""Property-based cross-checks against real Keras 3: counts, per-layer counts, weight shapes, slices.

Expected values come from Keras (``count_params()``, the variables' shapes), never from the
code under test.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

pytestmark = pytest.mark.keras

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
KINDS = ("LSTM", "GRU", "SimpleRNN")
sizes = st.integers(min_value=1, max_value=300)


@st.composite
def recurrent_configs(draw):
    kind = draw(st.sampled_from(KINDS))
    config = {"units": draw(sizes), "use_bias": draw(st.booleans())}
    if kind == "GRU":
        config["reset_after"] = draw(st.booleans())
    merge = draw(st.sampled_from(["none", *lp.MERGE_MODES]))  # "none": no Bidirectional wrapper
    return kind, config, merge


def build_both(keras, kind, config, merge, m):
    k_layer = getattr(keras.layers, kind)(**config)
    ours = getattr(lp, kind)(input_dim=m, **config)
    if merge != "none":
        k_layer = keras.layers.Bidirectional(k_layer, merge_mode=merge)
        ours = lp.Bidirectional(ours, merge_mode=merge)
    inputs = keras.Input((None, m))
    out = k_layer(inputs)
    return k_layer, ours, out




@SETTINGS
@given(config=recurrent_configs(), m=sizes)
def test_recurrent_layer_matches_keras(keras, config, m):
    kind, kwargs, merge = config
    k_layer, ours, out = build_both(keras, kind, kwargs, merge, m)
    assert ours.params == k_layer.count_params()
    assert ours.formula.value == k_layer.count_params()
    # Variables: same names and shapes, in Keras's order.
    keras_vars = [(w.path, tuple(w.shape)) for w in k_layer.weights]
    ours_vars = list(ours.variables.items())
    assert len(keras_vars) == len(ours_vars)
    for (path, shape), (name, our_shape) in zip(keras_vars, ours_vars, strict=True):
        direction, _, variable = name.rpartition("/")
        assert path.endswith("/" + variable), (path, name)
        assert f"{direction}_" in path if direction else True
        assert shape == our_shape
    # Each listed piece, cut out of the real variable, has the stored shape the package states.
    by_name = {}
    for w in k_layer.weights:
        direction = "forward" if "/forward_" in w.path else "backward" if "/backward_" in w.path else ""
        by_name[(direction, w.path.rsplit("/", 1)[1])] = np.asarray(w)
    for piece in ours.weights:
        array = by_name[(piece.direction, piece.variable)]
        assert array[piece.key].shape == piece.stored_shape
        assert piece.take(array).shape == piece.shape  # back in the math orientation: W is n × m
        copy = np.zeros_like(array)
        piece.put(copy, piece.take(array))
        assert np.array_equal(copy[piece.key], array[piece.key])
    # The output size the package predicts is Keras's.
    shapes = [out.shape] if not isinstance(out, (list, tuple)) else [o.shape for o in out]
    assert shapes[0][-1] == ours.output_dim


@SETTINGS
@given(units=sizes, m=sizes, use_bias=st.booleans())
def test_dense_matches_keras(keras, units, m, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, m))
    ours = lp.Dense(units, input_dim=m, use_bias=use_bias)
    assert ours.params == layer.count_params()
    assert list(ours.variables.values()) == [tuple(w.shape) for w in layer.weights]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(vocab=st.integers(1, 5000), dim=st.integers(1, 128))
def test_embedding_matches_keras(keras, vocab, dim):
    layer = keras.layers.Embedding(vocab, dim)
    layer.build((None, 7))
    assert lp.Embedding(vocab, dim).params == layer.count_params()


@pytest.mark.parametrize("n", [1, 3, 64])
def test_lstm_gate_order_i_f_c_o(keras, n):
    """Keras sets the forget gate's bias to 1 (unit_forget_bias): the package says it is bias[n:2n]."""
    layer = keras.layers.LSTM(n, unit_forget_bias=True)
    layer.build((None, None, 5))
    bias = np.asarray(layer.weights[2])
    forget = next(w for w in lp.LSTM(n, input_dim=5).weights if w.name == "b_f")
    assert forget.index == f"[{n}:{2 * n}]"
    assert np.all(bias[forget.key] == 1.0)
    others = np.delete(bias, np.s_[n:2 * n])
    assert np.all(others == 0.0)


@st.composite
def stacks(draw):
    """A Keras-valid stack: optional Embedding, 1-3 recurrent layers (maybe Bidirectional), 0-2 Dense."""
    layers = []
    if draw(st.booleans()):
        layers.append(("Embedding", {"input_dim": draw(st.integers(2, 500)), "output_dim": draw(st.integers(1, 48))},
                       "none"))
    n_rec = draw(st.integers(1, 3))
    for i in range(n_rec):
        kind, config, merge = draw(recurrent_configs())
        config["units"] = draw(st.integers(1, 48))
        config["return_sequences"] = i < n_rec - 1 or draw(st.booleans())
        layers.append((kind, config, merge))
    for _ in range(draw(st.integers(0, 2))):
        layers.append(("Dense", {"units": draw(st.integers(1, 48)), "use_bias": draw(st.booleans())}, "none"))
    # merge_mode=None outputs two tensors: only the last layer may have it.
    layers = [(k, c, "concat" if merge is None and i < len(layers) - 1 else merge)
              for i, (k, c, merge) in enumerate(layers)]
    m = None if layers[0][0] == "Embedding" else draw(st.integers(1, 64))
    return layers, m


def keras_stack(keras, layers, m):
    built = [keras.Input((6,), dtype="int32") if m is None else keras.Input((6, m))]
    for kind, config, merge in layers:
        layer = getattr(keras.layers, kind)(**config)
        if merge != "none":
            layer = keras.layers.Bidirectional(layer, merge_mode=merge)
        built.append(layer)
    return keras.Sequential(built)


def our_stack(layers, m):
    ours = []
    for kind, config, merge in layers:
        layer = getattr(lp, kind)(**config)
        ours.append(layer if merge == "none" else lp.Bidirectional(layer, merge_mode=merge))
    return lp.Sequential(ours, input_dim=m)


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=stacks())
def test_stack_matches_keras_layer_by_layer(keras, spec):
    layers, m = spec
    model = keras_stack(keras, layers, m)
    ours = our_stack(layers, m)
    assert ours.layer_params == [layer.count_params() for layer in model.layers]
    assert ours.params == model.count_params()
    comparison = lp.compare_with_keras(model)
    assert comparison.all_match
    assert [r.keras_params for r in comparison] == ours.layer_params


def test_memory_bytes_match_summary(keras):
    """Keras's summary prints the weights' bytes; the package's memory_bytes gives the same."""
    from keras.src.utils.summary_utils import weight_memory_size

    model = keras.Sequential([keras.Input((16, 4096)), keras.layers.LSTM(256)])
    ours = lp.Sequential([lp.LSTM(256)], input_dim=4096)
    assert ours.memory_bytes("float32") == weight_memory_size(model.weights)


def test_compare_reports_unmodelled_layers(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((5, 8)), L.LSTM(4, return_sequences=True), L.PReLU(name="prelu"),
                              L.Dropout(0.5), L.DepthwiseConv1D(3, name="depthwise"), L.Flatten(), L.Dense(1)],
                             name="mixed")
    comparison = lp.compare_with_keras(model)
    kinds = {r.kind: r for r in comparison}
    assert kinds["LSTM"].match is True and kinds["Dense"].match is True
    assert kinds["PReLU"].params is None and "not modelled" in kinds["PReLU"].note
    assert kinds["Dropout"].params == 0 and kinds["Dropout"].match is True
    assert comparison.unmodelled == ["prelu", "depthwise"]
    assert not comparison.all_match
    text = str(comparison)
    assert "PReLU is not modelled" in text and re.search(r"Total\s+", text)
    assert "<table>" in comparison._repr_html_()


def test_compare_refuses_non_models(keras):
    with pytest.raises(TypeError, match=r"model must be a built keras\.Model, got LSTM"):
        lp.compare_with_keras(lp.LSTM(3, input_dim=2))
    unbuilt = keras.Sequential([keras.layers.Dense(3)], name="later")
    with pytest.raises(ValueError, match="model 'later' is not built"):
        lp.compare_with_keras(unbuilt)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_compare_models_convlstm(keras, data_format):
    L = keras.layers
    shape = (4, 10, 10, 3) if data_format == "channels_last" else (4, 3, 10, 10)
    model = keras.Sequential([keras.Input(shape), L.ConvLSTM2D(6, (3, 2), data_format=data_format,
                                                               return_sequences=True),
                              L.ConvLSTM2D(2, 3, data_format=data_format)], name="conv")
    comparison = lp.compare_with_keras(model)
    assert comparison.all_match, str(comparison)
    assert [r.keras_params for r in comparison] == [layer.count_params() for layer in model.layers]


# -- Bidirectional with its own backward layer ----------------------------------------------------------------

@st.composite
def asymmetric_bidirectionals(draw):
    """A forward and a different backward layer (Keras requires the same return_sequences) and a merge mode."""
    merge = draw(st.sampled_from(lp.MERGE_MODES))
    sequences = draw(st.booleans())
    (f_kind, f_config, _), (b_kind, b_config, _) = draw(recurrent_configs()), draw(recurrent_configs())
    for config in (f_config, b_config):
        config["units"] = draw(st.integers(1, 24))
        config["return_sequences"] = sequences
    if merge != "concat":  # sum, mul, ave and None (two outputs) need equal sizes to be usable
        b_config["units"] = f_config["units"]
    return (f_kind, f_config), (b_kind, b_config), merge


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=asymmetric_bidirectionals(), m=st.integers(1, 24))
def test_bidirectional_with_a_different_backward_layer_matches_keras(keras, spec, m):
    (f_kind, f_config), (b_kind, b_config), merge = spec
    k_layer = keras.layers.Bidirectional(getattr(keras.layers, f_kind)(**f_config), merge_mode=merge,
                                         backward_layer=getattr(keras.layers, b_kind)(**b_config, go_backwards=True))
    ours = lp.Bidirectional(getattr(lp, f_kind)(input_dim=m, **f_config), merge_mode=merge,
                            backward_layer=getattr(lp, b_kind)(**b_config))
    out = k_layer(np.zeros((2, 3, m), dtype="float32"))  # eager: the real output, not Keras's symbolic shape
    assert ours.params == ours.formula.value == k_layer.count_params()
    assert list(ours.variables.values()) == [tuple(w.shape) for w in k_layer.weights]
    assert (out[0] if merge is None else out).shape[-1] == ours.output_dim
    model = keras.Sequential([keras.Input((None, m)), k_layer])
    comparison = lp.compare_with_keras(model)
    assert comparison.all_match, str(comparison)
    assert comparison[0].params == k_layer.count_params()


def test_issue_11_lstm_forward_gru_backward(keras):
    """LSTM(3) forward, GRU(4) backward on 7 features: Keras counts 288 (132 + 156), not twice the LSTM (264)."""
    L = keras.layers
    layer = L.Bidirectional(L.LSTM(3), backward_layer=L.GRU(4, go_backwards=True))
    model = keras.Sequential([keras.Input((5, 7)), layer], name="two_kinds")
    row = lp.compare_with_keras(model)[0]
    assert row.keras_params == 288
    assert row.params == 288 and row.match is True
    assert lp.Bidirectional(lp.LSTM(3, input_dim=7), backward_layer=lp.GRU(4)).params == 288


# -- models whose layers take several inputs ------------------------------------------------------------------

def test_compare_reads_merge_and_attention_layers(keras):
    L = keras.layers
    a, b = keras.Input((4, 6)), keras.Input((4, 6))
    ha, hb = L.LSTM(5, return_sequences=True)(a), L.GRU(5, return_sequences=True)(b)
    mixed = [L.Attention()([ha, hb]), L.Attention(use_scale=True, score_mode="concat")([ha, hb]),
             L.AdditiveAttention()([ha, hb]), L.Subtract()([ha, hb]), L.MultiHeadAttention(2, 3)(ha, hb),
             L.Maximum()([ha, hb])]
    dot = L.Flatten()(L.Dot(axes=2)([ha, hb]))
    out = L.Dense(1)(L.Concatenate()([L.Flatten()(L.Concatenate()(mixed)), dot]))
    model = keras.Model([a, b], out, name="attention")
    comparison = lp.compare_with_keras(model)  # used to raise: int() argument ... not 'tuple'
    assert [r.keras_params for r in comparison] == [layer.count_params() for layer in model.layers]
    by_kind: dict[str, list] = {}
    for row in comparison:
        by_kind.setdefault(row.kind, []).append(row)
    for kind in ("LSTM", "GRU", "Dense"):
        assert [r.match for r in by_kind[kind]] == [True], kind
    for kind in ("Dot", "Subtract", "Maximum", "Concatenate", "Flatten", "InputLayer"):
        assert all(r.params == 0 == r.keras_params and r.note == "no weights" for r in by_kind[kind]), kind
    for kind in ("Attention", "AdditiveAttention", "MultiHeadAttention"):
        for row in by_kind[kind]:
            assert row.params is None and row.note == f"{kind} is not modelled by lstm_params"
    assert sorted(comparison.unmodelled) == sorted(r.name for k in ("Attention", "AdditiveAttention",
                                                                    "MultiHeadAttention") for r in by_kind[k])
    assert not comparison.all_match
    assert "MultiHeadAttention is not modelled" in str(comparison) and "<table>" in comparison._repr_html_()


def test_compare_reads_unusual_bidirectionals(keras):
    L = keras.layers
    conv = keras.Sequential([keras.Input((3, 6, 6, 2)), L.Bidirectional(L.ConvLSTM2D(3, 2, return_sequences=True))])
    row = lp.compare_with_keras(conv)[0]  # used to raise KeyError: 'units'
    assert row.match is True and row.keras_params == conv.layers[0].count_params()
    cells = keras.Sequential([keras.Input((3, 5)), L.Bidirectional(L.RNN(L.LSTMCell(4)))])
    row = lp.compare_with_keras(cells)[0]
    assert row.params is None and row.note == "Bidirectional(RNN) is not modelled by lstm_params"


def test_compare_reports_a_bidirectional_that_cannot_run(keras):
    """Keras builds a sum of a 3-unit and a 4-unit output (its graph only looks at the forward layer)."""
    L = keras.layers
    layer = L.Bidirectional(L.LSTM(3), backward_layer=L.GRU(4, go_backwards=True), merge_mode="sum")
    model = keras.Sequential([keras.Input((5, 7)), layer], name="mismatch")
    row = lp.compare_with_keras(model)[0]
    assert row.keras_params == 288 and row.params is None and row.match is None
    assert row.note == ("Bidirectional(LSTM, GRU) cannot be modelled: backward_layer must have the forward layer's "
                        "3 units when merge_mode='sum' (only concat joins outputs of different sizes), got 4")
    with pytest.raises(Exception, match=r"Incompatible shapes: \[1,3\] vs. \[1,4\]"):  # and indeed it cannot run
        layer(np.zeros((1, 5, 7), dtype="float32"))
