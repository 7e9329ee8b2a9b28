"""Command line: ``python -m lstm_params lstm --input-dim 4096 --units 256``.

Prints the per-gate breakdown and the total with thousands separators, as
``model.summary()`` does.  A bad value exits with status 2 and one line naming the
argument; there is never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from .layers import GRU, LSTM, Bidirectional, Layer, Recurrent, SimpleRNN

__all__ = ["main", "build_parser"]

_KINDS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "simplernn": SimpleRNN}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so tests and docs can read its help)."""
    parser = _Parser(
        prog="python -m lstm_params",
        description="Count the parameters of a Keras recurrent layer, gate by gate, without Keras.",
        epilog="Example: python -m lstm_params lstm --input-dim 4096 --units 256  "
               "(4,457,472 parameters, as model.summary() reports).",
    )
    sub = parser.add_subparsers(dest="kind", required=True, metavar="{lstm,gru,simplernn}")
    for kind, cls in _KINDS.items():
        p = sub.add_parser(kind, help=f"a Keras {cls.kind} layer",
                           description=f"Parameters of a Keras {cls.kind} layer, weight by weight.")
        p.add_argument("--input-dim", "-m", type=_positive_int, required=True, metavar="M",
                       help="m: features per timestep (the last axis of the input)")
        p.add_argument("--units", "-n", type=_positive_int, required=True, metavar="N",
                       help="n: units, the size of the hidden state")
        p.add_argument("--no-bias", dest="use_bias", action="store_false",
                       help="use_bias=False: drop every bias vector")
        p.add_argument("--bidirectional", action="store_true",
                       help="wrap the layer in Bidirectional (two copies: the count doubles)")
        p.add_argument("--merge-mode", choices=["concat", "sum", "mul", "ave", "none"],
                       default="concat", help="Bidirectional merge_mode (changes the output size "
                       "only); default concat")
        if kind == "gru":
            p.add_argument("--reset-after", action=argparse.BooleanOptionalAction, default=True,
                           help="Keras 3's default reset_after=True keeps two bias vectors per gate")
    return parser


def _layer(args: argparse.Namespace) -> Layer:
    cls = _KINDS[args.kind]
    extra = {"reset_after": args.reset_after} if args.kind == "gru" else {}
    layer: Layer = cls(args.units, input_dim=args.input_dim, use_bias=args.use_bias, **extra)
    if args.bidirectional:
        mode = None if args.merge_mode == "none" else args.merge_mode
        layer = Bidirectional(layer, merge_mode=mode)
    return layer


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    layer = _layer(args)
    try:
        print(layer.summary())
    except BrokenPipeError:  # `... | head` closed the pipe: not an error worth a traceback
        sys.stderr.close()
    return 0
