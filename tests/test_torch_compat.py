"""lp.compare_with_torch against real ``torch.nn`` modules: counts, tied and shared tensors, frozen parameters.

The reference is always PyTorch itself: ``sum(p.numel() for p in module.parameters())`` (which yields a
tensor once however many modules hold it), ``requires_grad``, ``named_parameters()``.  Our side comes from
the formulas of the package's layers, built from each module's configuration.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt
from lstm_params.torch_compat import from_torch_module

pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN"),
              pytest.mark.filterwarnings("ignore:dropout option adds dropout after all but last recurrent layer")]

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
small = st.integers(1, 12)


def totals(module):
    """PyTorch's own figures: every parameter once, and the frozen ones."""
    params = list(module.parameters())
    return sum(p.numel() for p in params), sum(p.numel() for p in params if not p.requires_grad)


# -- generated modules -------------------------------------------------------------------------------------
@st.composite
def pieces(draw):
    """A recipe (kind, kwargs) for one module of a kind the reader models, with random options."""
    kind = draw(st.sampled_from(["LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell", "Linear", "Embedding",
                                 "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "BatchNorm1d", "BatchNorm2d",
                                 "LayerNorm", "GroupNorm", "InstanceNorm1d", "Dropout", "ReLU", "MaxPool1d",
                                 "Flatten"]))
    if kind in ("LSTM", "GRU", "RNN"):
        hidden = draw(small)
        kwargs = {"input_size": draw(small), "hidden_size": hidden, "num_layers": draw(st.integers(1, 3)),
                  "bias": draw(st.booleans()), "bidirectional": draw(st.booleans()),
                  "batch_first": draw(st.booleans()), "dropout": draw(st.sampled_from([0.0, 0.3]))}
        if kind == "LSTM" and hidden > 1 and draw(st.booleans()):
            kwargs["proj_size"] = draw(st.integers(1, hidden - 1))
        if kind == "RNN":
            kwargs["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
        return kind, kwargs
    if kind.endswith("Cell"):
        kwargs = {"input_size": draw(small), "hidden_size": draw(small), "bias": draw(st.booleans())}
        if kind == "RNNCell":
            kwargs["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
        return kind, kwargs
    if kind == "Linear":
        return kind, {"in_features": draw(small), "out_features": draw(small), "bias": draw(st.booleans())}
    if kind == "Embedding":
        return kind, {"num_embeddings": draw(small), "embedding_dim": draw(small)}
    if kind.startswith("Conv"):
        groups = draw(st.integers(1, 3))
        rank = int(kind[-2])
        return kind, {"in_channels": groups * draw(st.integers(1, 4)), "out_channels": groups * draw(st.integers(1, 4)),
                      "kernel_size": tuple(draw(st.integers(1, 3)) for _ in range(rank)), "groups": groups,
                      "bias": draw(st.booleans())}
    if kind.startswith("BatchNorm"):
        return kind, {"num_features": draw(small), "affine": draw(st.booleans()),
                      "track_running_stats": draw(st.booleans())}
    if kind == "InstanceNorm1d":
        return kind, {"num_features": draw(small), "affine": draw(st.booleans())}
    if kind == "LayerNorm":
        shape = tuple(draw(st.lists(small, min_size=1, max_size=2)))
        affine = draw(st.booleans())
        return kind, {"normalized_shape": shape, "elementwise_affine": affine,
                      "bias": affine and draw(st.booleans())}
    if kind == "GroupNorm":
        groups = draw(st.integers(1, 3))
        return kind, {"num_groups": groups, "num_channels": groups * draw(st.integers(1, 4)),
                      "affine": draw(st.booleans())}
    if kind == "MaxPool1d":
        return kind, {"kernel_size": draw(st.integers(1, 3))}
    return kind, {}


def build(torch, recipe):
    kind, kwargs = recipe
    return getattr(torch.nn, kind)(**kwargs)


@st.composite
def models(draw):
    """A module tree: a Sequential, a ModuleList and a ModuleDict of pieces inside a custom module, with
    maybe tied embeddings, a submodule used twice, and frozen parameters."""
    return {"sequential": draw(st.lists(pieces(), max_size=4)), "list": draw(st.lists(pieces(), max_size=3)),
            "dict": draw(st.lists(pieces(), max_size=2)),
            "tied": draw(st.none() | st.tuples(small, small)),  # (vocabulary, width)
            "shared": draw(st.booleans()), "frozen": draw(st.lists(st.booleans(), max_size=40))}


def assemble(torch, spec):
    nn = torch.nn

    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*(build(torch, r) for r in spec["sequential"]))
            self.more = nn.ModuleList(build(torch, r) for r in spec["list"])
            self.named = nn.ModuleDict({f"m{i}": build(torch, r) for i, r in enumerate(spec["dict"])})
            if spec["tied"]:
                vocabulary, width = spec["tied"]
                self.encoder = nn.Embedding(vocabulary, width)
                self.decoder = nn.Linear(width, vocabulary)
                self.decoder.weight = self.encoder.weight  # Press & Wolf 2016, as pytorch/examples does
            if spec["shared"] and len(self.more):
                self.again = nn.Sequential(self.more[0], nn.ReLU())  # the same module object, held twice

    module = Custom()
    for frozen, p in zip(spec["frozen"], module.parameters(), strict=False):
        p.requires_grad_(not frozen)
    return module


@SETTINGS
@given(spec=models())
def test_generated_modules_match_parameters(torch, spec):
    module = assemble(torch, spec)
    comparison = lp.compare_with_torch(module)
    total, frozen = totals(module)
    assert comparison.unmodelled == []
    assert comparison.framework_total == total and comparison.total == total, str(comparison)
    assert comparison.framework_non_trainable == frozen and comparison.non_trainable == frozen, str(comparison)
    assert comparison.trainable == total - frozen
    assert comparison.all_match, str(comparison)
    # Each untied module's row, against the module's own tensors (a shared module has one row).
    rows = {r.name: r for r in comparison}
    for name, sub in module.named_modules():
        if name and not any(True for _ in sub.children()) and not name.startswith(("decoder", "again")):
            mine = list(sub.parameters(recurse=False))
            assert rows[name].params == sum(p.numel() for p in mine), name
            assert rows[name].non_trainable == sum(p.numel() for p in mine if not p.requires_grad), name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recipe=pieces())
