"""The functional form: layers called on symbolic tensors, and the :class:`Model` they make.

As in Keras's functional API, :func:`Input` gives a symbolic tensor, every layer is
callable on such tensors (``LSTM(256)(x)``), and :class:`Model` walks the graph from its
outputs back to its inputs.  A tensor knows only what the counts need: the size of its
last axis (``features``) and whether it still has a time axis (``sequence``).

* A call sets the layer's input size from the tensor, and a mismatch is refused.
* The same layer object called again is *shared*: the model counts it once, as Keras
  does, and every call must give it the same input size.
* A recurrent layer made with ``return_state=True`` returns ``[output, *states]`` (LSTM:
  h and c, GRU and SimpleRNN: h); ``initial_state=[...]`` is checked against the units and
  adds no parameters.
* The layers that only move tensors about (:class:`RepeatVector`, :class:`Concatenate`,
  :class:`Add`, and the :class:`InputLayer` behind each :func:`Input`) own no parameters.

keras.io's character-level sequence-to-sequence model (lstm_seq2seq):

>>> from lstm_params import LSTM, Dense
>>> encoder_inputs, decoder_inputs = Input(71), Input(93)
>>> _, h, c = LSTM(256, return_state=True)(encoder_inputs)
>>> outputs, _, _ = LSTM(256, return_sequences=True, return_state=True)(decoder_inputs, initial_state=[h, c])
>>> model = Model([encoder_inputs, decoder_inputs], Dense(93)(outputs))
>>> model.layer_params, model.params
([0, 0, 335872, 358400, 23901], 718173)
"""

from __future__ import annotations

from typing import Any

from . import _validate as v
from .layers import Bidirectional, Embedding, Layer, Recurrent, TiedDense, _keras_names, _Layers
from .weights import Weight

__all__ = ["Input", "Tensor", "Node", "Model", "InputLayer", "RepeatVector", "Concatenate", "Add", "Dropout",
           "Activation", "ACTIVATIONS", "call"]


class Node:
    """One call of a layer: the tensors it read (inputs, then initial states) and those it returned."""

    def __init__(self, layer: Layer, inputs: tuple[Tensor, ...], index: int) -> None:
        self.layer = layer
        self.inputs = inputs
        #: Which call of ``layer`` this is (Keras's node index, the first number of ``lstm[0][1]``).
        self.index = index
        self.outputs: tuple[Tensor, ...] = ()


class Tensor:
    """A symbolic tensor: what flows between layers in a graph (Keras's ``KerasTensor``).

    Attributes
    ----------
    features:
        The size of the last axis (None: token ids, read by an :class:`~lstm_params.layers.Embedding`).
    sequence:
        Whether it has a time axis.
    node, index:
        The call that made it, and which of that call's outputs it is.
    """

    def __init__(self, features: int | None, sequence: bool, node: Node, index: int) -> None:
        self.features = features
        self.sequence = sequence
        self.node = node
        self.index = index

    def __repr__(self) -> str:
        what = "token ids" if self.features is None else f"{self.features} features"
        return f"<Tensor {type(self.node.layer).__name__}[{self.node.index}][{self.index}]: " \
               f"{'a sequence of ' if self.sequence else ''}{what}>"


class InputLayer(Layer):
    """What :func:`Input` puts at the start of a graph (Keras's ``InputLayer``): no parameters.

    >>> InputLayer(12).params
    0
    """

    kind = "InputLayer"
    keras_name = "input_layer"

    def __init__(self, input_dim: Any = None, *, sequence: Any = True, name: str | None = None) -> None:
        super().__init__(input_dim, name)
        self.sequence = v.flag("sequence", sequence)

    @property
    def output_dim(self) -> int:
        return self._need_input_dim()

    def get_config(self) -> dict[str, Any]:
        return {"input_dim": self.input_dim, "sequence": self.sequence}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return self.sequence

    def _need_input_dim(self) -> int:
        return 0 if self.input_dim is None else self.input_dim  # token ids: no feature axis, still no weights

    def _symbols(self, m: int) -> dict[str, int]:
        return {}

    def _weights(self, m: int) -> list[Weight]:
        return []


