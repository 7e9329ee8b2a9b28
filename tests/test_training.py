"""Training figures measured on real PyTorch: the tensors kept for backward, and the backward FLOPs.

Each generated stack is built in ``torch.nn`` with the same sizes, time-major (PyTorch's default
layout), and run on the CPU with oneDNN off, so that the recurrent layers run their cell
equations step by step (PyTorch's own non-fused path).  What autograd keeps is read with
``torch.autograd.graph.saved_tensors_hooks``: every float tensor saved for backward that is not
a parameter, each element counted once (views of one storage share their elements).  FLOPs are
read with ``FlopCounterMode`` for the forward and the backward pass separately.  The expected
values are these measurements, never the package.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lstm_params as lp
from lstm_params import pytorch as pt

torch = pytest.importorskip("torch", reason="the [torch] extra: make install puts it in .venv")
nn = torch.nn
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

# torch.backends.mkldnn.flags() warns, on entry, that TF32 on oneDNN needs an Intel GPU: not what is measured here.
pytestmark = pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN:UserWarning")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def kept_floats(run: Any, parameters: list[Any]) -> int:
    """Float elements autograd keeps for backward while ``run()`` runs, parameters left out, each counted once."""
    params = {p.data_ptr() for p in parameters}
    seen: dict[int, set[int]] = {}

    def pack(t: Any) -> Any:
        if t.data_ptr() in params or not t.is_floating_point():
            return t
        addresses = np.array([t.storage_offset()], dtype=np.int64)
        for size, stride in zip(t.shape, t.stride(), strict=True):
            addresses = (addresses[:, None] + np.arange(size)[None, :] * stride).ravel()
        seen.setdefault(t.untyped_storage().data_ptr(), set()).update(addresses.tolist())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        run()
    return sum(len(s) for s in seen.values())


def flop_counts(model: Any, x: Any) -> tuple[int, int]:
    """(forward, backward) FLOPs that FlopCounterMode counts."""
    with FlopCounterMode(display=False) as forward:
        y = model(x)
    with FlopCounterMode(display=False) as backward:
        y.float().sum().backward()
    return forward.get_total_flops(), backward.get_total_flops()


ACTIVATIONS = {"linear": lambda x: x, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
               "softmax": lambda x: torch.softmax(x, dim=-1), "log_softmax": lambda x: torch.log_softmax(x, dim=-1)}


class Twin(nn.Module):
    """A torch.nn stack with the sizes of an lp.Sequential (Keras semantics: return_sequences, merges)."""

    def __init__(self, model: lp.Sequential) -> None:
        super().__init__()
        self.spec = list(model.layers)
        self.mods = nn.ModuleList(self._module(layer) for layer in self.spec)

    @staticmethod
    def _module(layer: Any) -> Any:
        if isinstance(layer, lp.Dropout):
            return nn.Dropout(layer.rate)  # a module in training mode: it draws and keeps its mask
        if isinstance(layer, lp.Activation):
            return nn.Identity()  # applied in forward, by name
        if isinstance(layer, lp.Embedding):
            return nn.Embedding(layer.input_dim, layer.output_dim)
        if isinstance(layer, lp.Dense):
            return nn.Linear(layer.input_dim, layer.units, bias=layer.use_bias)
        inner = layer.layer if isinstance(layer, lp.Bidirectional) else layer
        cls = {"LSTM": nn.LSTM, "GRU": nn.GRU, "SimpleRNN": nn.RNN}[inner.kind]
        return cls(layer.input_dim, inner.units, bias=inner.use_bias,  # time-major: (T, B, features)
                   bidirectional=isinstance(layer, lp.Bidirectional))

    def forward(self, x: Any) -> Any:
        for layer, mod in zip(self.spec, self.mods, strict=True):
            if isinstance(layer, lp.Activation):
                x = ACTIVATIONS[layer.activation](x)
                continue
            if isinstance(layer, (lp.Embedding, lp.Dense, lp.Dropout)):
                x = mod(x)
                continue
            inner = layer.layer if isinstance(layer, lp.Bidirectional) else layer
            y, _ = mod(x)
            if not inner.return_sequences:  # the last step of each direction (the backward one ends at 0)
                y = y[-1] if not isinstance(layer, lp.Bidirectional) else \
                    torch.cat([y[-1, :, :inner.units], y[0, :, inner.units:]], dim=-1)
            if isinstance(layer, lp.Bidirectional) and layer.merge_mode != "concat":
                a, b = y[..., :inner.units], y[..., inner.units:]
                y = a * b if layer.merge_mode == "mul" else (a + b if layer.merge_mode == "sum" else (a + b) / 2)
            x = y
        return x


def weightless(draw: Any, layers: list[Any]) -> None:
    """Maybe a Dropout or an Activation after the layer just added (Keras models put them everywhere)."""
    if draw(st.integers(0, 2)) == 0:
        layers.append(draw(st.sampled_from([lp.Dropout(0.0), lp.Dropout(0.25), lp.Dropout(0.5),
                                            *(lp.Activation(a) for a in ACTIVATIONS)])))


@st.composite
def stacks(draw: Any) -> lp.Sequential:
    size = st.integers(1, 9)
    layers: list[Any] = []
    if draw(st.booleans()):
        layers.append(lp.Embedding(draw(st.integers(2, 30)), draw(size)))
    elif draw(st.booleans()):
        layers.append(lp.Dense(draw(size), use_bias=draw(st.booleans())))
    count = draw(st.integers(1, 3))
    for i in range(count):
        kind = draw(st.sampled_from([lp.LSTM, lp.GRU, lp.SimpleRNN]))
        layer = kind(draw(size), use_bias=draw(st.booleans()),
                     return_sequences=i < count - 1 or draw(st.booleans()))
        if draw(st.booleans()):
            layer = lp.Bidirectional(layer, merge_mode=draw(st.sampled_from(["concat", "sum", "mul", "ave"])))
        layers.append(layer)
        weightless(draw, layers)
    for _ in range(draw(st.integers(0, 2))):
        layers.append(lp.Dense(draw(size), use_bias=draw(st.booleans())))
        weightless(draw, layers)
    return lp.Sequential(layers, input_dim=None if isinstance(layers[0], lp.Embedding) else draw(size))


def _inputs(model: lp.Sequential, timesteps: int, batch: int) -> Any:
    first = model.layers[0]
    if isinstance(first, lp.Embedding):
        return torch.randint(0, first.input_dim, (timesteps, batch))
    return torch.randn(timesteps, batch, model.layers[0].input_dim)


@SETTINGS
@given(model=stacks(), timesteps=st.integers(1, 6), batch=st.integers(1, 4))
def test_stacks_match_what_pytorch_keeps_and_computes(model: lp.Sequential, timesteps: int, batch: int) -> None:
    torch.manual_seed(0)
    twin = Twin(model)
    x = _inputs(model, timesteps, batch)
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")  # "TF32 acceleration on top of oneDNN ..."
        kept = kept_floats(lambda: twin(x), list(twin.parameters()))
        forward, backward = flop_counts(twin, x)
    assert lp.activation_bytes(model, timesteps, batch) == 4 * kept
    assert lp.activation_bytes(model, timesteps, batch, "mixed_bfloat16") == 2 * kept
    figures = lp.training_flops(model, timesteps, batch)
    assert figures["backward"] == backward
    assert lp.flops_breakdown(model, timesteps, batch)["matmul"] == forward
    assert lp.macs(model, timesteps, batch) * 2 == forward
    rows = lp.layer_figures(model, timesteps, batch)
    assert sum(r.activation_bytes for r in rows) == 4 * kept
    assert sum(r.backward_flops for r in rows) == backward
    assert sum(r.forward_flops for r in rows) == figures["forward"] == lp.flops(model, timesteps, batch)
    assert [r.params for r in rows] == [sum(p.numel() for p in m.parameters()) - _extra_biases(layer)
                                        for layer, m in zip(model.layers, twin.mods, strict=True)]


@settings(max_examples=15, deadline=None)
@given(vocabulary=st.integers(2, 40), width=st.integers(1, 9), rate=st.sampled_from([0.0, 0.5]), tied=st.booleans(),
       timesteps=st.integers(1, 5), batch=st.integers(1, 3))
def test_a_language_model_as_it_trains(vocabulary: int, width: int, rate: float, tied: bool, timesteps: int,
                                       batch: int) -> None:
    """Zaremba's model with its three dropouts and log_softmax: masks and log-probabilities kept, each counted."""
    embedding = lp.Embedding(vocabulary, width)
    head = lp.TiedDense(embedding) if tied else lp.Dense(vocabulary)
    ours = lp.Sequential([embedding, lp.Dropout(rate), pt.LSTM(width, width), lp.Dropout(rate), pt.LSTM(width, width),
                          lp.Dropout(rate), head, lp.Activation("log_softmax")])
    encoder, first, second = nn.Embedding(vocabulary, width), nn.LSTM(width, width), nn.LSTM(width, width)
    decoder, drop = nn.Linear(width, vocabulary), nn.Dropout(rate)
    if tied:
        decoder.weight = encoder.weight

    def run() -> Any:
        h = drop(second(drop(first(drop(encoder(tokens)))[0]))[0])
        return torch.log_softmax(decoder(h), dim=-1)

    tokens = torch.randint(0, vocabulary, (timesteps, batch))
    parameters = [p for mod in (encoder, first, second, decoder) for p in mod.parameters()]
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(run, parameters)
        forward, backward = flop_counts(run_module(run), tokens)
    assert ours.params == sum(p.numel() for p in {p.data_ptr(): p for p in parameters}.values())
    assert lp.activation_bytes(ours, timesteps, batch) == 4 * kept
    assert lp.training_flops(ours, timesteps, batch)["backward"] == backward
    assert lp.macs(ours, timesteps, batch) * 2 == forward


