"""lp.TiedDense, tied input and output embeddings (Press & Wolf 2017), against PyTorch's word_language_model.

pytorch/examples' word_language_model with ``--tied`` sets ``decoder.weight = encoder.weight``: the output layer
reuses the V × d embedding matrix and keeps only its own bias (V numbers).  The expected counts are PyTorch's
``sum(p.numel() for p in model.parameters())`` (which lists a shared tensor once) or written out by hand.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def word_language_model(torch, vocabulary, size, layers, kind, bias):
    """pytorch/examples/word_language_model/model.py's RNNModel with tie_weights=True (ninp == nhid)."""
    nn = torch.nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(vocabulary, size)
            self.rnn = getattr(nn, kind)(size, size, layers)
            self.decoder = nn.Linear(size, vocabulary, bias=bias)
            self.decoder.weight = self.encoder.weight

        def forward(self, tokens):
            output, _ = self.rnn(self.encoder(tokens))
            return self.decoder(output)

    return RNNModel()


@pytest.mark.torch
@SETTINGS
@given(vocabulary=st.integers(1, 500), size=st.integers(1, 48), layers=st.integers(1, 3),
       kind=st.sampled_from(["LSTM", "GRU", "RNN"]), bias=st.booleans(), functional=st.booleans())
def test_tied_model_matches_torch(torch, vocabulary, size, layers, kind, bias, functional):
    module = word_language_model(torch, vocabulary, size, layers, kind, bias)
    scores = module(torch.randint(0, vocabulary, (3, 2)))  # it runs: (time, batch, V)
    assert tuple(scores.shape) == (3, 2, vocabulary)
    expected = sum(p.numel() for p in module.parameters())
    embedding = lp.Embedding(vocabulary, size)
    rnn = getattr(pt, kind)(size, size, num_layers=layers)
    head = lp.TiedDense(embedding, use_bias=bias)
    if functional:
        tokens = lp.Input(None)
        model = lp.Model(tokens, head(rnn(embedding(tokens))))
        assert model.layer_params[-1] == (vocabulary if bias else 0)
    else:
        model = lp.Sequential([embedding, rnn, head])
    assert model.params == expected
    # Untied, the decoder would own its V × d matrix too.
    untied = sum(p.numel() for p in module.parameters()) + vocabulary * size
    assert lp.Sequential([embedding, rnn, lp.Dense(vocabulary, use_bias=bias)]).params == untied


def test_count_and_formula_are_the_bias():
    head = lp.TiedDense(lp.Embedding(33278, 650), input_dim=650)  # WikiText-2's vocabulary, the large model
    assert head.params == 33278 and head.formula.expanded == "V" and head.formula.value == 33278
    assert [(w.name, w.shape) for w in head.weights] == [("b", (33278,))]
    assert lp.TiedDense(lp.Embedding(10, 4), use_bias=False).with_input_dim(4).params == 0
    assert "Total params: 33,278 (" in head.summary()


@pytest.mark.parametrize(("make", "message"), [
    (lambda: lp.TiedDense(lp.Dense(3)), "embedding must be an lp.Embedding"),
    (lambda: lp.TiedDense(lp.Embedding(10, 4), input_dim=5), r"input_dim must equal the embedding's output_dim \(4"),
    (lambda: lp.TiedDense(lp.Embedding(10, 4), use_bias=1), "use_bias must be True or False"),
    (lambda: lp.Sequential([lp.Embedding(10, 4), lp.LSTM(5, return_sequences=True),
                            lp.TiedDense(lp.Embedding(10, 4))]), "input_dim must equal"),
    (lambda: lp.TiedDense(lp.Embedding(10, 4))(lp.Input(5)), "inputs has 5 features"),
])
def test_refusals(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()
