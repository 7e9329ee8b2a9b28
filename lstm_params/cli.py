"""Command line: ``python -m lstm_params lstm --input-dim 4096 --units 256``.

Prints the per-gate breakdown and the total with thousands separators, as
``model.summary()`` does.  ``--framework pytorch`` counts ``torch.nn`` instead (two
biases per gate, ``--num-layers``, ``--proj-size``); ``--dtype`` adds the planning
figures (weight and training memory, FLOPs per step).

``python -m lstm_params stack --layers "embedding 10000 128, lstm 256 seq, lstm 256, dense 10"``
sizes a whole stack: a table of its layers (output size, parameters, activation bytes kept
for training, forward and forward + backward FLOPs, MACs), the totals, the memory for
inference and for training, and the compute, for ``--timesteps`` T steps of ``--batch-size``
B samples at ``--dtype`` (default float32) with ``--optimizer`` (default adam).
``--layers`` is a line of comma-separated items, each a kind, its numbers and its options::

    embedding V D          vocabulary V, D features per token (first item only)
    lstm N [seq] [no-bias]                      also gru (and no-reset-after), simplernn
    dense N [no-bias]
    conv1d F K [no-bias]   F filters of width K
    batchnormalization     γ, β, moving mean and variance of the features before it
    bidirectional lstm N [seq] [no-bias] [merge=concat|sum|mul|ave|none]   (or gru, simplernn)
    dropout RATE           a rate in [0, 1): no weights; training keeps its mask
    activation NAME        relu, sigmoid, tanh, softmax, log_softmax, linear: training keeps its output

(``seq`` keeps every step, ``return_sequences=True``).  ``--model FILE`` reads the same
from a JSON list of layers with Keras's class names and keys, e.g.
``[{"class_name": "LSTM", "units": 256, "return_sequences": true}, {"class_name": "Dense",
"units": 10}]`` (``lstm_params._stack`` lists every key).  ``--input-dim`` M is the
features per step, needed unless the first layer is an embedding or has ``input_dim``.

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
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import _stack, pytorch
from . import _validate as v
from .frontend import non_trainable_params
from .hardware import (
    DTYPE_BYTES,
    INFERENCE_DTYPES,
    MIXED_PRECISION,
    OPTIMIZER_STATE,
    LayerFigures,
    flops,
    layer_figures,
    macs,
    memory_bytes,
)
from .layers import GRU, LSTM, Bidirectional, Embedding, Layer, Recurrent, Sequential, SimpleRNN
from .report import _table_text, readable_bytes

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
    try:
        return _stack.integer(text, what, smallest)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    sub = parser.add_subparsers(dest="kind", required=True, metavar="{lstm,gru,simplernn,stack}")
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
    _add_stack(sub)
    return parser


_GRAMMAR = """\
--layers is a line of comma-separated items, each a kind, its numbers, then its options:
  embedding V D          vocabulary V, D features per token (the first item only)
  lstm N [seq] [no-bias]                        also gru (and no-reset-after), simplernn
  dense N [no-bias]
  conv1d F K [no-bias]   F filters of width K
  batchnormalization     gamma, beta and the moving mean and variance (non-trainable)
  bidirectional lstm N [seq] [no-bias] [merge=concat|sum|mul|ave|none]   (or gru, simplernn)
  dropout RATE           a rate in [0, 1) such as 0.5: no weights, but training keeps its mask
  activation NAME        relu, sigmoid, tanh, softmax, log_softmax or linear: training keeps its output
seq keeps every step (return_sequences=True): a recurrent layer needs it on the layer before.

--model FILE reads the same from a JSON list of layers with Keras's class names and keys:
  [{"class_name": "Embedding", "input_dim": 10000, "output_dim": 128},
   {"class_name": "Bidirectional", "merge_mode": "concat",
    "layer": {"class_name": "LSTM", "units": 256, "return_sequences": true}},
   {"class_name": "Dense", "units": 10, "use_bias": false}]
Keys: LSTM, SimpleRNN: units, use_bias, return_sequences, input_dim, name; GRU: those and
reset_after; Dense: units, use_bias, input_dim, name; Embedding: input_dim, output_dim, name;
Conv1D: filters, kernel_size, use_bias, input_dim, name; BatchNormalization: center, scale,
input_dim, name; Bidirectional: layer, merge_mode, name; Dropout: rate, input_dim, name; Activation:
activation, input_dim, name.  Unknown keys are refused.