def _extra_biases(layer: Any) -> int:
    """torch keeps two bias vectors per gate where Keras keeps one (GRU with reset_after keeps two in both)."""
    inner = layer.layer if isinstance(layer, lp.Bidirectional) else layer
    if not isinstance(inner, (lp.LSTM, lp.SimpleRNN)) or not inner.use_bias:
        return 0
    gates = 4 if isinstance(inner, lp.LSTM) else 1
    return gates * inner.units * (2 if isinstance(layer, lp.Bidirectional) else 1)


@SETTINGS
@given(kind=st.sampled_from(["LSTM", "GRU", "RNN"]), m=st.integers(1, 9), n=st.integers(2, 9),
       layers=st.integers(1, 3), bidirectional=st.booleans(), bias=st.booleans(), data=st.data(),
       timesteps=st.integers(1, 6), batch=st.integers(1, 4))
def test_pytorch_modules_match_what_pytorch_keeps_and_computes(kind: str, m: int, n: int, layers: int,
                                                               bidirectional: bool, bias: bool, data: Any,
                                                               timesteps: int, batch: int) -> None:
    proj = data.draw(st.integers(0, n - 1)) if kind == "LSTM" else 0
    extra: dict[str, Any] = {"proj_size": proj} if kind == "LSTM" else {}
    if kind == "RNN":
        extra["nonlinearity"] = data.draw(st.sampled_from(["tanh", "relu"]))
    ours = getattr(pt, kind)(m, n, num_layers=layers, bias=bias, bidirectional=bidirectional, **extra)
    module = getattr(nn, kind)(m, n, num_layers=layers, bias=bias, bidirectional=bidirectional, **extra)
    x = torch.randn(timesteps, batch, m)

    def run() -> Any:
        return module(x)[0]

    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(run, list(module.parameters()))
        with FlopCounterMode(display=False) as forward:
            y = run()
        with FlopCounterMode(display=False) as backward:
            y.sum().backward()
    assert lp.activation_bytes(ours, timesteps, batch) == 4 * kept
    assert lp.training_flops(ours, timesteps, batch)["backward"] == backward.get_total_flops()
    assert lp.macs(ours, timesteps, batch) * 2 == forward.get_total_flops()


