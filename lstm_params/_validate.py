"""Argument checks shared by every public constructor.

Each check raises at the boundary with the argument's name and the value it got,
so a reader sees ``units must be a positive integer, got 0`` instead of a traceback
from deep inside the package.

Sizes (units, input sizes, kernel sizes, ``num_layers``, timesteps...) are at most
:data:`MAX_SIZE`, the largest size a framework's int64 shapes can hold, so every count
built from them is a number Python prints at once.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

#: The largest size any argument may have: 2**63 - 1, the largest int64 (PyTorch and TensorFlow shapes).
MAX_SIZE = 2**63 - 1

_LONGEST = 60  # digits shown in a message; longer integers are described by their length


def digits(value: int) -> int:
    """Decimal digits of ``abs(value)``, without converting it to a string (which Python limits).

    >>> digits(0), digits(-999), digits(10**5000)
    (1, 3, 5001)
    """
    x = abs(int(value))
    count = int(math.log10(x)) + 1 if x else 1
    while x >= 10**count:
        count += 1
    while count > 1 and x < 10 ** (count - 1):
        count -= 1
    return count


def shown(value: Any) -> str:
    """``repr(value)`` for an error message, safe for any object: a huge int is described by its length.

    >>> shown(12), shown("x"), shown(-(10**5000))
    ('12', "'x'", 'an integer of 5001 digits')
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and digits(int(value)) > _LONGEST:
        return f"an integer of {digits(int(value))} digits"
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the error being reported
        return f"<{type(value).__name__} object>"
    return text if len(text) <= 200 else text[:200] + "..."


def _integer(name: str, value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and math.isnan(value):
            raise ValueError(f"{name} must be {what}, got nan")
        raise TypeError(f"{name} must be {what}, got {shown(value)} ({type(value).__name__})")
    return int(value)


def positive_int(name: str, value: Any, at_most: int | None = MAX_SIZE) -> int:
    """Return ``value`` as a Python int if it is an integer in 1..``at_most``, else raise.

    Python ints and NumPy integers are accepted; ``bool``, floats (even ``2.0``),
    strings and NaN are refused, never coerced.  ``at_most=None`` lifts the bound (counts).

    >>> positive_int("units", 2**63)
    Traceback (most recent call last):
    ...
    ValueError: units must be a positive integer at most 9223372036854775807, got 9223372036854775808
    """
    what = "a positive integer" if at_most is None else f"a positive integer at most {at_most}"
    number = _integer(name, value, "a positive integer")
    if number <= 0:
        raise ValueError(f"{name} must be a positive integer, got {shown(number)}")
    if at_most is not None and number > at_most:
        raise ValueError(f"{name} must be {what}, got {shown(number)}")
    return number


def non_negative_int(name: str, value: Any, at_most: int | None = MAX_SIZE) -> int:
    """Return ``value`` as a Python int if it is an integer in 0..``at_most``, else raise."""
    number = _integer(name, value, "a non-negative integer")
    if number < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {shown(number)}")
    if at_most is not None and number > at_most:
        raise ValueError(f"{name} must be a non-negative integer at most {at_most}, got {shown(number)}")
    return number


def optional_positive_int(name: str, value: Any) -> int | None:
    """Like :func:`positive_int` but ``None`` (unknown yet) passes through."""
    return None if value is None else positive_int(name, value)


def flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is a real bool (NumPy bools too), else raise TypeError."""
    if isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"):  # numpy.bool_
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {shown(value)} ({type(value).__name__})")


def text(name: str, value: Any) -> str:
    """Return ``value`` if it is a string, else raise TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {shown(value)} ({type(value).__name__})")
    return value


def choice(name: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``allowed`` (compared by equality and type)."""
    for option in allowed:
        if value is option or (type(value) is type(option) and value == option):
            return option
    listed = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {listed}, got {shown(value)}")
