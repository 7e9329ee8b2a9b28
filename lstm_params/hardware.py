"""Planning figures: how many bytes the parameters take.

>>> memory_bytes(4_457_472, "float32")
17829888
>>> memory_bytes(4_457_472, "bfloat16")
8914944
"""

from __future__ import annotations

from typing import Any

from . import _validate as v

__all__ = ["DTYPE_BYTES", "memory_bytes"]

#: Bytes per parameter for the dtypes the planning figures know.
DTYPE_BYTES: dict[str, int] = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def dtype_bytes(dtype: Any) -> int:
    """Bytes per scalar of ``dtype``; an unknown dtype is a ValueError naming it."""
    if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
        known = ", ".join(repr(k) for k in DTYPE_BYTES)
        raise ValueError(f"dtype must be one of {known}, got {dtype!r}")
    return DTYPE_BYTES[dtype]


def memory_bytes(params: Any, dtype: Any = "float32") -> int:
    """Bytes taken by ``params`` scalars of ``dtype``."""
    count = v.non_negative_int("params", params)
    return count * dtype_bytes(dtype)