def test_the_issue_example_75_mb_kept_step_by_step_and_more_in_onednn_workspace() -> None:
    """nn.LSTM(4096, 256), batch 32 × 100 steps: the formula B·T·(m + 7n) floats, and what oneDNN keeps instead."""
    m, n, batch, steps = 4096, 256, 32, 100
    module = nn.LSTM(m, n)
    x = torch.randn(steps, batch, m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.backends.mkldnn.flags(enabled=False):
            step_by_step = 4 * kept_floats(lambda: module(x), list(module.parameters()))
        fused: list[int] = []

        def pack(t: Any) -> Any:
            if t.dtype == torch.uint8:  # oneDNN's workspace, opaque bytes
                fused.append(t.numel())
            return t

        with torch.backends.mkldnn.flags(enabled=True), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            module(x)
        with torch.backends.mkldnn.flags(enabled=True), FlopCounterMode(display=False) as counter:
            module(x)[0].sum().backward()
    assert step_by_step == batch * steps * (m + 7 * n) * 4 == lp.activation_bytes(lp.LSTM(n, input_dim=m), steps, batch)
    assert 70e6 < step_by_step < 80e6
    assert len(fused) == 1 and fused[0] > step_by_step  # oneDNN keeps more than the cell equations need
    assert counter.get_total_flops() == 0  # and FlopCounterMode sees no matmul in the fused kernel


def test_a_training_step_is_two_to_three_times_the_forward_matmuls() -> None:
    """Weight gradients (1×), the recurrent state's (T-1 of T steps), and the input's when something before trains."""
    n, m, steps = 256, 4096, 100
    alone = lp.training_flops(lp.LSTM(n, input_dim=m), steps)
    after = lp.training_flops(lp.Sequential([lp.Embedding(10_000, m), lp.LSTM(n)]), steps)
    matmuls = 8 * n * (m + n) * steps
    assert alone["backward"] == matmuls + 8 * n * n * (steps - 1)
    assert after["backward"] == 2 * matmuls - 8 * n * n
    assert 1.0 < alone["backward"] / matmuls < 1.1 and 1.9 < after["backward"] / matmuls < 2.0


def test_training_memory_leaves_out_gradients_of_non_trainable_weights() -> None:
    bn = lp.BatchNormalization(input_dim=64)  # γ, β train; the moving mean and variance do not
    assert bn.params == 4 * 64 and bn.non_trainable_params == 2 * 64
    assert bn.training_memory_bytes("float32", "adam") == 4 * (4 * 64) + 4 * 3 * (2 * 64)
    stack = lp.Sequential([lp.Conv1D(8, 3), lp.BatchNormalization(), lp.LSTM(4)], input_dim=5)
    trainable = stack.params - 2 * 8
    assert stack.training_memory_bytes("float32", "sgd") == 4 * stack.params + 4 * trainable


@pytest.mark.parametrize(("call", "message"), [
    (lambda: lp.activation_bytes(lp.PeepholeLSTM(4, input_dim=3)), "got PeepholeLSTM"),
    (lambda: lp.activation_bytes(lp.GRU(4, input_dim=3, reset_after=False)), "got GRU(reset_after=False)"),
    (lambda: lp.training_flops(lp.Sequential([lp.Conv1D(4, 3), lp.LSTM(2)], input_dim=3)), "got Conv1D"),
    (lambda: lp.activation_bytes(lp.LSTM(4, input_dim=3), dtype="int8"), "dtype='int8' is for inference"),
    (lambda: lp.activation_bytes(lp.LSTM(4, input_dim=3), 0), "timesteps must be a positive integer, got 0"),
    (lambda: lp.macs(lp.LSTM(4, input_dim=3), 1, -2), "batch_size must be a positive integer, got -2"),
    (lambda: lp.activation_bytes(lp.LSTM(4)), "input_dim is unknown"),
    (lambda: lp.layer_figures("lstm"), "model must be a layer, a Sequential or a Model, got 'lstm'"),
    (lambda: lp.training_memory_bytes(10, non_trainable=11), "non_trainable must be at most params (10), got 11"),
])
def test_bad_input_is_named(call: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert message in str(info.value)


class TiedLanguageModel(nn.Module):
    """pytorch/examples word_language_model with --tied: embed, a stacked LSTM, decode with the embedding matrix."""

    def __init__(self, vocabulary: int, width: int, layers: int) -> None:
        super().__init__()
        self.encoder = nn.Embedding(vocabulary, width)
        self.rnn = nn.LSTM(width, width, layers)
        self.decoder = nn.Linear(width, vocabulary)
        self.decoder.weight = self.encoder.weight

    def forward(self, tokens: Any) -> Any:
        return self.decoder(self.rnn(self.encoder(tokens))[0])


@settings(max_examples=20, deadline=None)
@given(vocabulary=st.integers(2, 40), width=st.integers(1, 9), layers=st.integers(1, 3),
       timesteps=st.integers(1, 6), batch=st.integers(1, 4))
def test_a_tied_language_model(vocabulary: int, width: int, layers: int, timesteps: int, batch: int) -> None:
    """The decoder multiplies by the embedding matrix: its FLOPs and gradient are the tied layer's, not its count."""
    embedding = lp.Embedding(vocabulary, width)
    ours = lp.Sequential([embedding, pt.LSTM(width, width, num_layers=layers), lp.TiedDense(embedding)])
    model = TiedLanguageModel(vocabulary, width, layers)
    tokens = torch.randint(0, vocabulary, (timesteps, batch))
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(lambda: model(tokens), list(model.parameters()))
        forward, backward = flop_counts(model, tokens)
    assert ours.params == sum(p.numel() for p in model.parameters())
    assert lp.activation_bytes(ours, timesteps, batch) == 4 * kept
    assert lp.macs(ours, timesteps, batch) * 2 == forward
    assert lp.training_flops(ours, timesteps, batch)["backward"] == backward


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]), m_in=st.integers(1, 8), m_out=st.integers(1, 8),
       n=st.integers(1, 8), vocabulary=st.integers(1, 9), encoder_steps=st.integers(1, 5),
       decoder_steps=st.integers(1, 5), batch=st.integers(1, 3))