def Input(features: Any, name: str | None = None, *, sequence: Any = True) -> Tensor:
    """A symbolic input tensor, like ``keras.Input(shape=(None, features))``.

    Parameters
    ----------
    features:
        The size of the last axis, m; None for token ids (``keras.Input(shape=(None,))``),
        which only an :class:`~lstm_params.layers.Embedding` reads.
    name:
        The input layer's name.
    sequence:
        True (the default): a sequence of any length, ``(None, features)``; False: one
        vector per sample, ``(features,)``.

    Example
    -------
    >>> Input(40)
    <Tensor InputLayer[0][0]: a sequence of 40 features>
    >>> Input(None)
    <Tensor InputLayer[0][0]: a sequence of token ids>
    """
    layer = InputLayer(v.optional_positive_int("features", features), sequence=sequence, name=name)
    node = Node(layer, (), 0)
    node.outputs = (Tensor(layer.input_dim, layer.sequence, node, 0),)
    layer._nodes = [node]  # type: ignore[attr-defined]
    return node.outputs[0]


class _Weightless(Layer):
    """A layer that only moves tensors about: no weights, a count of 0 whatever it reads."""

    _instead = "a RepeatVector, Concatenate or Add"

    def _need_input_dim(self) -> int:
        return 0 if self.input_dim is None else self.input_dim

    @property
    def output_dim(self) -> int:
        if self.input_dim is None:
            raise ValueError(f"{self.kind}: input_dim is unknown until it is called on tensors, so the output "
                             "size is too")
        return self.input_dim

    def _symbols(self, m: int) -> dict[str, int]:
        return {}

    def _weights(self, m: int) -> list[Weight]:
        return []


class RepeatVector(_Weightless):
    """Keras ``RepeatVector(n)``: one vector per sample repeated n times, a sequence; no parameters.

    The bridge of an LSTM encoder-decoder (autoencoder): the encoder's last output,
    repeated for every step the decoder writes.

    >>> from lstm_params import LSTM
    >>> x = Input(8)
    >>> code = RepeatVector(30)(LSTM(16)(x))
    >>> code.features, code.sequence
    (16, True)
    """

    kind = "RepeatVector"
    keras_name = "repeat_vector"

    def __init__(self, n: Any, input_dim: Any = None, *, name: str | None = None) -> None:
        self.n = v.positive_int("n", n)
        super().__init__(input_dim, name)

    def get_config(self) -> dict[str, Any]:
        return {"n": self.n, "input_dim": self.input_dim}

    def output_is_sequence(self, input_is_sequence: bool | None) -> bool | None:
        return True


class _PassThrough(_Weightless):
    """A weightless layer applied to every feature of every step: the output has the input's shape."""

    _instead = "a Dropout or Activation"

    def with_input_dim(self, input_dim: int) -> Layer:
        config = self.get_config()
        config["input_dim"] = input_dim
        return type(self)(**config, name=self.name)

    def _elementwise_flops(self) -> int:
        """One FLOP per feature (a mask's product, an activation), none when the layer does nothing."""
        return self._need_input_dim() if self.active else 0

    @property
    def active(self) -> bool:
        raise NotImplementedError


class Dropout(_PassThrough):
    """Keras ``Dropout(rate)``: while training, zero a random ``rate`` of the features and scale the rest; no weights.

    It changes no count, but training keeps its mask (one number per feature, step and
    sample) for the backward pass: :func:`lstm_params.activation_bytes` counts it.

    >>> from lstm_params import LSTM, Sequential
    >>> Sequential([Dropout(0.5), LSTM(8)], input_dim=4).layer_params
    [0, 416]
    """

    kind = "Dropout"
    keras_name = "dropout"

    def __init__(self, rate: Any, input_dim: Any = None, *, name: str | None = None) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"rate must be a number in [0, 1), the fraction of features dropped, got {v.shown(rate)}")
        self.rate = float(rate)
        super().__init__(input_dim, name)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "input_dim": self.input_dim}

    @property
    def active(self) -> bool:
        """Whether it does anything: a rate above 0."""
        return self.rate > 0


#: The activations :class:`Activation` takes; every one but ``"linear"`` keeps its output for the backward pass.
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "log_softmax")


class Activation(_PassThrough):
    """Keras ``Activation(name)``: a function of each step's features (softmax over them); no weights.

    Its backward pass needs its own output (σ' = σ(1 - σ), tanh' = 1 - tanh², a softmax's
    Jacobian, relu's sign), which training keeps: one number per feature, step and sample
    (``"linear"`` keeps nothing).  Before a loss over a vocabulary of V words it is the
    largest thing a language model keeps.

    >>> from lstm_params import Dense, Sequential
    >>> Sequential([Dense(10_000), Activation("log_softmax")], input_dim=650).layer_params
    [6510000, 0]
    """

    kind = "Activation"
    keras_name = "activation"

    def __init__(self, activation: Any, input_dim: Any = None, *, name: str | None = None) -> None:
        self.activation: str = v.choice("activation", activation, ACTIVATIONS)
        super().__init__(input_dim, name)

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation, "input_dim": self.input_dim}

    @property
    def active(self) -> bool:
        """Whether it computes anything (not ``"linear"``), and so keeps its output."""
        return self.activation != "linear"


