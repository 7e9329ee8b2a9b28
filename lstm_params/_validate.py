"""Argument checks shared by every public constructor.

Each check raises at the boundary with the argument's name and the value it got,
so a reader sees ``units must be a positive integer, got 0`` instead of a traceback
from deep inside the package.
"""

from __future__ import annotations

import math
import numbers
from typing import Any


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` as a Python int if it is a positive integer, else raise.

    Python ints and NumPy integers are accepted; ``bool``, floats (even ``2.0``),
    strings and NaN are refused, never coerced.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"{name} must be a positive integer, got nan")
        raise TypeError(f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {int(value)}")
    return int(value)


def non_negative_int(name: str, value: Any) -> int:
    """Return ``value`` as a Python int if it is an integer >= 0, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer, got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {int(value)}")
    return int(value)


def optional_positive_int(name: str, value: Any) -> int | None:
    """Like :func:`positive_int` but ``None`` (unknown yet) passes through."""
    return None if value is None else positive_int(name, value)


def flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is a real bool (NumPy bools too), else raise TypeError."""
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"):  # numpy.bool_
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")


def choice(name: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``allowed`` (compared by equality and type)."""
    for option in allowed:
        if value is option or (type(value) is type(option) and value == option):
            return option
    shown = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {shown}, got {value!r}")