def test_an_encoder_decoder_graph(kind: str, m_in: int, m_out: int, n: int, vocabulary: int, encoder_steps: int,
                                  decoder_steps: int, batch: int) -> None:
    """keras.io's lstm_seq2seq shape: the decoder starts from the encoder's states, so their gradients flow back."""
    cls = {"LSTM": lp.LSTM, "GRU": lp.GRU, "SimpleRNN": lp.SimpleRNN}[kind]
    encoder_in, decoder_in = lp.Input(m_in, name="encoder"), lp.Input(m_out, name="decoder")
    _, *states = cls(n, return_state=True)(encoder_in)
    decoded = cls(n, return_sequences=True)(decoder_in, initial_state=states)
    ours = lp.Model([encoder_in, decoder_in], lp.Dense(vocabulary)(decoded))
    torch_cls = {"LSTM": nn.LSTM, "GRU": nn.GRU, "SimpleRNN": nn.RNN}[kind]
    encoder, decoder, head = torch_cls(m_in, n), torch_cls(m_out, n), nn.Linear(n, vocabulary)
    x, y = torch.randn(encoder_steps, batch, m_in), torch.randn(decoder_steps, batch, m_out)

    def run() -> Any:
        return head(decoder(y, encoder(x)[1])[0])

    parameters = [*encoder.parameters(), *decoder.parameters(), *head.parameters()]
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(run, parameters)
        with FlopCounterMode(display=False) as forward:
            out = run()
        with FlopCounterMode(display=False) as backward:
            out.sum().backward()
    steps = {"encoder": encoder_steps, "decoder": decoder_steps}
    assert lp.activation_bytes(ours, steps, batch) == 4 * kept
    assert lp.macs(ours, steps, batch) * 2 == forward.get_total_flops()
    assert lp.training_flops(ours, steps, batch)["backward"] == backward.get_total_flops()
    rows = lp.layer_figures(ours, steps, batch)
    assert [r.kind for r in rows] == [kind, kind, "Dense"] and sum(r.activation_bytes for r in rows) == 4 * kept


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), repeats=st.integers(1, 5), steps=st.integers(1, 5),
       batch=st.integers(1, 3))