class _Merge(_Weightless):
    """A layer that joins several tensors along their last axis (Concatenate) or elementwise (Add)."""

    _instead = "a Concatenate or Add"

    def __init__(self, input_dim: Any = None, *, name: str | None = None) -> None:
        super().__init__(input_dim, name)

    def with_input_dim(self, input_dim: int) -> Layer:
        raise TypeError(f"{self.kind} joins several tensors, so it takes no single input_dim (got "
                        f"{v.shown(input_dim)}): call it on a list of tensors in an lp.Model, not in a Sequential")

    def _joined(self, sizes: list[int]) -> int:
        raise NotImplementedError


class Concatenate(_Merge):
    """Keras ``Concatenate()``: tensors joined along the last axis; no parameters.

    Here ``input_dim`` is the features of all the inputs together (the output's size).

    >>> a, b = Input(3), Input(5)
    >>> Concatenate()([a, b]).features
    8
    """

    kind = "Concatenate"
    keras_name = "concatenate"

    def _joined(self, sizes: list[int]) -> int:
        return sum(sizes)


class Add(_Merge):
    """Keras ``Add()``: the elementwise sum of tensors of one size; no parameters.

    >>> a, b = Input(4), Input(4)
    >>> Add()([a, b]).features
    4
    """

    kind = "Add"
    keras_name = "add"

    def _joined(self, sizes: list[int]) -> int:
        if len(set(sizes)) != 1:
            raise ValueError(f"inputs of an Add must all have the same size, got {sizes} features")
        return sizes[0]


# -- the call ---------------------------------------------------------------------------------------------------