def test_single_modules(torch, recipe):
    module = build(torch, recipe)
    comparison = lp.compare_with_torch(module)
    assert comparison.total == totals(module)[0] and comparison.all_match, str(comparison)


def test_tied_decoder_counts_only_its_bias(torch):
    nn = torch.nn
    model = nn.Module()
    model.encoder, model.decoder = nn.Embedding(50, 8), nn.Linear(8, 50)
    model.decoder.weight = model.encoder.weight
    rows = {r.name: r for r in lp.compare_with_torch(model)}
    assert rows["decoder"].params == rows["decoder"].framework_params == 50  # the bias only
    assert "encoder.weight" in rows["decoder"].formula
    assert sum(r.params or 0 for r in rows.values()) == totals(model)[0] == 50 * 8 + 50


def test_batchnorm_running_statistics_are_buffers(torch):
    bn = torch.nn.BatchNorm2d(16)
    comparison = lp.compare_with_torch(bn)
    assert comparison.total == 32 == totals(bn)[0]  # weight and bias; running_mean/var are buffers
    assert {name for name, _ in bn.named_buffers()} >= {"running_mean", "running_var"}
    assert "buffers" in comparison[0].formula
    assert lp.BatchNormalization(input_dim=16).params == 64  # Keras counts all four


def test_unknown_kinds_are_reported_by_name(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.PReLU(), nn.MultiheadAttention(8, 2), nn.Bilinear(3, 3, 2))
    comparison = lp.compare_with_torch(model)
    assert comparison.unmodelled == ["1", "2", "3"]
    assert not comparison.all_match
    assert comparison.framework_total == totals(model)[0]
    assert "PReLU is not modelled" in comparison[1].note and "Bilinear" in str(comparison)
    assert comparison[3].name == "2.out_proj" and comparison[3].match  # a Linear inside is still read


