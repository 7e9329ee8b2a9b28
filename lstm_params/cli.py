"""Command line: ``python -m lstm_params lstm --input-dim 4096 --units 256``.

Prints the per-gate breakdown and the total with thousands separators, as
``model.summary()`` does.  ``--framework pytorch`` counts ``torch.nn`` instead (two
biases per gate, ``--num-layers``, ``--proj-size``); ``--dtype`` adds the planning
figures (weight and training memory, FLOPs per step).  A bad value exits with status 2
and one line naming the argument; there is never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import pytorch
from .hardware import DTYPE_BYTES, OPTIMIZER_STATE
from .layers import GRU, LSTM, Bidirectional, Layer, Recurrent, SimpleRNN
from .report import readable_bytes

__all__ = ["main", "build_parser"]

_KINDS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "simplernn": SimpleRNN}
_TORCH: dict[str, type[pytorch.TorchRecurrent]] = {"lstm": pytorch.LSTM, "gru": pytorch.GRU,
                                                   "simplernn": pytorch.RNN}


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
                       default=None, help="Bidirectional merge_mode (changes the output size "
                       "only); default concat")
        p.add_argument("--framework", choices=["keras", "pytorch"], default="keras",
                       help=f"count Keras's layer (default) or torch.nn.{_TORCH[kind].__name__}, "
                       "which has two biases per gate")
        p.add_argument("--num-layers", type=_positive_int, default=1, metavar="L",
                       help="PyTorch num_layers: stacked layers in one module (default 1)")
        if kind == "lstm":
            p.add_argument("--proj-size", type=_non_negative_int, default=0, metavar="P",
                           help="PyTorch proj_size: project h to P < N features (default 0: none)")
        p.add_argument("--dtype", choices=list(DTYPE_BYTES), default=None,
                       help="also print the weights' and training memory at this dtype, and FLOPs per step")
        p.add_argument("--optimizer", choices=list(OPTIMIZER_STATE), default="adam",
                       help="the optimizer whose state --dtype's training memory counts (default adam)")
        if kind == "gru":
            p.add_argument("--reset-after", action=argparse.BooleanOptionalAction, default=True,
                           help="Keras 3's default reset_after=True keeps two bias vectors per gate")
    return parser


def _non_negative_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def _torch_layer(args: argparse.Namespace) -> Layer:
    if args.merge_mode is not None:
        raise ValueError("--merge-mode is a Keras Bidirectional option; PyTorch always concatenates "
                         f"the two directions, got --merge-mode {args.merge_mode}")
    if args.kind == "gru" and not args.reset_after:
        raise ValueError("--no-reset-after has no PyTorch equivalent: nn.GRU applies the reset gate "
                         "after the recurrent matmul (reset_after=True)")
    extra = {"proj_size": args.proj_size} if args.kind == "lstm" else {}
    return _TORCH[args.kind](args.input_dim, args.units, num_layers=args.num_layers, bias=args.use_bias,
                             bidirectional=args.bidirectional, **extra)


def _layer(args: argparse.Namespace) -> Layer:
    if args.framework == "pytorch":
        return _torch_layer(args)
    for option, default in (("num_layers", 1), ("proj_size", 0)):
        if getattr(args, option, default) != default:
            flag = "--" + option.replace("_", "-")
            raise ValueError(f"{flag} is a PyTorch option: add --framework pytorch "
                             f"(got {flag} {getattr(args, option)})")
    cls = _KINDS[args.kind]
    extra = {"reset_after": args.reset_after} if args.kind == "gru" else {}
    layer: Layer = cls(args.units, input_dim=args.input_dim, use_bias=args.use_bias, **extra)
    if args.bidirectional:
        mode = None if args.merge_mode == "none" else (args.merge_mode or "concat")
        layer = Bidirectional(layer, merge_mode=mode)
    return layer


def _planning(layer: Layer, dtype: str, optimizer: str) -> str:
    weights, train = layer.memory_bytes(dtype), layer.training_memory_bytes(dtype, optimizer)
    slots = OPTIMIZER_STATE[optimizer]
    return "\n".join([
        f"Weights in {dtype}: {weights:,} bytes ({readable_bytes(weights)})",
        f"Training in {dtype} with {optimizer} (weights + gradients + {slots} state tensor(s) per weight): "
        f"{train:,} bytes ({readable_bytes(train)})",
        f"FLOPs per step and sample: {layer.flops():,} (2 per multiply-add; see lstm_params.hardware)",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        layer = _layer(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        print(layer.summary())
        if args.dtype is not None:
            print(_planning(layer, args.dtype, args.optimizer))
    except BrokenPipeError:  # `... | head` closed the pipe: not an error worth a traceback
        sys.stderr.close()
    return 0