def test_an_autoencoder_with_repeat_vector(m: int, n: int, repeats: int, steps: int, batch: int) -> None:
    x_in = lp.Input(m)
    code = lp.LSTM(n)(x_in)
    ours = lp.Model(x_in, lp.Dense(m)(lp.LSTM(n, return_sequences=True)(lp.RepeatVector(repeats)(code))))
    encoder, decoder, head = nn.LSTM(m, n), nn.LSTM(n, n), nn.Linear(n, m)
    x = torch.randn(steps, batch, m)

    def run() -> Any:
        last = encoder(x)[0][-1]
        return head(decoder(last.unsqueeze(0).repeat(repeats, 1, 1))[0])  # Keras's RepeatVector copies

    parameters = [*encoder.parameters(), *decoder.parameters(), *head.parameters()]
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(run, parameters)
        with FlopCounterMode(display=False) as backward_mode:
            out = run()
            fwd = backward_mode.get_total_flops()
        with FlopCounterMode(display=False) as backward:
            out.sum().backward()
    assert lp.activation_bytes(ours, steps, batch) == 4 * kept
    assert lp.macs(ours, steps, batch) * 2 == fwd
    assert lp.training_flops(ours, steps, batch)["backward"] == backward.get_total_flops()


def test_a_model_refuses_what_it_cannot_count() -> None:
    x = lp.Input(3, name="frames")
    with pytest.raises(ValueError, match="not per position of a ConvLSTM's state: use a Sequential for ConvLSTM1D"):
        lp.flops(lp.Model(x, lp.ConvLSTM1D(2, 3)(x)))
    y = lp.Input(3, name="y")
    model = lp.Model(y, lp.LSTM(2)(y))
    with pytest.raises(ValueError, match=r"timesteps must give a number for each input \('y'\), got \{'x': 2\}"):
        lp.activation_bytes(model, {"x": 2})
    with pytest.raises(ValueError, match=r"timesteps\['y'\] must be a positive integer, got 0"):
        lp.training_flops(model, {"y": 0})


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), heads=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       steps=st.integers(1, 5), batch=st.integers(1, 3))
def test_a_tensor_read_by_two_layers_is_kept_once(m: int, n: int, heads: tuple[int, int], steps: int,
                                                  batch: int) -> None:
    """One input read by two LSTMs, one sequence read by two Dense heads: each tensor is kept once."""
    x_in = lp.Input(m, name="x")
    left, right = lp.LSTM(n, return_sequences=True)(x_in), lp.GRU(n, return_sequences=True)(x_in)
    joined = lp.Concatenate()([left, right])
    ours = lp.Model(x_in, [lp.Dense(heads[0])(joined), lp.Dense(heads[1])(joined)])
    lstm, gru = nn.LSTM(m, n), nn.GRU(m, n)
    first, second = nn.Linear(2 * n, heads[0]), nn.Linear(2 * n, heads[1])
    x = torch.randn(steps, batch, m)

    def run() -> Any:
        both = torch.cat([lstm(x)[0], gru(x)[0]], dim=-1)
        return first(both).sum() + second(both).sum()

    parameters = [p for mod in (lstm, gru, first, second) for p in mod.parameters()]
    with warnings.catch_warnings(), torch.backends.mkldnn.flags(enabled=False):
        warnings.simplefilter("ignore")
        kept = kept_floats(run, parameters)
        forward, backward = flop_counts(run_module(run), x)
    assert lp.activation_bytes(ours, steps, batch) == 4 * kept
    assert lp.training_flops(ours, steps, batch)["backward"] == backward
    assert lp.macs(ours, steps, batch) * 2 == forward


def run_module(run: Any) -> Any:
    """``run`` as something flop_counts can call with an (ignored) input."""
    return lambda _: run()


def test_dropout_and_activation_own_nothing_and_say_so() -> None:
    stack = lp.Sequential([lp.Dense(4), lp.Activation("relu"), lp.Dropout(0.5), lp.Dense(2)], input_dim=3)
    assert stack.layer_params == [3 * 4 + 4, 0, 0, 4 * 2 + 2]
    rows = {line.split()[0]: line for line in stack.summary().splitlines()[2:6]}
    assert rows["activation"].rstrip().endswith(" 0") and rows["dropout"].rstrip().endswith(" 0")  # formula "0"
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\), .* got 1"):
        lp.Dropout(1)
    with pytest.raises(ValueError, match=r"activation must be one of .* got 'gelu'"):
        lp.Activation("gelu")
