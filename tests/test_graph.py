"""lp.Input, layer calls and lp.Model (lstm_params.graph) against the same graphs built in real Keras.

Every expected count comes from Keras (``model.count_params()``, ``layer.count_params()``, ``model.layers``) or
is written out by hand from the published models' sizes; the order of ``model.layers`` and the "Connected to"
of each layer are Keras's own.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_same(model, ours):
    """Our model lists Keras's layers, in Keras's order, with Keras's counts."""
    assert [layer.kind for layer in ours.layers] == [type(layer).__name__ for layer in model.layers]
    assert ours.layer_params == [layer.count_params() for layer in model.layers]
    assert ours.params == model.count_params()


def keras_connections(layer):
    """What feeds each call of a Keras layer, as its summary writes it: ``name[node][tensor]``."""
    out = []
    for node in layer._inbound_nodes:
        for t in node.input_tensors:
            operation, node_index, tensor_index = t._keras_history
            out.append(f"{operation.name}[{node_index}][{tensor_index}]")
    return out


# -- published models ---------------------------------------------------------------------------------------

LATENT, ENCODER_TOKENS, DECODER_TOKENS = 256, 71, 93


@pytest.mark.keras
def test_keras_io_lstm_seq2seq(keras):
    """keras.io/examples/nlp/lstm_seq2seq: the encoder's h and c start the decoder; two inputs."""
    L = keras.layers
    encoder_inputs = keras.Input(shape=(None, ENCODER_TOKENS), name="encoder_inputs")
    _, state_h, state_c = L.LSTM(LATENT, return_state=True, name="encoder")(encoder_inputs)
    decoder_inputs = keras.Input(shape=(None, DECODER_TOKENS), name="decoder_inputs")
    decoder_outputs, _, _ = L.LSTM(LATENT, return_sequences=True, return_state=True, name="decoder")(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = L.Dense(DECODER_TOKENS, activation="softmax", name="softmax")(decoder_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], outputs)

    enc_in = lp.Input(ENCODER_TOKENS, name="encoder_inputs")
    _, h, c = lp.LSTM(LATENT, return_state=True, name="encoder")(enc_in)
    dec_in = lp.Input(DECODER_TOKENS, name="decoder_inputs")
    dec_out, _, _ = lp.LSTM(LATENT, return_sequences=True, return_state=True, name="decoder")(
        dec_in, initial_state=[h, c])
    ours = lp.Model([enc_in, dec_in], lp.Dense(DECODER_TOKENS, name="softmax")(dec_out))

    assert_same(model, ours)
    by_hand = (4 * LATENT * (ENCODER_TOKENS + LATENT + 1) + 4 * LATENT * (DECODER_TOKENS + LATENT + 1)
               + DECODER_TOKENS * (LATENT + 1))
    assert ours.params == by_hand == 718_173
    assert ours.names == [layer.name for layer in model.layers]
    for layer in model.layers:
        assert ours.connections(ours[ours.names.index(layer.name)]) == keras_connections(layer), layer.name
    text = ours.summary()
    assert "encoder[0][1], encoder[0][2]" in text and "Total params: 718,173 (" in text
    assert "718,173" in ours._repr_html_() and "encoder[0][1]" in ours._repr_html_()
    assert ours.memory_bytes() == 4 * 718_173 and ours.training_memory_bytes() == 16 * 718_173


