"""Read a built Keras 3 model, layer by layer, and compare its counts with ours.

Nothing here imports Keras: the functions receive Keras objects and only read their
class names, configs and input shapes.  Each layer's *input size* comes from the
model's graph (never from the layer's weights), so the comparison is a real check
of the formulas.
"""

from __future__ import annotations

import math
from typing import Any

from . import frontend
from .comparison import Comparison, ComparisonRow
from .frontend import non_trainable_params
from .layers import GRU, LSTM, Bidirectional, Dense, Embedding, Layer, Recurrent, SimpleRNN

__all__ = ["compare_with_keras", "from_keras_layer", "Comparison", "ComparisonRow"]

#: Keras layers that own no weights at all; their count is 0 by construction.
WEIGHTLESS = frozenset({
    "InputLayer", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout",
    "Flatten", "Activation", "Reshape", "RepeatVector", "Masking", "Permute", "Cropping1D", "ZeroPadding1D",
    "UpSampling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "AveragePooling1D", "MaxPooling1D",
    "ReLU", "Softmax", "LeakyReLU", "ELU", "Identity", "ActivityRegularization",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot",
    "Lambda", "GaussianNoise", "GaussianDropout",
    "MaxPooling2D", "MaxPooling3D", "AveragePooling2D", "AveragePooling3D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling2D", "GlobalAveragePooling3D", "Cropping2D", "Cropping3D", "ZeroPadding2D", "ZeroPadding3D",
    "UpSampling2D", "UpSampling3D", "Rescaling", "CenterCrop", "Resizing", "ThresholdedReLU",
})
CONVOLUTIONS = ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
NORMALIZATIONS = ("BatchNormalization", "LayerNormalization", "GroupNormalization")
#: Keras's recurrent layers and this package's twins.
RECURRENT: dict[str, type[Recurrent]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
CONV_LSTM = ("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D")


def _shape(layer: Any) -> tuple[Any, ...] | None:
    """The shape of the layer's one input, from the model graph or the build shape; None when it has several."""
    shapes = getattr(layer, "_build_shapes_dict", None) or {}
    try:
        shape = layer.input.shape
    except (AttributeError, ValueError, RuntimeError):  # not in a graph, or several inputs (a list)
        shape = next(iter(shapes.values())) if len(shapes) == 1 else None
    if shape is None and "sequences_shape" in shapes:  # a recurrent layer also given its initial state
        shape = shapes["sequences_shape"]
    if not isinstance(shape, (tuple, list)) or not all(d is None or isinstance(d, int) for d in shape):
        return None  # several inputs (a list of shapes) or something unreadable
    return tuple(shape)


def _input_dim(layer: Any, axis: int = -1) -> int | None:
    """The size of one axis of the layer's input (the last: features per step); None when unknown."""
    shape = _shape(layer)
    if not shape or not -len(shape) <= axis < len(shape):
        return None
    size = shape[axis]
    return size if isinstance(size, int) and size > 0 else None


def _recurrent(layer: Any, m: int | None) -> Recurrent | None:
    """The twin of a Keras LSTM, GRU, SimpleRNN or ConvLSTM (None for any other kind)."""
    kind = type(layer).__name__
    if kind not in RECURRENT and kind not in CONV_LSTM:
        return None  # read nothing else: a custom layer's get_config may not even work
    config = layer.get_config()
    bias = bool(config.get("use_bias", True))
    seq = bool(config.get("return_sequences", False))
    if kind in CONV_LSTM:
        from . import variants

        conv: type[variants.ConvLSTM] = getattr(variants, kind)
        return conv(int(config["filters"]), tuple(config["kernel_size"]), m, use_bias=bias, return_sequences=seq)
    extra: dict[str, Any] = {"reset_after": bool(config.get("reset_after", True))} if kind == "GRU" else {}
    return RECURRENT[kind](int(config["units"]), m, use_bias=bias, return_sequences=seq, **extra)


def _bidirectional(layer: Any, m: int | None) -> Bidirectional | None:
    forward, backward = _recurrent(layer.forward_layer, m), _recurrent(layer.backward_layer, m)
    if forward is None or backward is None:
        return None
    # Keras's default backward layer is the forward one rebuilt from its config: then the twins are equal.
    return Bidirectional(forward, merge_mode=layer.get_config().get("merge_mode"), backward_layer=backward)


def _kind(layer: Any) -> str:
    """The layer's class name, with what a Bidirectional wraps: ``Bidirectional(RNN)``."""
    kind = type(layer).__name__
    if kind == "TimeDistributed":
        return f"TimeDistributed({type(layer.layer).__name__})"
    if kind != "Bidirectional":
        return kind
    inner = [type(getattr(layer, side, None)).__name__ for side in ("forward_layer", "backward_layer")]
    return f"Bidirectional({inner[0]})" if inner[0] == inner[1] else f"Bidirectional({inner[0]}, {inner[1]})"


def _axes(axis: Any) -> list[int]:
    return [int(a) for a in axis] if isinstance(axis, (list, tuple)) else [int(axis)]


def _frontend(layer: Any) -> Layer | None:
    """The twin of a Keras convolution or normalization layer (None for any other kind)."""
    kind = type(layer).__name__
    if kind not in CONVOLUTIONS and kind not in NORMALIZATIONS:
        return None
    config = layer.get_config()
    if kind in CONVOLUTIONS:  # channels_first: (batch, C, ...)
        channels = _input_dim(layer, 1 if config.get("data_format") == "channels_first" else -1)
        conv: type[frontend.Conv] = getattr(frontend, kind)
        return conv(int(config["filters"]), tuple(config["kernel_size"]), channels,
                    use_bias=bool(config.get("use_bias", True)), groups=int(config.get("groups") or 1))
    shape = _shape(layer)
    sizes = [_input_dim(layer, a) for a in _axes(config.get("axis", -1))] if shape else [None]
    features = None if None in sizes else math.prod(s for s in sizes if s is not None)
    norm: dict[str, Any] = {"center": bool(config.get("center", True)), "scale": bool(config.get("scale", True))}
    if kind == "GroupNormalization":
        return frontend.GroupNormalization(int(config["groups"]), features, **norm)
    if kind == "LayerNormalization" and config.get("rms_scaling"):
        norm["center"] = False  # RMS scaling: γ only
    normalization: type[frontend.BatchNormalization | frontend.LayerNormalization] = getattr(frontend, kind)
    return normalization(features, **norm)


def from_keras_layer(layer: Any) -> Layer | None:
    """This package's twin of a Keras layer, or None when its kind is not modelled.

    The twin is built from the layer's config (units, use_bias, reset_after, merge
    mode, a Bidirectional's own backward layer...) and its input size in the model,
    never from its weights.
    """
    kind = type(layer).__name__
    twin: Layer | None
    channels_first = kind in CONV_LSTM or (kind == "Bidirectional" and type(layer.forward_layer).__name__ in CONV_LSTM)
    axis = 2 if channels_first and layer.get_config().get("data_format") == "channels_first" else -1
    if kind in RECURRENT or kind in CONV_LSTM:  # ConvLSTM channels_first: (batch, time, C, ...)
        twin = _recurrent(layer, _input_dim(layer, axis))
    elif kind == "Bidirectional":
        twin = _bidirectional(layer, _input_dim(layer, axis))
    elif kind == "Dense":
        config = layer.get_config()
        twin = Dense(int(config["units"]), input_dim=_input_dim(layer), use_bias=bool(config.get("use_bias", True)))
    elif kind == "Embedding":
        config = layer.get_config()
        twin = Embedding(int(config["input_dim"]), int(config["output_dim"]))
    elif kind == "TimeDistributed":  # the same layer on every step: the wrapped layer's weights, once
        twin = from_keras_layer(layer.layer)
    else:
        twin = _frontend(layer)
    if twin is not None:
        twin.name = layer.name
    return twin


def _size(weights: Any) -> int:
    return sum(math.prod(int(d) for d in w.shape) for w in weights)


def _row(layer: Any) -> ComparisonRow:
    kind = type(layer).__name__
    keras_params = int(layer.count_params()) if layer.built else 0
    frozen = _size(layer.non_trainable_weights) if layer.built else 0
    if kind in WEIGHTLESS or (kind == "TimeDistributed" and type(layer.layer).__name__ in WEIGHTLESS):
        return ComparisonRow(layer.name, _kind(layer), keras_params, 0, "", "no weights", frozen)
    try:
        twin = from_keras_layer(layer)
    except ValueError as exc:  # Keras builds it, but it cannot run: e.g. the sum of two outputs of different sizes
        return ComparisonRow(layer.name, kind, keras_params, None, "", f"{_kind(layer)} cannot be modelled: {exc}",
                             frozen, None)
    if twin is None:
        return ComparisonRow(layer.name, kind, keras_params, None, "",
                             f"{_kind(layer)} is not modelled by lstm_params", frozen, None)
    if twin.input_dim is None:
        return ComparisonRow(layer.name, kind, keras_params, None, "",
                             "input size unknown: build the model with keras.Input", frozen, None)
    f = twin.formula
    shown = ", ".join(f"{k}={val:,}" for k, val in f.values.items())
    # A frozen layer (trainable=False) keeps every weight out of training; else only BatchNormalization's statistics.
    ours_frozen = twin.params if not layer.trainable else non_trainable_params(twin)
    return ComparisonRow(layer.name, _kind(layer) if kind == "TimeDistributed" else kind, keras_params, twin.params,
                         f"{f.expanded} at {shown}", "", frozen, ours_frozen)


def compare_with_keras(model: Any) -> Comparison:
    """Compare every layer of a built Keras 3 model with this package's count.

    Parameters
    ----------
    model:
        A built ``keras.Model`` (Sequential or functional, made with ``keras.Input``).

    Returns
    -------
    Comparison
        One :class:`ComparisonRow` per layer (name, Keras's count, ours, match), the
        totals, and ``all_match``.  A layer kind the package does not model is
        reported as such, never a crash.
    """
    layers = getattr(model, "layers", None)
    if layers is None or not hasattr(model, "count_params"):
        raise TypeError(f"model must be a built keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built: create it with keras.Input(shape) first")
    rows = [_row(layer) for layer in layers]
    return Comparison(model.name, rows, int(model.count_params()), framework="Keras",
                      framework_non_trainable=_size(model.non_trainable_weights))
