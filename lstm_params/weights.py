"""Where a layer's parameters live: one :class:`Weight` per piece of math.

An LSTM's four gates each own an input kernel W (n×m), a recurrent kernel U (n×n)
and a bias b (n).  Keras does not store twelve tensors: it packs the gates side by
side into ``kernel`` (m, 4n), ``recurrent_kernel`` (n, 4n) and ``bias`` (4n,).  A
:class:`Weight` records both views: the math (name, gate, shape) and the storage
(variable, its shape, and the slice that holds this piece).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from types import EllipsisType
from typing import Any

from . import _validate as v

__all__ = ["Weight"]

_PART = r"\s*(?:\.\.\.|\d*:\d*|\d+)\s*"
_INDEX = re.compile(rf"\[{_PART}(?:,{_PART})*\]")


@dataclass(frozen=True)
class Weight:
    """One piece of a layer's parameters, in math and in framework storage.

    Every field is checked when a Weight is made: a wrong type or an index that is not
    slice syntax is an error naming the field.

    Attributes
    ----------
    name:
        Math name, e.g. ``"W_i"`` (input kernel of the input gate).
    gate:
        The gate or transformation it belongs to, e.g. ``"input"``; ``""`` for layers
        without gates.
    role:
        ``"input kernel"``, ``"recurrent kernel"``, ``"bias"``, ``"recurrent bias"``,
        ``"peephole"``, ``"embeddings"``, ``"projection"``...
    shape:
        Math shape, e.g. ``(256, 4096)`` for W (n×m): it maps x (m) to the gate (n).
    symbols:
        The same shape in symbols, e.g. ``("n", "m")``; the layer's formula is the sum
        over weights of the product of these.
    variable:
        Name of the framework variable that stores it, e.g. ``"kernel"``.
    variable_shape:
        Shape of that whole variable, e.g. ``(4096, 1024)``.
    index:
        Where this piece sits inside the variable, in NumPy slice syntax, e.g.
        ``"[:, 0:256]"``; ``"[:]"`` when it is the whole variable.
    direction:
        ``"forward"`` or ``"backward"`` in a bidirectional layer, else ``""``.
    transposed:
        True when the framework stores the piece as (inputs, outputs), the transpose of
        the math shape (Keras kernels: ``kernel[:, 0:n]`` is W_i transposed, (m, n)).
    layer:
        Which stacked layer it belongs to in a multi-layer module (PyTorch ``num_layers``), from 0.
    scope:
        The sub-layer whose variable holds it, when the variable name alone does not say:
        ``"forward"``/``"backward"`` in a Keras Bidirectional wrapper; ``""`` when the name is
        complete (PyTorch's ``weight_ih_l0_reverse`` already names its direction and layer).
    """

    name: str
    gate: str
    role: str
    shape: tuple[int, ...]
    symbols: tuple[str, ...]
    variable: str
    variable_shape: tuple[int, ...]
    index: str = "[:]"
    direction: str = ""
    transposed: bool = False
    layer: int = 0
    scope: str = ""

    def __post_init__(self) -> None:  # quick where the package made the weight itself, exact when not
        for field in ("name", "gate", "role", "variable", "index", "direction", "scope"):
            if type(getattr(self, field)) is not str:
                v.text(field, getattr(self, field))
        for field in ("shape", "variable_shape"):
            dims = getattr(self, field)
            if not isinstance(dims, tuple):
                raise TypeError(f"{field} must be a tuple of sizes, got {v.shown(dims)} ({type(dims).__name__})")
            for dim in dims:
                if type(dim) is not int or dim < 0:
                    v.non_negative_int(field, dim, at_most=None)
        if not isinstance(self.symbols, tuple) or len(self.symbols) != len(self.shape) \
                or not all(type(s) is str and s for s in self.symbols):
            raise TypeError(f"symbols must be a tuple of {len(self.shape)} non-empty strings (one per dimension of "
                            f"shape {v.shown(self.shape)}), got {v.shown(self.symbols)}")
        if self.direction not in ("", "forward", "backward"):
            v.choice("direction", self.direction, ("", "forward", "backward"))
        if type(self.transposed) is not bool:
            v.flag("transposed", self.transposed)
        if type(self.layer) is not int or self.layer < 0:
            v.non_negative_int("layer", self.layer)
        if not _INDEX.fullmatch(self.index):
            self.key  # noqa: B018 - raises the error that names index

    @property
    def size(self) -> int:
        """Number of scalars in this piece."""
        return math.prod(self.shape)

    @property
    def stored_shape(self) -> tuple[int, ...]:
        """Shape of ``variable[index]`` as the framework holds it."""
        return self.shape[::-1] if self.transposed else self.shape

    @property
    def key(self) -> tuple[int | slice | EllipsisType, ...]:
        """:attr:`index` as a NumPy/PyTorch index.

        >>> Weight("b_hz", "update", "recurrent bias", (4,), ("n",), "bias", (2, 12), "[1, 0:4]").key
        (1, slice(0, 4, None))
        """
        if not _INDEX.fullmatch(self.index):
            raise ValueError(f"index must be NumPy slice syntax such as '[:, 0:4]' or '[1, 0:4]', "
                             f"got {v.shown(self.index)}")
        parts: list[int | slice | EllipsisType] = []
        for part in self.index[1:-1].split(","):
            part = part.strip()
            if part == "...":
                parts.append(Ellipsis)
            elif ":" in part:
                start, stop = part.split(":")
                parts.append(slice(int(start) if start else None, int(stop) if stop else None))
            else:
                parts.append(int(part))
        return tuple(parts)

    def take(self, variable: Any) -> Any:
        """This piece cut out of the whole variable's array, in the math orientation.

        ``variable`` is the framework variable as an array (``layer.weights[0].numpy()``,
        ``param.detach().numpy()``); a Keras kernel slice comes back transposed, so an input
        kernel is always W (n × m).
        """
        piece = variable[self.key]
        return piece.T if self.transposed else piece

    def put(self, variable: Any, value: Any) -> None:
        """Write ``value`` (math orientation) into this piece's place in ``variable``, in place."""
        variable[self.key] = value.T if self.transposed else value

    @property
    def storage(self) -> str:
        """Where it is stored, e.g. ``"kernel[:, 0:256]"`` (with ``forward/`` in a wrapper)."""
        prefix = f"{self.scope}/" if self.scope else ""
        suffix = "" if self.index == "[:]" else self.index
        return f"{prefix}{self.variable}{suffix}"

    def with_direction(self, direction: str) -> Weight:
        """A copy held by the ``direction`` sub-layer of a Keras Bidirectional wrapper."""
        return replace(self, direction=direction, scope=direction)