@pytest.mark.keras
@SETTINGS
@given(features=st.integers(1, 12), units=st.integers(1, 16), steps=st.integers(1, 9),
       kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
def test_lstm_autoencoder_with_repeat_vector(keras, features, units, steps, kind):
    """The encoder-decoder of the LSTM autoencoder: the last output repeated for every step, decoded."""
    L = keras.layers
    inputs = keras.Input((steps, features))
    decoded = getattr(L, kind)(units, return_sequences=True)(L.RepeatVector(steps)(getattr(L, kind)(units)(inputs)))
    model = keras.Model(inputs, L.TimeDistributed(L.Dense(features))(decoded))

    x = lp.Input(features)
    code = lp.RepeatVector(steps)(getattr(lp, kind)(units)(x))
    ours = lp.Model(x, lp.Dense(features)(getattr(lp, kind)(units, return_sequences=True)(code)))
    assert ours.params == model.count_params()
    assert ours.layer_params == [layer.count_params() for layer in model.layers]
    assert [layer.kind for layer in ours][:4] == ["InputLayer", kind, "RepeatVector", kind]


# -- graphs built at random, in both -------------------------------------------------------------------------

@st.composite
def graphs(draw):
    """A list of steps; each names the tensors it reads by their place in the pool of tensors made so far."""
    return {"inputs": draw(st.lists(st.integers(1, 6), min_size=1, max_size=3)),
            "steps": draw(st.lists(st.tuples(
                st.sampled_from(["rnn", "rnn", "dense", "repeat", "concat", "add", "shared", "state", "state", "bidi"]),
                st.sampled_from(["LSTM", "GRU", "SimpleRNN"]), st.integers(1, 6), st.integers(0, 99),
                st.integers(0, 99), st.booleans(), st.booleans()), min_size=1, max_size=8))}


def build_both(keras, spec):
    """The same graph in Keras and in lstm_params; tensors are (keras, ours, features, sequence)."""
    L = keras.layers
    pool = []
    made = []  # (keras layer, our layer, features read, reads a sequence)
    states = []  # (kind, units, keras states, our states)
    used = set()
    for f in spec["inputs"]:
        pool.append((keras.Input((None, f)), lp.Input(f), f, True))
    inputs = list(pool)

    def take(i, want=None):
        choices = [j for j, t in enumerate(pool) if want is None or t[3] == want]
        if not choices:
            return None
        j = choices[i % len(choices)]
        used.add(j)
        return pool[j]

    for kind, rnn, width, a, b, flag, flag2 in spec["steps"]:
        if kind in ("rnn", "state", "bidi"):
            x = take(a, want=True)
            if x is None:
                continue
            config = {"return_sequences": flag, "use_bias": width % 3 != 0}
            if kind == "bidi":
                mode = ["concat", "sum", "ave"][b % 3]
                k_layer = L.Bidirectional(getattr(L, rnn)(width, **config), merge_mode=mode)
                o_layer = lp.Bidirectional(getattr(lp, rnn)(width, **config), merge_mode=mode)
                pool.append((k_layer(x[0]), o_layer(x[1]), o_layer.output_dim, flag))
            else:
                start = {}
                if kind == "state" and states:  # a layer of the kind and size whose states it starts from
                    start = {"initial_state": states[b % len(states)]}
                    rnn, width = start["initial_state"][0], start["initial_state"][1]
                k_layer = getattr(L, rnn)(width, return_state=flag2, **config)
                o_layer = getattr(lp, rnn)(width, return_state=flag2, **config)
                k_out = k_layer(x[0], **({"initial_state": start["initial_state"][2]} if start else {}))
                o_out = o_layer(x[1], **({"initial_state": start["initial_state"][3]} if start else {}))
                if flag2:
                    states.append((rnn, width, k_out[1:], o_out[1:]))
                    pool += [(k, o, width, False) for k, o in zip(k_out[1:], o_out[1:], strict=True)]
                    k_out, o_out = k_out[0], o_out[0]
                pool.append((k_out, o_out, width, flag))
            made.append((k_layer, o_layer, x[2], True))
        elif kind == "dense":
            x = take(a)
            k_layer, o_layer = L.Dense(width, use_bias=flag), lp.Dense(width, use_bias=flag)
            pool.append((k_layer(x[0]), o_layer(x[1]), width, x[3]))
            made.append((k_layer, o_layer, x[2], False))
        elif kind == "repeat":
            x = take(a, want=False)
            if x is not None:
                pool.append((L.RepeatVector(width)(x[0]), lp.RepeatVector(width)(x[1]), x[2], True))
        elif kind in ("concat", "add"):
            x = take(a)
            y = take(b, want=x[3])
            if kind == "add":  # bring both to one width
                x = (L.Dense(width)(x[0]), lp.Dense(width)(x[1]), width, x[3])
                y = (L.Dense(width, use_bias=False)(y[0]), lp.Dense(width, use_bias=False)(y[1]), width, y[3])
                pool.append((L.Add()([x[0], y[0]]), lp.Add()([x[1], y[1]]), width, x[3]))
            else:
                pool.append((L.Concatenate()([x[0], y[0]]), lp.Concatenate()([x[1], y[1]]), x[2] + y[2], x[3]))
        elif kind == "shared" and made:
            k_layer, o_layer, features, sequence = made[a % len(made)]
            fits = [j for j, t in enumerate(pool) if t[2] == features and (t[3] or not sequence)]
            if fits:
                j = fits[b % len(fits)]
                used.add(j)
                k_out, o_out = k_layer(pool[j][0]), o_layer(pool[j][1])
                if isinstance(o_out, list):
                    k_out, o_out = k_out[0], o_out[0]
                pool.append((k_out, o_out, o_layer.output_dim,
                             bool(o_layer.output_is_sequence(pool[j][3]))))
    for x in inputs:  # an input nothing read: give it a layer, so that every input feeds an output
        if pool.index(x) not in used:
            used.add(pool.index(x))
            pool.append((L.Dense(2)(x[0]), lp.Dense(2)(x[1]), 2, True))
    leaves = [t for j, t in enumerate(pool) if j not in used]
    model = keras.Model([x[0] for x in inputs], [t[0] for t in leaves])
    ours = lp.Model([x[1] for x in inputs], [t[1] for t in leaves])
    return model, ours


@pytest.mark.keras
@settings(SETTINGS, max_examples=40)
@given(spec=graphs())
def test_random_graphs_match_keras(keras, spec):
    model, ours = build_both(keras, spec)
    assert_same(model, ours)
    for k_layer, o_layer in zip(model.layers, ours.layers, strict=True):  # the same wiring, by place in the list
        k_names = {layer.name: i for i, layer in enumerate(model.layers)}
        o_names = {name: i for i, name in enumerate(ours.names)}
        mine = [(o_names[c.split("[")[0]], c[c.index("["):]) for c in ours.connections(o_layer)]
        theirs = [(k_names[c.split("[")[0]], c[c.index("["):]) for c in keras_connections(k_layer)]
        assert mine == theirs, (o_layer, mine, theirs)
    assert f"Total params: {model.count_params():,} (" in ours.summary()


# -- sharing, states and what is refused ---------------------------------------------------------------------

def test_a_shared_layer_is_counted_once():
    shared = lp.LSTM(8)
    a, b = lp.Input(5), lp.Input(5)
    model = lp.Model([a, b], lp.Concatenate()([shared(a), shared(b)]))
    assert model.layer_params == [0, 0, 4 * 8 * (5 + 8 + 1), 0]
    with pytest.raises(ValueError, match=r"inputs has 6 features, but this LSTM has input_dim=5"):
        shared(lp.Input(6))


def test_layer_given_an_input_size_refuses_another():
    with pytest.raises(ValueError, match="input_dim=4"):
        lp.Dense(3, input_dim=4)(lp.Input(5))
    assert lp.Dense(3, input_dim=5)(lp.Input(5)).features == 3


@pytest.mark.parametrize(("make", "message"), [
    (lambda: lp.LSTM(4)(lp.Input(3), initial_state=[lp.LSTM(4, return_state=True)(lp.Input(2))[1]]),
     r"initial_state must be 2 tensor\(s\) of 4, 4 features"),
    (lambda: lp.GRU(4)(lp.Input(3), initial_state=[lp.Input(5, sequence=False)]), "initial_state must be 1"),
    (lambda: lp.GRU(4)(lp.Input(3), initial_state=[lp.Input(4)]), r"initial_state\[0\] is a sequence"),
    (lambda: lp.Dense(4)(lp.Input(3), initial_state=[lp.Input(4)]), "initial_state is only read"),
    (lambda: lp.LSTM(4)(lp.Input(3, sequence=False)), "inputs is one vector per sample"),
    (lambda: lp.RepeatVector(2)(lp.Input(3)), "inputs is a sequence"),
    (lambda: lp.Add()([lp.Input(3), lp.Input(4)]), "inputs of an Add must all have the same size"),
    (lambda: lp.Concatenate()([lp.Input(3)]), "inputs of a Concatenate must be at least 2"),
    (lambda: lp.Concatenate()(lp.Input(3)), "inputs must be a list of tensors"),
    (lambda: lp.LSTM(3)([lp.Input(3)]), "inputs must be a tensor"),
    (lambda: lp.LSTM(3)(lp.Input(None)), "inputs holds token ids"),
    (lambda: lp.Embedding(10, 3)(lp.Input(4)), "inputs holds 4 features"),
    (lambda: lp.Input(0), "features must be a positive integer, got 0"),
    (lambda: lp.Model(lp.Dense(2)(lp.Input(3)), lp.Input(3)), r"inputs\[0\] must be a tensor made by lp.Input"),
    (lambda: lp.Model(lp.Input(3), lp.Dense(2)(lp.Input(3))), "not among inputs"),
    (lambda: lp.Model([], lp.Input(3)), "inputs must hold at least one"),
    (lambda: lp.Sequential([lp.LSTM(3, return_sequences=True, return_state=True), lp.Dense(2)], input_dim=2),
     "return_state=True"),
    (lambda: lp.Sequential([lp.Dense(2), lp.Add()], input_dim=2), "input_dim"),
])
def test_refusals_name_the_argument(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_states_of_each_kind():
    x = lp.Input(3)
    assert [t.features for t in lp.LSTM(5, return_state=True)(x)] == [5, 5, 5]
    assert [t.features for t in lp.GRU(5, return_state=True)(x)] == [5, 5]
    assert [t.features for t in lp.LSTMP(6, 2, return_state=True)(x)] == [2, 2, 6]  # h is the projection
    both = lp.Bidirectional(lp.LSTM(5, return_state=True, return_sequences=True), merge_mode=None)(x)
    assert [(t.features, t.sequence) for t in both] == [(5, True), (5, True)] + [(5, False)] * 4


def test_embedding_and_tokens():
    tokens = lp.Input(None)
    embedding = lp.Embedding(1000, 16)
    model = lp.Model(tokens, lp.TiedDense(embedding)(lp.LSTM(16, return_sequences=True)(embedding(tokens))))
    assert model.layer_params == [0, 1000 * 16, 4 * 16 * (16 + 16 + 1), 1000]
    with pytest.raises(ValueError, match="Embedding is not in the model"):
        x = lp.Input(16)
        lp.Model(x, lp.TiedDense(lp.Embedding(10, 16))(x))