def _tensor(name: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a tensor from lp.Input or from a layer's call, got {v.shown(value)}")
    return value


def _tensors(name: str, value: Any) -> list[Tensor]:
    if isinstance(value, Tensor) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of tensors, got {v.shown(value)}")
    return [_tensor(f"{name}[{i}]", t) for i, t in enumerate(value)]


def _set_input(layer: Layer, features: int) -> None:
    """Give ``layer`` its input size in place (a shared layer keeps one size), as Keras builds a layer."""
    if layer.input_dim is None:
        built = layer.with_input_dim(features)
        vars(layer).update(vars(built))
    elif layer.input_dim != features:
        raise ValueError(f"inputs has {features} features, but this {layer.kind} has input_dim={layer.input_dim} "
                         "(a shared layer must get the same input size at every call)")


def _read(layer: Layer, x: Tensor) -> None:
    """Check one input tensor against ``layer`` and set the layer's input size from it."""
    if isinstance(layer, Embedding):
        if x.features is not None:
            raise ValueError(f"inputs holds {x.features} features, but an Embedding reads token ids: "
                             "give it lp.Input(None)")
        return
    if x.features is None:
        raise ValueError(f"inputs holds token ids, but a {layer.kind} reads features: put an Embedding first")
    if isinstance(layer, (Recurrent, Bidirectional)) and not x.sequence:
        raise ValueError(f"inputs is one vector per sample, but a {layer.kind} reads a sequence: give the layer "
                         "before it return_sequences=True, or repeat the vector with RepeatVector")
    if isinstance(layer, RepeatVector) and x.sequence:
        raise ValueError("inputs is a sequence, but RepeatVector repeats one vector per sample: give the "
                         "layer before it return_sequences=False")
    if isinstance(layer, TiedDense) and x.features != layer.embedding.output_dim:
        raise ValueError(f"inputs has {x.features} features, but this TiedDense reuses an Embedding of "
                         f"output_dim={layer.embedding.output_dim} (the tied matrix is V × d)")
    _set_input(layer, x.features)


def _states(layer: Layer) -> tuple[int, ...]:
    """The sizes of the states a layer carries (forward then backward for a Bidirectional); () for none."""
    if isinstance(layer, Bidirectional):
        return layer.layer.state_sizes + layer.backward.state_sizes
    if isinstance(layer, Recurrent):
        return layer.state_sizes
    return ()


def _initial_state(layer: Layer, initial_state: Any) -> list[Tensor]:
    if initial_state is None:
        return []
    sizes = _states(layer)
    if not sizes:
        raise TypeError(f"initial_state is only read by recurrent layers, and a {layer.kind} has no state; "
                        f"got initial_state={v.shown(initial_state)}")
    states = [initial_state] if isinstance(initial_state, Tensor) else _tensors("initial_state", initial_state)
    if [t.features for t in states] != list(sizes):
        raise ValueError(f"initial_state must be {len(sizes)} tensor(s) of {', '.join(map(str, sizes))} features "
                         f"(this {layer.kind}'s states), got {len(states)} of "
                         f"{', '.join(str(t.features) for t in states)} features")
    for i, t in enumerate(states):
        if t.sequence:
            raise ValueError(f"initial_state[{i}] is a sequence, but a state is one vector per sample")
    return states


def _outputs(layer: Layer, x: Tensor) -> list[tuple[int | None, bool]]:
    """(features, sequence) of each tensor the call returns."""
    recurrent = layer.layer if isinstance(layer, Bidirectional) else layer
    sequence = bool(layer.output_is_sequence(x.sequence))
    out: list[tuple[int | None, bool]]
    if isinstance(layer, Bidirectional) and layer.merge_mode is None:
        out = [(layer.layer.units, sequence), (layer.backward.units, sequence)]
    else:
        out = [(layer.output_dim, sequence)]
    if isinstance(recurrent, Recurrent) and recurrent.return_state:
        out += [(size, False) for size in _states(layer)]
    return out


def call(layer: Layer, inputs: Any, initial_state: Any = None) -> Any:
    """``layer(inputs, initial_state=...)``: check, set the input size, record the call, return its output(s)."""
    shapes: list[tuple[int | None, bool]]
    if isinstance(layer, InputLayer):
        raise TypeError("an InputLayer is made by lp.Input(features), never called; got inputs="
                        f"{v.shown(inputs)}")
    if isinstance(layer, _Merge):
        if initial_state is not None:
            raise TypeError(f"initial_state is only read by recurrent layers, and a {layer.kind} has no state; "
                            f"got initial_state={v.shown(initial_state)}")
        given = _tensors("inputs", inputs)
        if len(given) < 2:
            raise ValueError(f"inputs of a {layer.kind} must be at least 2 tensors, got {len(given)}")
        sizes = [t.features for t in given]
        if None in sizes:
            raise ValueError(f"inputs of a {layer.kind} must hold features, not token ids")
        features = layer._joined([s for s in sizes if s is not None])
        if layer.input_dim is None:
            layer.input_dim = features
        elif layer.input_dim != features:
            raise ValueError(f"inputs give {features} features, but this {layer.kind} has input_dim="
                             f"{layer.input_dim} (a shared layer must get the same input sizes at every call)")
        kinds = {t.sequence for t in given}
        if len(kinds) != 1:
            raise ValueError(f"inputs of a {layer.kind} must all be sequences or all be vectors")
        read, shapes = given, [(features, kinds.pop())]
    else:
        x = _tensor("inputs", inputs)
        states = _initial_state(layer, initial_state)
        _read(layer, x)
        read, shapes = [x, *states], _outputs(layer, x)
    nodes: list[Node] = vars(layer).setdefault("_nodes", [])
    node = Node(layer, tuple(read), len(nodes))
    node.outputs = tuple(Tensor(f, s, node, i) for i, (f, s) in enumerate(shapes))
    nodes.append(node)
    return node.outputs[0] if len(node.outputs) == 1 else list(node.outputs)


# -- the model --------------------------------------------------------------------------------------------------

def _walk(inputs: list[Tensor], outputs: list[Tensor]) -> list[Layer]:
    """The layers between ``inputs`` and ``outputs`` in Keras's order (``keras.src.ops.function.map_graph``).

    Depth first from each output, then ordered by depth (inputs first), ties by the order first reached;
    a layer called at several depths sits at its deepest.
    """
    finished: set[int] = set()
    order: list[Node] = []  # nodes, from the inputs to the outputs
    index: dict[int, int] = {}  # id(layer) -> the order in which the walk first reached it
    layers: dict[int, Layer] = {}
    given = {id(t) for t in inputs}

    def visit(t: Tensor) -> None:
        node = t.node
        if id(node) in finished:
            return
        index.setdefault(id(node.layer), len(index))
        layers[id(node.layer)] = node.layer
        if not isinstance(node.layer, InputLayer) and id(t) not in given:
            for parent in node.inputs:
                visit(parent)
        finished.add(id(node))
        order.append(node)

    for t in outputs:
        visit(t)
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for parent in node.inputs:
            node_depth[id(parent.node)] = max(depth + 1, node_depth.get(id(parent.node), 0))
    for t in inputs:  # an input no output depends on still belongs to the model
        if id(t.node.layer) not in layer_depth:
            layer_depth[id(t.node.layer)], index[id(t.node.layer)] = 0, -1
            layers[id(t.node.layer)] = t.node.layer
    ranked = sorted(layer_depth, key=lambda k: (-layer_depth[k], index[k]))
    return [layers[k] for k in ranked]


class Model(_Layers):
    """A graph of layers from its input tensors to its output tensors, like ``keras.Model(inputs, outputs)``.

    Parameters
    ----------
    inputs:
        A tensor from :func:`Input`, or a list of them.
    outputs:
        A tensor returned by a layer's call, or a list of them.
    name:
        The model's name.

    A layer called more than once (shared) is listed and counted once.  :attr:`layers` follows
    Keras's ``model.layers``: the input layers first, then by depth in the graph.

    Example
    -------
    An LSTM autoencoder: the encoder's last output repeated for each of 30 steps, decoded.

    >>> from lstm_params import LSTM, Dense
    >>> x = Input(8)
    >>> code = LSTM(16)(x)
    >>> y = Dense(8)(LSTM(16, return_sequences=True)(RepeatVector(30)(code)))
    >>> model = Model(x, y)
    >>> [layer.kind for layer in model.layers]
    ['InputLayer', 'LSTM', 'RepeatVector', 'LSTM', 'Dense']
    >>> model.layer_params, model.params  # 4·16·(8 + 16 + 1) twice, then 8·(16 + 1)
    ([0, 1600, 0, 2112, 136], 3848)
    """

    kind = "Model"

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None) -> None:
        given = [_tensor("inputs", inputs)] if isinstance(inputs, Tensor) else _tensors("inputs", inputs)
        if not given:
            raise ValueError("inputs must hold at least one tensor, got []")
        for i, t in enumerate(given):
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"inputs[{i}] must be a tensor made by lp.Input, got {t!r}")
        if len({id(t) for t in given}) != len(given):
            raise ValueError("inputs holds the same tensor twice")
        results = [_tensor("outputs", outputs)] if isinstance(outputs, Tensor) else _tensors("outputs", outputs)
        if not results:
            raise ValueError("outputs must hold at least one tensor, got []")
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"name must be a non-empty string, got {v.shown(name)}")
        self.name = name
        self.inputs: list[Tensor] = given
        self.outputs: list[Tensor] = results
        self.layers: list[Layer] = _walk(given, results)
        known = {id(layer) for layer in self.layers}
        for layer in self.layers:
            if isinstance(layer, InputLayer) and not any(layer is t.node.layer for t in given):
                raise ValueError(f"outputs depend on an lp.Input of {layer.input_dim} features that is not among "
                                 "inputs")
            if isinstance(layer, TiedDense) and id(layer.embedding) not in known:
                raise ValueError("outputs hold a TiedDense whose Embedding is not in the model: the tied matrix "
                                 "would be counted nowhere")
        self.names: list[str] = _keras_names(self.layers)

    def flops(self, timesteps: Any = 1, batch_size: int = 1) -> int:
        """FLOPs of every call of every layer (conventions: :mod:`lstm_params.hardware`).

        ``timesteps`` is the length of every input, or a dict from input names to lengths.

        >>> from lstm_params import LSTM, Dense
        >>> x = Input(3, name="x")
        >>> model = Model(x, Dense(2)(LSTM(4)(x)))
        >>> model.flops({"x": 10}) == 10 * LSTM(4, input_dim=3).flops() + Dense(2, input_dim=4).flops()
        True
        """
        from .hardware import flops

        return flops(self, timesteps, batch_size)

    def connections(self, layer: Layer) -> list[str]:
        """The tensors ``layer`` read in this model, as Keras's summary writes them: ``lstm[0][1]``."""
        named = {id(x): n for x, n in zip(self.layers, self.names, strict=True)}
        out = []
        for node in vars(layer).get("_nodes", []):
            if all(id(t.node.layer) in named for t in node.inputs):
                out += [f"{named[id(t.node.layer)]}[{t.node.index}][{t.index}]" for t in node.inputs]
        return out

    def summary(self) -> str:
        """A ``model.summary()``-like table: name, kind, output size, count, what feeds each layer, formula."""
        from .report import model_text

        return model_text(self)

    def _repr_html_(self) -> str:
        from .report import model_html

        return model_html(self)

    def __repr__(self) -> str:
        name = "" if self.name is None else f" {self.name!r}"
        return f"<Model{name}: {len(self.inputs)} input(s), {len(self.outputs)} output(s), {len(self.layers)} " \
               f"layers, {self.params:,} params>"