Example: python -m lstm_params stack --layers "embedding 10000 128, lstm 256 seq, lstm 256, dense 10" \
--timesteps 100 --batch-size 32"""


def _add_stack(sub: Any) -> None:
    p = sub.add_parser("stack", help="a stack of layers: parameters, memory and FLOPs for T steps of B samples",
                       description="Size a whole stack: per-layer parameters, activations and FLOPs, the memory\n"
                       "for inference and training, and the compute for --timesteps steps of --batch-size samples.\n"
                       "Activations and backward FLOPs are modelled for LSTM, GRU (reset_after), SimpleRNN, Dense,\n"
                       "Embedding, their Bidirectional, Dropout and Activation; a stack with other kinds gets the\n"
                       "forward figures.",
                       epilog=_GRAMMAR, formatter_class=argparse.RawDescriptionHelpFormatter)
    given = p.add_mutually_exclusive_group(required=True)
    given.add_argument("--layers", "-l", metavar="ITEMS", action=_Store,
                       help='the stack as text, e.g. "lstm 64 seq, lstm 64, dense 1" (grammar below)')
    given.add_argument("--model", metavar="FILE", action=_Store,
                       help="the stack as a JSON list of layers (format below)")
    p.add_argument("--input-dim", "-m", type=_positive_int, default=None, metavar="M", action=_Store,
                   help="m: features per timestep fed to the first layer (not with an embedding first, nor when "
                   "the model's first layer has input_dim)")
    p.add_argument("--timesteps", "-t", type=_positive_int, default=1, metavar="T", action=_Store,
                   help="steps per sequence for the activations and FLOPs (default 1)")
    p.add_argument("--batch-size", "-b", type=_positive_int, default=1, metavar="B", action=_Store,
                   help="samples per batch for the activations and FLOPs (default 1)")
    p.add_argument("--dtype", choices=[*DTYPE_BYTES, *MIXED_PRECISION], default="float32", action=_Store,
                   help="dtype or Keras mixed policy of the memory figures (default float32); int8 holds "
                   "weights for inference only")
    p.add_argument("--optimizer", choices=list(OPTIMIZER_STATE), default=None, action=_Store,
                   help="the optimizer whose state the training memory counts (default adam)")


#: The largest --model file read, in bytes (a description of a few hundred layers takes a few kilobytes).
MODEL_BYTES = 1 << 20


def _read_model(path: str) -> list[_stack.Item]:
    """The items of a --model file; ValueError with a message for ``argument --model: FILE: ...``."""
    try:
        with open(path, "rb") as f:
            data = f.read(MODEL_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MODEL_BYTES:
        raise ValueError(f"larger than {MODEL_BYTES:,} bytes, the most a model description may take")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return _stack.read_model(text)


def _stack_model(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Sequential:
    """The Sequential that --layers or --model describes, with --input-dim; one-line errors through ``parser``."""
    if args.optimizer is not None and args.dtype in INFERENCE_DTYPES:
        parser.error(f"--optimizer sizes training, and --dtype {args.dtype} is for inference: train in float32 "
                     f"or a mixed policy (got --optimizer {args.optimizer})")
    where = "argument --layers" if args.model is None else f"argument --model: {v.shown(args.model)}"
    try:
        items = _stack.parse_layers(args.layers) if args.model is None else _read_model(args.model)
    except ValueError as exc:
        parser.error(f"{where}: {exc}")
    first = items[0]
    if isinstance(first.layer, Embedding) and args.input_dim is not None:
        parser.error(f"argument --input-dim/-m: the first layer, item 1 ({first.label}), is an embedding: "
                     f"it reads token ids, not features (got --input-dim {args.input_dim})")
    if not isinstance(first.layer, Embedding) and first.layer.input_dim is not None and args.input_dim is not None:
        parser.error(f"argument --input-dim/-m: the model's first layer has input_dim={first.layer.input_dim} "
                     f"already (got --input-dim {args.input_dim})")
    if not isinstance(first.layer, Embedding) and first.layer.input_dim is None and args.input_dim is None:
        parser.error(f"argument --input-dim/-m: needed: the first layer, item 1 ({first.label}), reads M features "
                     "per step (only an embedding first needs none)")
    try:
        return _stack.build(items, args.input_dim, keep_steps="the word seq" if args.model is None else
                            "return_sequences=True")
    except ValueError as exc:
        parser.error(f"{where}: {exc}")


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


def _figures(model: Sequential, args: argparse.Namespace) -> tuple[list[LayerFigures] | None, str]:
    """Per-layer figures at T steps of B samples, or None and why (a kind whose training is not modelled)."""
    dtype = "float32" if args.dtype in INFERENCE_DTYPES else args.dtype  # int8: no activations are shown
    try:
        return layer_figures(model, args.timesteps, args.batch_size, dtype=dtype), ""
    except ValueError as exc:
        return None, str(exc)


def _stack_text(model: Sequential, args: argparse.Namespace) -> str:
    """The stack's table, totals, memory and compute (the ``stack`` subcommand's output)."""
    dtype, optimizer, t, b = args.dtype, args.optimizer or "adam", args.timesteps, args.batch_size
    training = dtype not in INFERENCE_DTYPES
    figures, why = _figures(model, args)
    frozen = [non_trainable_params(layer) for layer in model.layers]
    header = ["layer", "kind", "output", "params"] + (["non-trainable"] if any(frozen) else [])
    if figures is not None:
        header += (["activation bytes"] if training else []) + ["forward FLOPs", "fwd+bwd FLOPs", "MACs"]

    def cells(fixed: int, row: LayerFigures | None) -> list[str]:
        out = [f"{fixed:,}"] if any(frozen) else []
        if row is not None:
            out += [f"{row.activation_bytes:,}"] if training else []
            out += [f"{row.forward_flops:,}", f"{row.forward_flops + row.backward_flops:,}", f"{row.macs:,}"]
        return out

    rows = [[layer.name or "", layer.kind, f"{layer.output_dim:,}", f"{layer.params:,}",
             *cells(fixed, None if figures is None else figures[i])]
            for i, (layer, fixed) in enumerate(zip(model.layers, frozen, strict=True))]
    total = None if figures is None else LayerFigures(
        "total", "", model.params, sum(frozen), *(sum(getattr(r, key) for r in figures)
                                                  for key in ("forward_flops", "backward_flops", "macs",
                                                              "activation_bytes")))
    rows.append(["total", "", "", f"{model.params:,}", *cells(sum(frozen), total)])
    lines = _table_text(header, rows, set(range(2, len(header))))
    del lines[-1]
    lines.insert(-1, lines[1])
    trainable = model.params - sum(frozen)
    lines.append(f"Total params: {model.params:,} ({readable_bytes(model.memory_bytes(dtype))})")
    if any(frozen):
        lines.append(f"Trainable params: {trainable:,}, non-trainable params: {sum(frozen):,}")
    shape = f"{t:,} timestep{'s' if t != 1 else ''} × {b:,} sample{'s' if b != 1 else ''}"
    weights = memory_bytes(model.params, dtype)
    memory = [("Inference, the weights in " + dtype, weights, "bytes")]
    if training:
        gradients = memory_bytes(trainable, dtype)
        state = gradients * OPTIMIZER_STATE[optimizer]
        kept = None if total is None else total.activation_bytes
        memory += [(f"Training with {optimizer}", weights + gradients + state + (kept or 0), "bytes"),
                   ("  weights", weights, "bytes"), ("  gradients", gradients, "bytes"),
                   (f"  {optimizer} state ({OPTIMIZER_STATE[optimizer]} per trainable weight)", state, "bytes")]
        if kept is not None:
            memory.append(("  activations kept for the backward pass", kept, "bytes"))
    lines += _aligned(f"Memory in {dtype}, {shape}:" if training else f"Memory in {dtype}:", memory)
    if not training:
        lines.append(f"  (no training figures: {dtype} holds a trained model's weights for inference)")
    compute = [("forward", flops(model, t, b), "FLOPs")]
    if total is not None:
        compute.append(("forward + backward", total.forward_flops + total.backward_flops, "FLOPs"))
    compute.append(("multiply-accumulates", macs(model, t, b), "MACs"))
    lines += _aligned(f"Compute, {shape} (2 FLOPs per multiply-add; see lstm_params.hardware):", compute)
    if total is None:
        lines.append(f"Not shown: activations and backward FLOPs ({why}); the training memory above leaves "
                     "out the activations")
    return "\n".join(lines) + "\n"


def _aligned(title: str, figures: list[tuple[str, int, str]]) -> list[str]:
    """``title``, then one line per (label, number, unit): the numbers right-aligned, bytes also readable."""
    width = max(len(label) for label, _, _ in figures)
    numbers = [f"{n:,}" for _, n, _ in figures]
    digits = max(len(n) for n in numbers)
    return [title] + [f"  {label.ljust(width)}  {n.rjust(digits)} {unit}"
                      + (f" ({readable_bytes(count)})" if unit == "bytes" else "")
                      for (label, count, unit), n in zip(figures, numbers, strict=True)]


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
        if args.kind == "stack":
            text = _stack_text(_stack_model(args, parser), args)
        else:
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
