"""Command line: ``python -m lstm_params lstm --input-dim 4096 --units 256``.

Prints the per-gate breakdown and the total with thousands separators, as
``model.summary()`` does.  ``--framework pytorch`` counts ``torch.nn`` instead (two
biases per gate, ``--num-layers``, ``--proj-size``); ``--dtype`` adds the planning
figures (weight and training memory, FLOPs per step).

A bad value exits with status 2 and one line naming the argument, and so does a flag
that would change nothing (``--merge-mode`` without ``--bidirectional``, ``--optimizer``
without ``--dtype``, a PyTorch option for Keras, an option given twice).  Output that
cannot be written (a full disk) exits with status 1 and one line; a reader that stops
early (``| head``) ends it quietly with status 1.  There is never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import _validate as v
from . import pytorch
from .hardware import DTYPE_BYTES, INFERENCE_DTYPES, MIXED_PRECISION, OPTIMIZER_STATE
from .layers import GRU, LSTM, Bidirectional, Layer, Recurrent, SimpleRNN
from .report import readable_bytes

__all__ = ["main", "build_parser"]

PROG = "python -m lstm_params"
_KINDS: dict[str, type[Recurrent]] = {"lstm": LSTM, "gru": GRU, "simplernn": SimpleRNN}
_TORCH: dict[str, type[pytorch.TorchRecurrent]] = {"lstm": pytorch.LSTM, "gru": pytorch.GRU,
                                                   "simplernn": pytorch.RNN}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        # argparse quotes some of what was typed as it is: a newline or a terminal escape would come out raw.
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
        self.exit(2, f"{self.prog}: error: {shown}\n")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message and file is sys.stdout:  # --help: argparse would drop a failed write silently; main reports it
            file.write(message)
        else:
            super()._print_message(message, file)


def _once(action: argparse.Action, namespace: argparse.Namespace, shown: str) -> None:
    """Refuse an option given a second time: argparse would silently keep the last one."""
    seen: dict[str, str] = namespace.__dict__.setdefault("_given", {})
    if action.dest in seen:
        before = f" ({seen[action.dest]}, then {shown})" if shown else ""
        raise argparse.ArgumentError(action, f"given twice{before}")
    seen[action.dest] = shown


class _Store(argparse.Action):
    """Store the value, once."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _once(self, namespace, str(values))
        setattr(namespace, self.dest, values)


