"""Check an answer, with a hint that names the mistake: the exercises of the notebooks.

:func:`check` compares a reader's count with the right one and, when it is wrong,
recognises the usual mistakes (biases forgotten, three gates, timesteps multiplied
in, m and n swapped, PyTorch's second bias, tensors counted instead of numbers...).
:func:`reveal` shows the right count with its formula, for predict-then-reveal.

Every candidate mistake is computed from the layer's own weight list, so a hint is
only given when the answer equals what that mistake really produces.

>>> import lstm_params as lp
>>> lp.check(50_400, lp.LSTM(100, input_dim=25))
Right: 50,400 is the number of parameters of LSTM(100, input_dim=25).
>>> lp.check(4 * (100 * 25 + 100**2), lp.LSTM(100, input_dim=25))  # doctest: +NORMALIZE_WHITESPACE
Not yet: 50,000 is not the number of parameters of LSTM(100, input_dim=25).
Hint: Off by 4n = 400 (n = 100): did you forget the biases?
Each of the 4 transformations has a bias vector of n numbers.
>>> lp.check(None, lp.LSTM(100, input_dim=25))
Write your answer (answer = ...), then run the cell again.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass
from typing import Any

from . import _validate as v
from .layers import GRU, LSTM, Bidirectional, Dense, Embedding, Layer, Recurrent, Sequential, SimpleRNN
from .pytorch import TorchRecurrent

__all__ = ["check", "reveal", "describe", "CheckResult", "Reveal"]

_WHAT_GATES = {
    "LSTM": "input, forget and output gates plus the cell candidate",
    "GRU": "update and reset gates plus the candidate",
    "SimpleRNN": "a single tanh transformation",
}


# -- argument checks --------------------------------------------------------------------
def _answer(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, str):
            raise TypeError(f"answer must be an integer (a parameter count), got {v.shown(value)} (str): "
                            "type the number without quotes")
        if isinstance(value, numbers.Real):
            raise TypeError(f"answer must be an integer (a parameter count), got {v.shown(value)} "
                            f"({type(value).__name__}): use // instead of /, or int(...)")
        raise TypeError(f"answer must be an integer (a parameter count), got {v.shown(value)} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"answer must be a non-negative integer, got {v.shown(int(value))}")
    return int(value)


def _expected(value: Any) -> tuple[int, str, Layer | Sequential | None]:
    """(count, description, the layer or model when we can diagnose mistakes)."""
    if isinstance(value, (Layer, Sequential)):
        return value.params, describe(value), value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"expected must be a non-negative integer, got {v.shown(int(value))}")
        return int(value), "", None
    count_params = getattr(value, "count_params", None)
    if callable(count_params):  # a built Keras layer or model
        if not getattr(value, "built", True):
            raise ValueError(f"expected is a Keras object that is not built yet: {getattr(value, 'name', value)!r}")
        name = getattr(value, "name", type(value).__name__)
        return int(count_params()), f"the Keras {type(value).__name__} {name!r}", None
    raise TypeError("expected must be a lstm_params layer (lp.LSTM(...)), an lp.Sequential, a built Keras "
                    f"layer or model, or an int, got {v.shown(value)} ({type(value).__name__})")


def describe(layer: Layer | Sequential) -> str:
    """A short name for what is counted: only the arguments that change the count.

    >>> describe(LSTM(256, input_dim=4096))
    'LSTM(256, input_dim=4096)'
    >>> describe(Bidirectional(GRU(64, input_dim=32, reset_after=False)))
    "Bidirectional(GRU(64, input_dim=32, reset_after=False), merge_mode='concat')"
    >>> describe(Sequential([LSTM(8), Dense(2)], input_dim=3))
    'the Sequential model (lstm, dense)'
    """
    if isinstance(layer, Sequential):
        return f"the Sequential model ({', '.join(x.name or x.kind for x in layer.layers)})"
    if isinstance(layer, Bidirectional):
        inner = layer.layer.with_input_dim(layer.input_dim) if layer.input_dim else layer.layer
        back = "" if layer.backward_layer is None else f", backward_layer={describe(layer.backward_layer)}"
        return f"Bidirectional({describe(inner)}, merge_mode={layer.merge_mode!r}{back})"
    if isinstance(layer, TorchRecurrent):
        return repr(layer)
    if isinstance(layer, Embedding):
        return f"Embedding({layer.input_dim}, {layer.output_dim})"
    args = [str(getattr(layer, "units", ""))] if hasattr(layer, "units") else []
    if layer.input_dim is not None:
        args.append(f"input_dim={layer.input_dim}")
    if getattr(layer, "use_bias", True) is False:
        args.append("use_bias=False")
    if isinstance(layer, GRU) and not layer.reset_after:
        args.append("reset_after=False")
    return f"{layer.kind}({', '.join(args)})"


def _article(kind: str) -> str:
    return "an" if kind in ("LSTM", "RNN") else "a"


# -- mistakes ---------------------------------------------------------------------------
Candidate = tuple[int, str]


def _n(x: int) -> str:
    """A count with thousands separators (one too long to print is described by its length)."""
    return f"{x:,}" if v.digits(x) <= 4000 else v.shown(x)


def _recurrent_candidates(layer: Recurrent, directions: int) -> list[Candidate]:
    if "units" not in layer.get_config():  # ConvLSTM: filters and kernels, not an n×m story
        return []
    m = layer._need_input_dim()
    n, g, kind = layer.units, len(layer.gates), layer.kind
    d = directions
    right = layer.params * d
    per_gate = right // (g * d)
    twice = "2·" if d == 2 else ""
    out: list[Candidate] = []
    biases = sum(w.size for w in layer.weights if "bias" in w.role) * d
    per = biases // (g * d * n)
    if layer.use_bias:
        term = f"{twice}{g * per if g * per > 1 else ''}n"
        out.append((right - biases,
                    f"off by {term} = {_n(biases)} (n = {_n(n)}): did you forget the biases? Each of the "
                    f"{g} transformations has {'two bias vectors' if per == 2 else 'a bias vector'} of n numbers"
                    + (" (in both directions)." if d == 2 else ".")))
    per_kernel = {role: sum(w.size for w in layer.weights if w.role == role) * d
                  for role in ("input kernel", "recurrent kernel")}
    if per_kernel["recurrent kernel"]:
        out.append((right - per_kernel["recurrent kernel"],
                    f"off by {twice}{g}n² = {_n(per_kernel['recurrent kernel'])}: did you forget the recurrent "
                    f"kernels? Each of the {g} transformations also reads h(t-1) through its own U (n×n)."))
    if per_kernel["input kernel"]:
        out.append((right - per_kernel["input kernel"],
                    f"off by {twice}{g}nm = {_n(per_kernel['input kernel'])}: did you forget the input kernels? "
                    f"Each of the {g} transformations reads x(t) through its own W (n×m), m = {_n(m)}."))
    if isinstance(layer, GRU) and layer.use_bias:
        other = GRU(n, m, reset_after=not layer.reset_after).params * d
        if layer.reset_after:
            out.append((other, "that is the count with one bias per gate, 3(nm + n² + n), i.e. reset_after=False. "
                               "Keras 3's GRU defaults to reset_after=True: the input and recurrent parts keep "
                               "separate biases, 3(nm + n² + 2n)."))
        else:
            out.append((other, "that is the reset_after=True count, 3(nm + n² + 2n) (Keras 3's default); this "
                               "layer has reset_after=False: one bias per gate, 3(nm + n² + n)."))
    if isinstance(layer, (LSTM, SimpleRNN)) and layer.use_bias:
        torch_name = "torch.nn.LSTM" if isinstance(layer, LSTM) else "torch.nn.RNN"
        out.append((right + g * n * d,
                    f"that is PyTorch's count: {torch_name} keeps two bias vectors per gate (bias_ih and bias_hh), "
                    f"Keras one, so PyTorch has {g}n = {_n(g * n * d)} more."))
    what = _WHAT_GATES.get(kind, f"{g} transformations")
    gate_formula = "nm + n²" + (" + 2n" if per == 2 else " + n" if layer.use_bias else "")
    for k in (1, 2, 3, 4, 5, 8):
        # k a multiple of g is k/g times the right count: the timesteps (or Bidirectional) story tells it better,
        # unless k is another kind's number of transformations (an LSTM's formula used for a SimpleRNN...)
        if k != g and (k % g or k in (3, 4)):
            times = f"{k}({gate_formula})" if k > 1 else gate_formula
            worth = "one transformation's worth" if k == 1 else f"{k} transformations' worth"
            out.append((k * per_gate * d,
                        f"that is {twice}{times}, {worth}; "
                        f"{_article(kind)} {kind} has {g}: {what}, each with its own "
                        f"W (n×m), U (n×n){' and bias' if layer.use_bias else ''}."))
    if layer.use_bias and per == 1:
        out.append((g * (n + m + 1) * d,
                    f"that is {twice}{g}(n + m + 1) = {g}({_n(n)} + {_n(m)} + 1): the weights of one unit. Each of "
                    f"the n = {_n(n)} units has its own row in every W, U and b: multiply by n."))
    if m != n:
        swapped = type(layer)(**{**layer.get_config(), "units": m, "input_dim": n}).params * d
        out.append((swapped, f"you swapped m and n: n = units = {_n(n)} (the size of h), "
                             f"m = input features per timestep = {_n(m)}."))
    return out


def _timesteps_formula(answer: int, layer: Recurrent, directions: int) -> str | None:
    """The answer equals G·((m·T) + m²)·n for some T ≥ 1 (timesteps put into the formula)."""
    m, n, g = layer._need_input_dim(), layer.units, len(layer.gates)
    unit = g * n * directions
    if answer == 0 or answer % unit:
        return None
    rest = answer // unit - m * m
    if rest <= 0 or rest % m:
        return None
    t = rest // m
    twice = "2·" if directions == 2 else ""
    return (f"that is {twice}{g}·((m·T) + m²)·n with T = {t}: the timesteps took the place of m, and m the place "
            f"of n. Timesteps do not enter the count (the same weights are reused at every step): "
            f"{twice}{layer.formula.expanded}.")


def _layer_candidates(layer: Layer) -> list[Candidate]:
    if isinstance(layer, Bidirectional) and layer.backward_layer is not None:
        return []  # two different layers: no "two copies" story to diagnose
    if isinstance(layer, Bidirectional):
        inner = layer.layer.with_input_dim(layer._need_input_dim())
        assert isinstance(inner, Recurrent)
        one = (inner.params, "that is one direction: a Bidirectional layer holds two independent copies of the "
                             "layer (forward and backward), whatever the merge_mode, so the count doubles.")
        return [one, *_recurrent_candidates(inner, 2)]
    if isinstance(layer, Recurrent):
        return _recurrent_candidates(layer, 1)
    out: list[Candidate] = []
    if isinstance(layer, Dense):
        m, n = layer._need_input_dim(), layer.units
        if layer.use_bias:
            out.append((n * m, f"off by n = {_n(n)}: did you forget the bias? Each of the n units adds one."))
            out.append((m * (n + 1), f"that is m(n + 1): the bias has one number per unit, so it is n(m + 1) "
                                     f"with m = {_n(m)} inputs and n = {_n(n)} units."))
    if isinstance(layer, Embedding):
        v, d = layer._need_input_dim(), layer.output_dim
        out.append((v * d + d, "an Embedding has no bias: it is a lookup table of V×d numbers."))
    return out


def _tensor_count_hint(answer: int, layer: Layer | Sequential) -> str | None:
    layers = layer.layers if isinstance(layer, Sequential) else [layer]
    groups = [group for x in layers for group in x._weight_groups()]
    tensors = sum(copies * len(ws) for copies, ws in groups)
    variables = sum(copies * len({(w.scope, w.variable) for w in ws}) for copies, ws in groups)
    lstm_gates = [x for x in layers if isinstance(x, LSTM)]
    small = {tensors, variables} | ({15} if lstm_gates else set())
    if answer in small and answer != layer.params:
        return ("that counts tensors (matrices and vectors), not the numbers inside them: a W of shape n×m "
                "holds n·m parameters. Add up the sizes of the pieces.")
    return None


def _multiple_hint(answer: int, right: int) -> str | None:
    if right and answer > right and answer % right == 0:
        k = answer // right
        return (f"that is {k} times the right count. If you multiplied by the number of timesteps: timesteps "
                "do not enter the count, the same weights are reused at every step"
                + (" (and a Bidirectional wrapper, not the merge mode, is what doubles a layer)." if k == 2 else "."))
    return None


def _layer_hints(answer: int, layer: Layer, *, guesses: bool = True) -> list[str]:
    """The known mistakes that give exactly ``answer``; with ``guesses``, then the timesteps-formula guess.

    The guess (:func:`_timesteps_formula`) comes last: it fits one answer in G·n·m or so
    by arithmetic alone, so it must never crowd out a mistake that explains the answer.
    """
    found = [hint for value, hint in _layer_candidates(layer) if value == answer and value != layer.params]
    return found + (_guess_hints(answer, layer) if guesses else [])


def _guess_hints(answer: int, layer: Layer) -> list[str]:
    inner: Layer = layer
    directions = 1
    if isinstance(layer, Bidirectional):
        if layer.backward_layer is not None:
            return []
        inner, directions = layer.layer.with_input_dim(layer._need_input_dim()), 2
    if isinstance(inner, Recurrent):
        timesteps = _timesteps_formula(answer, inner, directions)
        if timesteps:
            return [timesteps]
    return []


def _sequential_hints(answer: int, model: Sequential) -> list[str]:
    total = model.params
    layers = model.layers
    found: list[str] = []
    # One layer alone, or one layer left out.
    for layer in layers:
        if answer == layer.params and len(layers) > 1:
            found.append(f"that is layer {layer.name!r} alone; Total params is the sum over every layer "
                         f"({len(layers)} here).")
        if layer.params and answer == total - layer.params:
            found.append(f"you left out layer {layer.name!r} ({layer.kind}); Total params adds up every layer.")
    # Biases forgotten everywhere.
    no_bias = sum(layer._weight_total(lambda w: "bias" not in w.role) for layer in layers)
    if answer == no_bias and no_bias != total:
        found.append("that is the count without any bias: every LSTM gate, GRU gate and Dense unit has one.")
    # Every recurrent layer given the first one's count, or the model's input size.
    recurrent = [x for x in layers if isinstance(x, (Recurrent, Bidirectional))]
    if len(recurrent) > 1:
        same = sum(recurrent[0].params if isinstance(x, (Recurrent, Bidirectional)) else x.params for x in layers)
        first_m = layers[0].input_dim if not isinstance(layers[0], Embedding) else layers[0].output_dim
        assert first_m is not None
        same_m = sum(x.with_input_dim(first_m).params if isinstance(x, (Recurrent, Bidirectional)) else x.params
                     for x in layers)
        if answer in (same, same_m):
            found.append("the stacked recurrent layers do not share one count: each layer's m is the output size "
                         "of the layer before it (its units, or 2·units after a concat Bidirectional).")
    # One layer's own mistake, the rest right.
    for layer in layers:
        rest = total - layer.params
        if answer >= rest:
            found += [f"in layer {layer.name!r}: {hint}" for hint in _layer_hints(answer - rest, layer)]
    return found


def _hint(answer: int, right: int, subject: Layer | Sequential | None) -> str:
    """Every known mistake that gives exactly ``answer`` (several can coincide), else a direction."""
    found: list[str] = []
    guesses: list[str] = []
    if subject is not None:
        tensors = _tensor_count_hint(answer, subject)
        if tensors:
            found = [tensors]
        elif isinstance(subject, Sequential):
            found = _sequential_hints(answer, subject)
        else:
            found, guesses = _layer_hints(answer, subject, guesses=False), _guess_hints(answer, subject)
    multiple = _multiple_hint(answer, right)
    if multiple:
        found.append(multiple)
    if not found:  # a guess only when no mistake explains the answer
        found = guesses
    if not found:
        direction = "too high" if answer > right else "too low"
        close = abs(answer - right) * 100 <= right
        found = [f"{direction}, but within 1%: check the arithmetic." if close else
                 f"{direction}. Count W (n×m), U (n×n) and b (n) for every transformation, then add them up."]
    unique = list(dict.fromkeys(found))
    return "\nOr: ".join(h[0].upper() + h[1:] for h in unique)


# -- results ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """The verdict of :func:`check`; shown as a sentence (text) or a coloured box (Jupyter).

    ``bool(result)`` is True only for a right answer, so ``assert lp.check(...)`` works.
    """

    answer: int | None
    expected: int
    subject: str
    hint: str

    def __post_init__(self) -> None:
        if self.answer is not None:
            v.non_negative_int("answer", self.answer, at_most=None)
        v.non_negative_int("expected", self.expected, at_most=None)
        v.text("subject", self.subject)
        v.text("hint", self.hint)

    @property
    def correct(self) -> bool | None:
        """True or False; None while no answer has been written."""
        return None if self.answer is None else self.answer == self.expected

    def __bool__(self) -> bool:
        return self.correct is True

    def _of(self) -> str:
        return f" the number of parameters of {self.subject}" if self.subject else " the right count"

    def message(self) -> str:
        """The verdict as plain text (what ``repr`` shows)."""
        if self.answer is None:
            return "Write your answer (answer = ...), then run the cell again."
        if self.correct:
            return f"Right: {_n(self.answer)} is{self._of()}."
        return f"Not yet: {_n(self.answer)} is not{self._of()}.\nHint: {self.hint}"

    def __repr__(self) -> str:
        return self.message()

    def _repr_html_(self) -> str:
        color = {None: "#6e7781", True: "#1a7f37", False: "#cf222e"}[self.correct]
        mark = {None: "✎", True: "✓", False: "✗"}[self.correct]
        body = "<br>".join(html.escape(line) for line in self.message().splitlines())
        return (f"<div style='border-left:4px solid {color};padding:4px 10px'>"
                f"<span style='color:{color}'><b>{mark}</b></span> {body}</div>")


def check(answer: Any, expected: Any) -> CheckResult:
    """Is ``answer`` the parameter count of ``expected``?  With a hint when it is not.

    Parameters
    ----------
    answer:
        The reader's count, an int; ``None`` while it is still to be written.
    expected:
        What is being counted: a layer (``lp.LSTM(256, input_dim=4096)``), an
        ``lp.Sequential``, a built Keras layer or model, or the right count as an int.
        Layers and Sequentials get hints that name the mistake; a bare int only gets
        "too high" or "too low".

    Returns
    -------
    CheckResult
        Shown as one sentence (with thousands separators) and, when wrong, a hint.

    Example
    -------
    >>> check(3 * (12 * 80 + 12**2 + 12), LSTM(12, input_dim=80))  # doctest: +NORMALIZE_WHITESPACE
    Not yet: 3,348 is not the number of parameters of LSTM(12, input_dim=80).
    Hint: That is 3(nm + n² + n), 3 transformations' worth; an LSTM has 4: input, forget and
    output gates plus the cell candidate, each with its own W (n×m), U (n×n) and bias.
    >>> bool(check(4_464, LSTM(12, input_dim=80)))
    True
    >>> check("4464", 4464)
    Traceback (most recent call last):
    ...
    TypeError: answer must be an integer (a parameter count), got '4464' (str): type the number without quotes
    """
    right, subject, model = _expected(expected)
    given = _answer(answer)
    hint = "" if given is None or given == right else _hint(given, right, model)
    return CheckResult(given, right, subject, hint)


@dataclass(frozen=True)
class Reveal:
    """The right count of a layer or model, with how it is made up (see :func:`reveal`)."""

    subject: str
    count: int
    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        v.text("subject", self.subject)
        v.non_negative_int("count", self.count, at_most=None)
        if not isinstance(self.lines, tuple) or not all(isinstance(line, str) for line in self.lines):
            raise TypeError(f"lines must be a tuple of strings, got {v.shown(self.lines)}")

    def __repr__(self) -> str:
        head = f"{self.subject}: {_n(self.count)} parameters" if self.subject else f"The answer: {_n(self.count)}"
        return "\n".join([head, *self.lines])

    def _repr_html_(self) -> str:
        parts = [html.escape(line) for line in repr(self).splitlines()]
        return "<div style='border-left:4px solid #0969da;padding:4px 10px'>" + "<br>".join(parts) + "</div>"


def _formula_line(layer: Layer) -> str:
    f = layer.formula
    sizes = ", ".join(f"{k} = {v:,}" for k, v in f.values.items())
    return f"{f.expanded} = {f.substituted} with {sizes}"


def reveal(expected: Any) -> Reveal:
    """The right answer, after the reader has made a prediction.

    >>> reveal(LSTM(12, input_dim=80))
    LSTM(12, input_dim=80): 4,464 parameters
    4(nm + n² + n) = 4(12·80 + 12² + 12) with m = 80, n = 12
    >>> reveal(Sequential([LSTM(8), Dense(2)], input_dim=3))
    the Sequential model (lstm, dense): 402 parameters
    lstm (LSTM): 384 = 4(nm + n² + n) = 4(8·3 + 8² + 8) with m = 3, n = 8
    dense (Dense): 18 = nm + n = 2·8 + 2 with m = 8, n = 2
    """
    right, subject, model = _expected(expected)
    lines: tuple[str, ...] = ()
    if isinstance(model, Sequential):
        lines = tuple(f"{x.name} ({x.kind}): {x.params:,} = {_formula_line(x)}" for x in model.layers)
    elif isinstance(model, Layer):
        lines = (_formula_line(model),)
    return Reveal(subject, right, lines)

