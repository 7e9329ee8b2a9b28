"""A stack of layers described in a line of text or in JSON, read into a :class:`~lstm_params.layers.Sequential`.

The command line's ``stack`` subcommand reads its ``--layers`` and ``--model`` through here.  Every
mistake is a :class:`StackError` (a ValueError) whose one-line message names the item, counted from 1,
with the text or class it came from: ``item 2 ("lstm x"): units must be a positive integer, got 'x'``.

The text grammar (``--layers``): items separated by commas, each a kind, its numbers, then its options::

    embedding V D          vocabulary V, D features per token (first item only)
    lstm N [seq] [no-bias]                      also gru (and no-reset-after), simplernn
    dense N [no-bias]
    conv1d F K [no-bias]   F filters of width K
    batchnormalization     γ, β and the moving mean and variance of the features before it
    bidirectional lstm N [seq] [no-bias] [merge=concat|sum|mul|ave|none]   (or gru, simplernn)
    dropout RATE           a rate in [0, 1) such as 0.5: no weights, but training keeps its mask
    activation NAME        relu, sigmoid, tanh, softmax, log_softmax or linear: no weights, training keeps its output

``seq`` is ``return_sequences=True``: a recurrent item needs the item before it to keep every step.
Kinds and words are case-insensitive; numbers are ASCII digits.

>>> build(parse_layers("embedding 1000 16, lstm 8 seq, gru 4, dense 2")).layer_params
[16000, 800, 168, 10]
>>> parse_layers("lstm 8, peephole 3")
Traceback (most recent call last):
...
lstm_params._stack.StackError: item 2 ("peephole 3"): unknown kind 'peephole'; known: lstm, gru, simplernn, \
dense, embedding, conv1d, batchnormalization, bidirectional, dropout, activation

The JSON form (``--model``) is a list of objects with Keras's class names and keys::

    [{"class_name": "Embedding", "input_dim": 1000, "output_dim": 16},
     {"class_name": "Bidirectional", "layer": {"class_name": "LSTM", "units": 8, "return_sequences": true},
      "merge_mode": "sum"},
     {"class_name": "Dense", "units": 2}]

:data:`JSON_KEYS` lists each class's keys; a key not listed is refused, never ignored.  The first layer
may carry ``input_dim`` (an Embedding's is its vocabulary, and it needs ``output_dim``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _validate as v
from .frontend import BatchNormalization, Conv, Conv1D
from .graph import ACTIVATIONS, Activation, Dropout
from .layers import GRU, LSTM, MERGE_MODES, Bidirectional, Dense, Embedding, Layer, Recurrent, Sequential, SimpleRNN

__all__ = ["StackError", "Item", "KINDS", "JSON_KEYS", "integer", "parse_layers", "read_model", "build"]


class StackError(ValueError):
    """A stack that cannot be built; the message is one line naming the item and the value."""


@dataclass(frozen=True)
class Item:
    """One layer of a described stack: how it was written (for messages) and the layer it makes."""

    label: str
    layer: Layer


@dataclass(frozen=True)
class _Kind:
    cls: type[Layer]
    numbers: tuple[str, ...]  # the Keras arguments the numbers give, in order
    options: tuple[str, ...]  # the words it takes after them


_RECURRENT_OPTIONS = ("seq", "no-bias")
#: The text grammar's kinds: class, numbers (Keras argument names) and option words.
KINDS: dict[str, _Kind] = {
    "lstm": _Kind(LSTM, ("units",), _RECURRENT_OPTIONS),
    "gru": _Kind(GRU, ("units",), (*_RECURRENT_OPTIONS, "no-reset-after")),
    "simplernn": _Kind(SimpleRNN, ("units",), _RECURRENT_OPTIONS),
    "dense": _Kind(Dense, ("units",), ("no-bias",)),
    "embedding": _Kind(Embedding, ("input_dim", "output_dim"), ()),
    "conv1d": _Kind(Conv1D, ("filters", "kernel_size"), ("no-bias",)),
    "batchnormalization": _Kind(BatchNormalization, (), ()),
}
_WRAPPER = "bidirectional"
_OPTION_KEYWORDS = {"seq": ("return_sequences", True), "no-bias": ("use_bias", False),
                    "no-reset-after": ("reset_after", False)}
_MERGE = "merge="

_RECURRENT_KEYS = ("units", "use_bias", "return_sequences", "input_dim", "name")
#: The JSON form's class names and the keys each takes (``class_name`` aside); the first of a class are required.
JSON_KEYS: dict[str, tuple[str, ...]] = {
    "LSTM": _RECURRENT_KEYS,
    "GRU": (*_RECURRENT_KEYS, "reset_after"),
    "SimpleRNN": _RECURRENT_KEYS,
    "Dense": ("units", "use_bias", "input_dim", "name"),
    "Embedding": ("input_dim", "output_dim", "name"),
    "Conv1D": ("filters", "kernel_size", "use_bias", "input_dim", "name"),
    "BatchNormalization": ("center", "scale", "input_dim", "name"),
    "Bidirectional": ("layer", "merge_mode", "name"),
    "Dropout": ("rate", "input_dim", "name"),
    "Activation": ("activation", "input_dim", "name"),
}
_REQUIRED = {"LSTM": 1, "GRU": 1, "SimpleRNN": 1, "Dense": 1, "Embedding": 2, "Conv1D": 2, "BatchNormalization": 0,
             "Bidirectional": 1, "Dropout": 1, "Activation": 1}
_CLASSES: dict[str, Callable[..., Layer]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN, "Dense": Dense,
                                             "Embedding": Embedding, "Conv1D": Conv1D,
                                             "BatchNormalization": BatchNormalization, "Bidirectional": Bidirectional,
                                             "Dropout": Dropout, "Activation": Activation}
_LONGEST_LABEL = 60


def integer(text: str, what: str, smallest: int) -> int:
    """``text`` as an int in smallest..MAX_SIZE: ASCII digits only (no '1_000', no other scripts' digits).

    ``what`` describes the value (``"a positive integer"``); the ValueError says it and quotes ``text``.

    >>> integer("007", "a positive integer", 1)
    7
    >>> integer("1_000", "a positive integer", 1)
    Traceback (most recent call last):
    ...
    ValueError: must be a positive integer, got '1_000'
    """
    if not re.fullmatch(r"-?[0-9]+", text):
        raise ValueError(f"must be {what}, got {v.shown(text)}")
    digits = text.lstrip("-0")
    if text.startswith("-") and digits:  # negative (but '-0' is zero)
        raise ValueError(f"must be {what}, got {v.shown(text)}")
    if len(digits) > len(str(v.MAX_SIZE)) or int(digits or "0") > v.MAX_SIZE:  # no huge text is converted
        raise ValueError(f"must be {what} at most {v.MAX_SIZE}, got {v.shown(text)}")
    value = int(digits or "0")
    if value < smallest:
        raise ValueError(f"must be {what}, got {v.shown(text)}")
    return value


def _label(text: str) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= _LONGEST_LABEL else text[:_LONGEST_LABEL] + "...") + '"'


def _known(words: tuple[str, ...] | list[str]) -> str:
    return ", ".join(words) if words else "none"


_WEIGHTLESS = ("dropout", "activation")


def _weightless(words: list[str]) -> Layer:
    """``dropout RATE`` or ``activation NAME``: one word after the kind."""
    what = "RATE, a number in [0, 1) such as 0.5" if words[0] == "dropout" else f"NAME, one of {', '.join(ACTIVATIONS)}"
    if len(words) != 2:
        raise ValueError(f"write {words[0]} {what}, got {v.shown(' '.join(words))}")
    if words[0] == "activation":
        return Activation(words[1])
    if not re.fullmatch(r"[0-9]+(\.[0-9]*)?|\.[0-9]+", words[1]) or len(words[1]) > 30:
        raise ValueError(f"rate must be a number in [0, 1), such as 0.5, got {v.shown(words[1])}")
    return Dropout(float(words[1]))


def _text_layer(words: list[str]) -> Layer:
    """The layer one item of ``--layers`` describes (its words lower-cased); ValueError without the item named."""
    wrapped = words[0] == _WRAPPER
    if wrapped:
        words = words[1:]
        recurrent = [k for k, kind in KINDS.items() if issubclass(kind.cls, Recurrent)]
        if not words or words[0] not in recurrent:
            got = repr(words[0]) if words else "nothing"
            raise ValueError(f"bidirectional wraps a recurrent layer ({', '.join(recurrent)}), got {got}")
    if words[0] in _WEIGHTLESS:
        return _weightless(words)
    if words[0] not in KINDS:
        raise ValueError(f"unknown kind {v.shown(words[0])}; known: {', '.join([*KINDS, _WRAPPER, *_WEIGHTLESS])}")
    name, kind = words[0], KINDS[words[0]]
    numbers, rest = words[1:1 + len(kind.numbers)], words[1 + len(kind.numbers):]
    if len(numbers) < len(kind.numbers):
        missing = " and ".join(kind.numbers[len(numbers):])
        raise ValueError(f"{missing} missing: write {name} {' '.join(n.upper() for n in kind.numbers)}")
    keywords: dict[str, Any] = {}
    for key, text in zip(kind.numbers, numbers, strict=True):
        try:
            keywords[key] = integer(text, "a positive integer", 1)
        except ValueError as exc:
            raise ValueError(f"{key} {exc}") from None
    options = (*kind.options, _MERGE + "MODE") if wrapped else kind.options
    merge: Any = "concat"
    seen: set[str] = set()
    for word in rest:
        option = _MERGE if word.startswith(_MERGE) else word
        if option == _MERGE and not wrapped:
            raise ValueError(f"merge= is a bidirectional option: write bidirectional {name} ..., got {v.shown(word)}")
        if option not in kind.options and option != _MERGE:
            numbers_taken = f"{len(kind.numbers)} number{'s' if len(kind.numbers) != 1 else ''}"
            raise ValueError(f"unknown word {v.shown(word)} for {name} (it takes {numbers_taken}, "
                             f"then options: {_known(options)})")
        if option in seen:
            raise ValueError(f"{option.rstrip('=')} given twice")
        seen.add(option)
        if option == _MERGE:
            mode = word[len(_MERGE):]
            modes = [str(m).lower() for m in MERGE_MODES]
            if mode not in modes:
                raise ValueError(f"merge must be one of {', '.join(modes)}, got {v.shown(mode)}")
            merge = None if mode == "none" else mode
        else:
            key, value = _OPTION_KEYWORDS[option]
            keywords[key] = value
    layer = kind.cls(**keywords)
    return Bidirectional(layer, merge_mode=merge) if wrapped else layer


def parse_layers(text: str) -> list[Item]:
    """The items of a ``--layers`` string (grammar in the module docstring); StackError names the bad item."""
    items = text.split(",")
    if not text.strip():
        raise StackError(f"no layers: give items like \"lstm 64, dense 1\", got {v.shown(text)}")
    out = []
    for i, item in enumerate(items, 1):
        words = item.lower().split()
        if not words:
            raise StackError(f"item {i} is empty (two commas, or one at an end)")
        try:
            out.append(Item(_label(item), _text_layer(words)))
        except (ValueError, TypeError) as exc:
            raise StackError(f"item {i} ({_label(item)}): {exc}") from None
    return out


def _json_layer(spec: Any, inner: bool = False) -> Layer:
    """The layer one object of the JSON form describes; ValueError/TypeError without the item named."""
    if not isinstance(spec, dict):
        raise TypeError(f"must be an object with a class_name, got {v.shown(spec)}")
    name = spec.get("class_name")
    if name not in JSON_KEYS:
        known = ", ".join(k for k in JSON_KEYS if not (inner and k == "Bidirectional"))
        raise ValueError(f"class_name must be one of {known}, got {v.shown(name)}")
    allowed = JSON_KEYS[name]
    unknown = [key for key in spec if key not in allowed and key != "class_name"]
    if unknown:
        raise ValueError(f"{name} takes no key {v.shown(unknown[0])} (its keys: {', '.join(allowed)})")
    missing = [key for key in allowed[:_REQUIRED[name]] if key not in spec]
    if missing:
        raise ValueError(f"{name} needs {' and '.join(missing)}")
    keywords = {key: value for key, value in spec.items() if key != "class_name"}
    if name == "Bidirectional":
        if inner:
            raise ValueError("a Bidirectional cannot wrap a Bidirectional")
        try:
            keywords["layer"] = _json_layer(keywords["layer"], inner=True)
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"layer: {exc}") from None
    return _CLASSES[name](**keywords)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (json would keep the last one silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {v.shown(key)} given twice in one object")
        out[key] = value
    return out


def read_model(text: str) -> list[Item]:
    """The items of the JSON form (a list of layer objects); StackError names the bad item or the JSON error."""
    try:
        spec = json.loads(text, object_pairs_hook=_object)
    except RecursionError:
        raise StackError("not JSON this reader can take: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise StackError(f"not valid JSON: {exc}") from None
    except ValueError as exc:  # a key given twice, or an integer too long to convert
        raise StackError(str(exc) if "twice" in str(exc) else "not JSON this reader can take: a number "
                         "with more digits than Python converts") from None
    if not isinstance(spec, list) or not spec:
        raise StackError(f"must hold a JSON list of layer objects, got {v.shown(spec)}")
    out = []
    for i, layer in enumerate(spec, 1):
        label = layer.get("class_name") if isinstance(layer, dict) else None
        shown = label if isinstance(label, str) and label in JSON_KEYS else "?"
        try:
            out.append(Item("", _json_layer(layer)))  # build's messages name the class already
        except (ValueError, TypeError) as exc:
            raise StackError(f"item {i} ({shown}): {exc}") from None
    return out


def build(items: list[Item], input_dim: int | None = None, *, keep_steps: str = "return_sequences=True") -> Sequential:
    """The Sequential of ``items``; StackError for a stack Keras would refuse, naming items as written.

    ``keep_steps`` is how the message tells a layer to return every step (``"seq"`` for ``--layers``).

    >>> build(parse_layers("lstm 8, lstm 8"), 3)
    Traceback (most recent call last):
    ...
    lstm_params._stack.StackError: item 2 ("lstm 8") (LSTM) needs a sequence, but item 1 ("lstm 8") returns only \
its last step: give item 1 ("lstm 8") return_sequences=True
    """
    def name_item(index: int) -> str:
        return f"item {index + 1} ({items[index].label})" if items[index].label else f"item {index + 1}"

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return name_item(index) if index < len(items) else match.group(0)

    try:
        model = Sequential([item.layer for item in items], input_dim=input_dim)
    except (ValueError, TypeError) as exc:
        message = re.sub(r"layers\[(\d+)\]", name, str(exc)).replace("return_sequences=True", keep_steps)
        raise StackError(message) from None
    sequence: bool | None = None
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Conv) and sequence is False:
            raise StackError(f"{name_item(i)} ({layer.kind}) needs a sequence, but {name_item(i - 1)} returns only "
                             f"its last step: give item {i} {keep_steps}")
        sequence = layer.output_is_sequence(sequence)
    return model