class _Flag(argparse.Action):
    """``store_true``/``store_false``, once."""

    def __init__(self, option_strings: Sequence[str], dest: str, const: bool = True, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, const=const, default=not const, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _once(self, namespace, "")
        setattr(namespace, self.dest, self.const)


class _Switch(argparse.BooleanOptionalAction):
    """``--x/--no-x``, once (either spelling)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        _once(self, namespace, option_string or "")
        super().__call__(parser, namespace, values, option_string)


def _integer(text: str, what: str, smallest: int) -> int:
    """``text`` as an int in smallest..MAX_SIZE: ASCII digits only (no '1_000', no other scripts' digits)."""
    if not re.fullmatch(r"-?[0-9]+", text):
        raise argparse.ArgumentTypeError(f"must be {what}, got {v.shown(text)}")
    digits = text.lstrip("-0")
    if text.startswith("-") and digits:  # negative (but '-0' is zero)
        raise argparse.ArgumentTypeError(f"must be {what}, got {v.shown(text)}")
    if len(digits) > len(str(v.MAX_SIZE)) or int(digits or "0") > v.MAX_SIZE:  # no huge text is converted
        raise argparse.ArgumentTypeError(f"must be {what} at most {v.MAX_SIZE}, got {v.shown(text)}")
    value = int(digits or "0")
    if value < smallest:
        raise argparse.ArgumentTypeError(f"must be {what}, got {v.shown(text)}")
    return value


def _positive_int(text: str) -> int:
    return _integer(text, "a positive integer", 1)


def _non_negative_int(text: str) -> int:
    return _integer(text, "a non-negative integer", 0)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed so tests and docs can read its help)."""
    parser = _Parser(
        prog=PROG,
        description="Count the parameters of a Keras recurrent layer, gate by gate, without Keras.",
        epilog="Example: python -m lstm_params lstm --input-dim 4096 --units 256  "
               "(4,457,472 parameters, as model.summary() reports).",
    )
    sub = parser.add_subparsers(dest="kind", required=True, metavar="{lstm,gru,simplernn}")
    for kind, cls in _KINDS.items():
        p = sub.add_parser(kind, help=f"a Keras {cls.kind} layer",
                           description=f"Parameters of a Keras {cls.kind} layer, weight by weight.")
        p.add_argument("--input-dim", "-m", type=_positive_int, required=True, metavar="M", action=_Store,
                       help="m: features per timestep (the last axis of the input)")
        p.add_argument("--units", "-n", type=_positive_int, required=True, metavar="N", action=_Store,
                       help="n: units, the size of the hidden state")
        p.add_argument("--no-bias", dest="use_bias", action=_Flag, const=False,
                       help="use_bias=False: drop every bias vector")
        p.add_argument("--bidirectional", action=_Flag,
                       help="wrap the layer in Bidirectional (two copies: the count doubles)")
        p.add_argument("--merge-mode", choices=["concat", "sum", "mul", "ave", "none"], action=_Store,
                       default=None, help="Bidirectional merge_mode (changes the output size "
                       "only; needs --bidirectional); default concat")
        p.add_argument("--framework", choices=["keras", "pytorch"], default="keras", action=_Store,
                       help=f"count Keras's layer (default) or torch.nn.{_TORCH[kind].__name__}, "
                       "which has two biases per gate")
        p.add_argument("--num-layers", type=_positive_int, default=None, metavar="L", action=_Store,
                       help="PyTorch num_layers: stacked layers in one module (default 1; any number is "
                       "counted at once)")
        if kind == "lstm":
            p.add_argument("--proj-size", type=_non_negative_int, default=None, metavar="P", action=_Store,
                           help="PyTorch proj_size: project h to P < N features (default 0: none)")
        p.add_argument("--dtype", choices=[*DTYPE_BYTES, *MIXED_PRECISION], default=None, action=_Store,
                       help="also print the weights' and training memory at this dtype or Keras mixed policy "
                       "(float32 variables), and FLOPs per step; int8 (inference) only its weights")
        p.add_argument("--optimizer", choices=list(OPTIMIZER_STATE), default=None, action=_Store,
                       help="the optimizer whose state --dtype's training memory counts (default adam; "
                       "needs --dtype)")
        if kind == "gru":
            p.add_argument("--reset-after", action=_Switch, default=None,
                           help="Keras 3's default reset_after=True keeps two bias vectors per gate")
    return parser


def _torch_layer(args: argparse.Namespace) -> Layer:
    if args.merge_mode is not None:
        raise ValueError("--merge-mode is a Keras Bidirectional option; PyTorch always concatenates "
                         f"the two directions, got --merge-mode {args.merge_mode}")
    if args.kind == "gru" and args.reset_after is False:
        raise ValueError("--no-reset-after has no PyTorch equivalent: nn.GRU applies the reset gate "
                         "after the recurrent matmul (reset_after=True)")
    if args.kind == "gru" and args.reset_after:
        raise ValueError("--reset-after is a Keras GRU option: nn.GRU always applies the reset gate after the "
                         "recurrent matmul (drop --reset-after)")
    extra: dict[str, Any] = {"proj_size": args.proj_size or 0} if args.kind == "lstm" else {}
    return _TORCH[args.kind](args.input_dim, args.units, num_layers=args.num_layers or 1, bias=args.use_bias,
                             bidirectional=args.bidirectional, **extra)


def _layer(args: argparse.Namespace) -> Layer:
    if args.optimizer is not None and args.dtype is None:
        raise ValueError(f"--optimizer only changes the --dtype figures: add --dtype (got --optimizer "
                         f"{args.optimizer})")
    if args.optimizer is not None and args.dtype in INFERENCE_DTYPES:
        raise ValueError(f"--optimizer sizes training, and --dtype {args.dtype} is for inference: train in float32 "
                         f"or a mixed policy (got --optimizer {args.optimizer})")
    if args.framework == "pytorch":
        return _torch_layer(args)
    for option in ("num_layers", "proj_size"):
        if getattr(args, option, None) is not None:
            flag = "--" + option.replace("_", "-")
            raise ValueError(f"{flag} is a PyTorch option: add --framework pytorch "
                             f"(got {flag} {getattr(args, option)})")
    if args.merge_mode is not None and not args.bidirectional:
        raise ValueError(f"--merge-mode is a Bidirectional option: add --bidirectional (got --merge-mode "
                         f"{args.merge_mode})")
    cls = _KINDS[args.kind]
    extra: dict[str, Any] = {"reset_after": args.reset_after is not False} if args.kind == "gru" else {}
    layer: Layer = cls(args.units, input_dim=args.input_dim, use_bias=args.use_bias, **extra)
    if args.bidirectional:
        mode = None if args.merge_mode == "none" else (args.merge_mode or "concat")
        layer = Bidirectional(layer, merge_mode=mode)
    return layer


def _planning(layer: Layer, dtype: str, optimizer: str) -> str:
    weights = layer.memory_bytes(dtype)
    lines = [f"Weights in {dtype}: {weights:,} bytes ({readable_bytes(weights)})"]
    if dtype in INFERENCE_DTYPES:
        lines.append(f"Training: not in {dtype}, which holds a trained model's weights for inference")
    else:
        train, slots = layer.training_memory_bytes(dtype, optimizer), OPTIMIZER_STATE[optimizer]
        lines.append(f"Training in {dtype} with {optimizer} (weights + gradients + {slots} state tensor(s) per "
                     f"weight): {train:,} bytes ({readable_bytes(train)})")
    lines.append(f"FLOPs per step and sample: {layer.flops():,} (2 per multiply-add; see lstm_params.hardware)")
    return "\n".join(lines)


def _discard_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the unwritten rest is not retried (and reported) at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real descriptor (a StringIO under test): nothing is retried
        pass


def _unwritable(exc: OSError) -> int:
    """Stdout failed: 1 with one line on stderr, or 1 quietly for a closed pipe (``| head`` read what it wanted)."""
    _discard_stdout()
    if not isinstance(exc, BrokenPipeError):
        with contextlib.suppress(OSError, AttributeError):  # stderr full or closed too: nothing more can be said
            sys.stderr.write(f"{PROG}: error: cannot write the output: {exc}\n")
    return 1


def _write(text: str) -> int:
    """Write ``text`` to stdout and flush it: 0, or what :func:`_unwritable` says."""
    try:
        if text:
            sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:  # io.UnsupportedOperation included
        return _unwritable(exc)
    return 0


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        try:
            layer = _layer(args)
        except ValueError as exc:
            parser.error(str(exc))
        text = layer.summary() + "\n"
        if args.dtype is not None:
            text += _planning(layer, args.dtype, args.optimizer or "adam") + "\n"
    except SystemExit as exc:  # --help, or a bad value (its one line is already on stderr)
        status = exc.code if isinstance(exc.code, int) else 1
        return _write("") or status
    except OSError as exc:  # --help could not be written
        return _unwritable(exc)
    return _write(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, 1 when the output cannot be written, 2 for bad input)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        return 130