def test_lazy_modules_are_refused_until_their_sizes_are_known(torch):
    lazy = torch.nn.Sequential(torch.nn.LazyLinear(3))
    with pytest.raises(ValueError, match=r"module Sequential has parameters of unknown size \(0.weight, 0.bias\)"):
        lp.compare_with_torch(lazy)
    lazy(torch.zeros(1, 5))  # now a Linear(5, 3)
    comparison = lp.compare_with_torch(lazy)
    assert comparison.all_match and comparison.total == 5 * 3 + 3


def test_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match=r"module must be a torch\.nn\.Module, got int"):
        lp.compare_with_torch(3)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_name_and_shape_every_tensor(torch, kind):
    module = getattr(torch.nn, kind)(7, 5)
    ours = getattr(pt, kind)(7, 5)
    assert ours.variables == {name: tuple(p.shape) for name, p in module.named_parameters()}
    assert ours.params == totals(module)[0]
    assert getattr(pt, kind)(7, 5, bias=False).params == totals(getattr(torch.nn, kind)(7, 5, bias=False))[0]
    found = from_torch_module(module)
    assert found is not None and found[0] == ours


# -- real published models, written out as their sources define them ------------------------------------------
def word_language_model(torch, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
    """RNNModel of pytorch/examples, word_language_model/model.py (the encoder, rnn and decoder it builds)."""
    nn = torch.nn

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.ntoken = ntoken
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(ntoken, ninp)
            if rnn_type in ["LSTM", "GRU"]:
                self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
            else:
                nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
                self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
            self.decoder = nn.Linear(nhid, ntoken)
            if tie_weights:
                self.decoder.weight = self.encoder.weight

    return RNNModel()


def test_word_language_model_with_tied_weights(torch):
    # main.py's defaults (--emsize 200 --nhid 200 --nlayers 2) on Wikitext-2, whose vocabulary has 33,278 words.
    vocabulary, width = 33278, 200
    tied = word_language_model(torch, "LSTM", vocabulary, width, width, 2, tie_weights=True)
    untied = word_language_model(torch, "LSTM", vocabulary, width, width, 2)
    layer = 4 * (width * width + width * width + 2 * width)  # PyTorch LSTM: two biases per gate
    by_hand = vocabulary * width + 2 * layer + vocabulary  # the tied decoder adds its bias only
    assert by_hand == 7_332_078
    for model, expected in ((tied, by_hand), (untied, by_hand + vocabulary * width)):
        comparison = lp.compare_with_torch(model)
        assert comparison.all_match, str(comparison)
        assert comparison.total == expected == totals(model)[0]
    rnn_relu = word_language_model(torch, "RNN_RELU", 100, 16, 16, 3, tie_weights=True)
    assert lp.compare_with_torch(rnn_relu).all_match


def test_pytorch_tutorial_lstm_tagger(torch):
    """LSTMTagger of the PyTorch tutorial "Sequence Models and Long Short-Term Memory Networks"
    (pytorch.org/tutorials/beginner/nlp/sequence_models_tutorial.html): EMBEDDING_DIM = HIDDEN_DIM = 6,
    9 words in its two training sentences, 3 tags."""
    nn = torch.nn

    class LSTMTagger(nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.hidden_dim = hidden_dim
            self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.lstm = nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    training_data = [("The dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
                     ("Everybody read that book".split(), ["NN", "V", "DET", "NN"])]
    word_to_ix: dict[str, int] = {}
    for sentence, _ in training_data:
        for word in sentence:
            word_to_ix.setdefault(word, len(word_to_ix))
    model = LSTMTagger(6, 6, len(word_to_ix), 3)
    comparison = lp.compare_with_torch(model)
    assert len(word_to_ix) == 9
    assert comparison.all_match, str(comparison)
    assert comparison.total == 9 * 6 + 4 * (6 * 6 + 6 * 6 + 2 * 6) + (6 * 3 + 3) == 411 == totals(model)[0]


def test_frozen_embedding_shows_in_the_table(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Embedding(10, 4), nn.LSTM(4, 3))
    model[0].weight.requires_grad_(False)
    comparison = lp.compare_with_torch(model)
    assert (comparison.non_trainable, comparison.trainable) == (40, totals(model)[0] - 40)
    text = str(comparison)
    assert "PyTorch non-trainable" in text and "ours non-trainable" in text
    assert "non-trainable" not in str(lp.compare_with_torch(nn.Linear(2, 2)))
