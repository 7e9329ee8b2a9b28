"""``python -m lstm_params stack``: a whole stack from a line of text or a JSON file.

Every number is checked against arithmetic written here from the textbook counts (4n(m + n + 1) per LSTM...),
never against the package; every refusal is one line on stderr, exit status 2, naming the argument and value.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstm_params import cli

PROG = "python -m lstm_params: error: "
#: Errors found while parsing name the subcommand too; those found after it do not.
ERROR = re.compile(r"python -m lstm_params( stack)?: error: ")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lstm_params", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def run_main(argv: list[str]) -> tuple[int, str, str]:
    """The command line in-process (fast): status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(argv)
    return status, out.getvalue(), err.getvalue()


def refused(argv: list[str]) -> str:
    """The one line a refused command prints (after checking that it is one line, status 2, no stdout)."""
    status, out, err = run_main(argv)
    assert status == 2, out
    assert out == ""
    lines = err.splitlines()
    start = ERROR.match(lines[0]) if len(lines) == 1 else None
    assert start, err
    return lines[0][start.end():]


# -- the textbook counts, written out here ---------------------------------------------------------------------
def lstm(m: int, n: int) -> int:
    return 4 * n * (m + n + 1)


def gru(m: int, n: int, reset_after: bool = True) -> int:
    return 3 * n * (m + n + (2 if reset_after else 1))


def simplernn(m: int, n: int) -> int:
    return n * (m + n + 1)


def dense(m: int, n: int, bias: bool = True) -> int:
    return n * (m + (1 if bias else 0))


def table(out: str) -> dict[str, list[str]]:
    """The rows of the stack's table, by layer name: the cells after the name, separated by two spaces or more."""
    rows = {}
    lines = out.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("-")))
    for line in lines[start + 1:]:
        if line.startswith("Total params"):
            break
        if line.startswith("-"):
            continue
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


def number(text: str) -> int:
    return int(text.replace(",", ""))


def figure(out: str, label: str) -> int:
    """The number on the line that starts with ``label`` (after indentation)."""
    line = next(x for x in out.splitlines() if x.strip().startswith(label))
    return number(line[len(line) - len(line.lstrip()) + len(label):].split()[0])


EXAMPLE = "embedding 10000 128, lstm 256 seq, lstm 256, dense 10"


def test_the_example_stack():
    result = run("stack", "--layers", EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    rows = table(result.stdout)
    expected = {"embedding": ("Embedding", 128, 10000 * 128), "lstm": ("LSTM", 256, lstm(128, 256)),
                "lstm_1": ("LSTM", 256, lstm(256, 256)), "dense": ("Dense", 10, dense(256, 10))}
    for name, (kind, output, params) in expected.items():
        assert rows[name][:3] == [kind, f"{output:,}", f"{params:,}"], rows[name]
    total = 10000 * 128 + lstm(128, 256) + lstm(256, 256) + dense(256, 10)
    assert total == 2_202_122
    assert f"Total params: {total:,} (8.40 MB)" in result.stdout
    assert number(rows["total"][-1 if len(rows["total"]) == 1 else 0]) == total
    assert "non-trainable" not in result.stdout.lower()  # nothing is: no column, no line


def test_the_example_stack_at_100_steps_of_32_samples():
    """Forward: 8n(m + n) + 4n + 13n FLOPs per LSTM step, 2mn + n per Dense; MACs: the multiply-adds; backward: each
    weight's gradient (as many multiply-adds as forward) plus the input gradients needed (the state's from step 2,
    the layer input's when a layer before trains); activations: m + 7n per LSTM step, m per Dense, float32."""
    T, B = 100, 32
    status, out, err = run_main(["stack", "--layers", EXAMPLE, "--timesteps", str(T), "--batch-size", str(B)])
    assert status == 0, err
    rows = table(out)
    # (m, n, steps) of each layer: the second LSTM returns its last step only, so the Dense runs once.
    layers = {"lstm": (128, 256, T), "lstm_1": (256, 256, T)}
    expected = {}
    for name, (m, n, steps) in layers.items():
        forward = B * steps * (8 * n * (m + n) + 4 * n + 13 * n)
        backward = B * (2 * 4 * n * m * (steps + steps) + 2 * 4 * n * n * (steps + steps - 1))
        expected[name] = [B * steps * (m + 7 * n) * 4, forward, forward + backward, B * steps * 4 * n * (m + n)]
    forward = B * (2 * 256 * 10 + 10)
    expected["dense"] = [B * 256 * 4, forward, forward + B * 2 * 256 * 10 * 2, B * 256 * 10]
    expected["embedding"] = [0, 0, 0, 0]
    for name, figures in expected.items():
        assert [number(c) for c in rows[name][3:]] == figures, name
    sums = [sum(column) for column in zip(*expected.values(), strict=True)]
    assert [number(c) for c in rows["total"][1:]] == sums
    params = 10000 * 128 + lstm(128, 256) + lstm(256, 256) + dense(256, 10)
    assert figure(out, "activations kept for the backward pass") == sums[0]
    assert figure(out, "Training with adam") == 4 * params * 4 + sums[0]  # weights, gradients, 2 moments
    assert figure(out, "Inference, the weights in float32") == 4 * params
    assert figure(out, "forward ") == sums[1]
    assert figure(out, "forward + backward") == sums[2]
    assert figure(out, "multiply-accumulates") == sums[3]
    assert "Memory in float32, 100 timesteps × 32 samples:" in out


def test_figures_scale_with_timesteps_and_batch():
    """A stack whose every layer sees the time axis: forward FLOPs, MACs and activations are linear in T × B."""
    def totals(t: int, b: int) -> list[int]:
        status, out, _ = run_main(["stack", "-l", "gru 8 seq, dense 3", "-m", "5", "-t", str(t), "-b", str(b)])
        assert status == 0
        return [number(c) for c in table(out)["total"][1:]]

    one = totals(1, 1)
    activations, forward, _, multiply_adds = totals(6, 7)
    assert (activations, forward, multiply_adds) == (42 * one[0], 42 * one[1], 42 * one[3])
    per_step = 2 * 3 * 8 * (5 + 8) + 6 * 8 + 10 * 8 + 2 * 8 * 3 + 3  # GRU matmuls, 2 biases, 10n; the Dense
    assert forward == 42 * per_step


def test_mixed_policy_keeps_16_bit_activations():
    status, out, _ = run_main(["stack", "-l", "lstm 8", "-m", "4", "-t", "5", "--dtype", "mixed_float16"])
    assert status == 0
    assert figure(out, "activations kept for the backward pass") == 5 * (4 + 7 * 8) * 2
    assert figure(out, "weights") == 4 * lstm(4, 8)  # float32 variables


def test_kinds_not_modelled_for_training_still_get_forward_figures():
    status, out, _ = run_main(["stack", "-l", "conv1d 4 3, lstm 2", "-m", "5", "-t", "10"])
    assert status == 0
    conv = 4 * (3 * 5 + 1)
    assert figure(out, "forward ") == 10 * (2 * 3 * 5 * 4 + 4) + 10 * (8 * 2 * (4 + 2) + 17 * 2)
    assert "Not shown: activations and backward FLOPs (" in out and "Conv1D" in out
    assert "activation bytes" not in out and "forward + backward" not in out
    assert figure(out, "Training with adam") == 4 * 4 * (conv + lstm(4, 2))


@pytest.mark.parametrize(("layers", "m", "counts"), [
    ("gru 100", "25", [gru(25, 100)]),
    ("gru 100 no-reset-after", "25", [gru(25, 100, False)]),
    ("simplernn 4 seq, simplernn 5", "3", [simplernn(3, 4), simplernn(4, 5)]),
    ("lstm 100 no-bias", "25", [4 * 100 * 125]),
    ("dense 7 no-bias, dense 3", "5", [dense(5, 7, False), dense(7, 3)]),
    ("bidirectional lstm 100", "25", [2 * lstm(25, 100)]),
    ("bidirectional gru 8 seq, lstm 4", "6", [2 * gru(6, 8), lstm(16, 4)]),  # concat: 2 · 8 features
    ("bidirectional gru 8 seq merge=sum, lstm 4", "6", [2 * gru(6, 8), lstm(8, 4)]),
    ("bidirectional simplernn 3 merge=none", "2", [2 * simplernn(2, 3)]),
    ("conv1d 64 5, lstm 32", "80", [64 * (5 * 80 + 1), lstm(64, 32)]),
    ("conv1d 64 5 no-bias", "80", [64 * 5 * 80]),
    ("LSTM 8 SEQ, Dense 3", "2", [lstm(2, 8), dense(8, 3)]),  # kinds and words in any case
    ("  lstm   8  ", "2", [lstm(2, 8)]),
])
def test_kinds_and_options(layers, m, counts):
    status, out, err = run_main(["stack", "--layers", layers, "--input-dim", m])
    assert status == 0, err
    rows = table(out)
    assert [number(r[2]) for name, r in rows.items() if name != "total"] == counts
    assert f"Total params: {sum(counts):,} (" in out


def test_batchnormalization_is_partly_non_trainable():
    status, out, _ = run_main(["stack", "--layers", "lstm 16 seq, batchnormalization, dense 2", "-m", "4"])
    assert status == 0
    rows = table(out)
    assert rows["batch_normalization"][:4] == ["BatchNormalization", "16", "64", "32"]  # 4C, of which 2C moving
    params = lstm(4, 16) + 4 * 16 + dense(16, 2)
    assert f"Trainable params: {params - 32:,}, non-trainable params: 32" in out
    weights, trainable = 4 * params, 4 * (params - 32)  # float32
    assert figure(out, "weights") == weights
    assert figure(out, "gradients") == trainable  # no gradient for the moving statistics
    assert figure(out, "adam state (2 per trainable weight)") == 2 * trainable
    assert figure(out, "Training with adam") == weights + 3 * trainable


@pytest.mark.parametrize(("dtype", "size", "optimizer", "slots"), [
    ("float32", 4, "adam", 2), ("bfloat16", 2, "sgd", 0), ("float16", 2, "momentum", 1),
    ("float64", 8, "adamw", 2), ("mixed_bfloat16", 4, "rmsprop", 1),  # a mixed policy keeps float32 variables
])
def test_memory(dtype, size, optimizer, slots):
    params = lstm(12, 8) + dense(8, 1)
    status, out, _ = run_main(["stack", "-l", "lstm 8, dense 1", "-m", "12", "--dtype", dtype,
                               "--optimizer", optimizer])
    assert status == 0
    assert figure(out, f"Inference, the weights in {dtype}") == size * params
    kept = (12 + 7 * 8 + 8) * (2 if dtype.startswith("mixed") else size)  # LSTM m + 7n, Dense m, compute dtype
    assert figure(out, "activations kept for the backward pass") == kept
    assert figure(out, f"Training with {optimizer}") == size * params * (2 + slots) + kept


def test_int8_is_inference_only():
    status, out, _ = run_main(["stack", "-l", "lstm 8, dense 1", "-m", "12", "--dtype", "int8"])
    assert status == 0
    assert figure(out, "Inference, the weights in int8") == lstm(12, 8) + dense(8, 1)
    assert "Training with" not in out and "activation bytes" not in out
    assert figure(out, "forward ") == 8 * 8 * (12 + 8) + 17 * 8 + 2 * 8 + 1


def test_model_file(tmp_path: Path):
    model = [{"class_name": "Embedding", "input_dim": 1000, "output_dim": 16},
             {"class_name": "Bidirectional", "merge_mode": "sum",
              "layer": {"class_name": "LSTM", "units": 8, "return_sequences": True}},
             {"class_name": "GRU", "units": 4, "reset_after": False},
             {"class_name": "Dense", "units": 2, "use_bias": False, "name": "out"}]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    status, out, err = run_main(["stack", "--model", str(path)])
    assert status == 0, err
    rows = table(out)
    assert [number(rows[k][2]) for k in ("embedding", "bidirectional", "gru", "out")] == \
        [16000, 2 * lstm(16, 8), gru(8, 4, False), 4 * 2]


def test_model_file_with_its_input_dim(tmp_path: Path):
    path = tmp_path / "model.json"
    path.write_text('[{"class_name": "Conv1D", "filters": 4, "kernel_size": [3], "input_dim": 2}, '
                    '{"class_name": "BatchNormalization", "center": false}, {"class_name": "SimpleRNN", "units": 3}]')
    status, out, err = run_main(["stack", "--model", str(path)])
    assert status == 0, err
    rows = table(out)
    assert [number(rows[k][2]) for k in ("conv1d", "batch_normalization", "simple_rnn")] == \
        [4 * (3 * 2 + 1), 3 * 4, simplernn(4, 3)]  # γ, μ, σ² without β


# -- refusals: one line, status 2, the argument and the value named -------------------------------------------
@pytest.mark.parametrize(("layers", "needle"), [
    ("lstm x", 'argument --layers: item 1 ("lstm x"): units must be a positive integer, got \'x\''),
    ("lstm 8, lstm x", 'argument --layers: item 2 ("lstm x"): units must be a positive integer, got \'x\''),
    ("lstm 0", "units must be a positive integer, got '0'"),
    ("lstm -3", "units must be a positive integer, got '-3'"),
    ("lstm 2.5", "units must be a positive integer, got '2.5'"),
    ("lstm 1_000", "units must be a positive integer, got '1_000'"),
    ("lstm ١٢", "units must be a positive integer, got '١٢'"),
    ("lstm 9223372036854775808", "units must be a positive integer at most 9223372036854775807"),
    ("lstm 8, peephole 3", "item 2 (\"peephole 3\"): unknown kind 'peephole'; known: lstm, gru, simplernn, dense, "
                           "embedding, conv1d, batchnormalization, bidirectional, dropout, activation"),
    ("lstm", 'item 1 ("lstm"): units missing: write lstm UNITS'),
    ("embedding 10", 'item 1 ("embedding 10"): output_dim missing: write embedding INPUT_DIM OUTPUT_DIM'),
    ("conv1d 4 0", "kernel_size must be a positive integer, got '0'"),
    ("lstm 8 9", "unknown word '9' for lstm (it takes 1 number, then options: seq, no-bias)"),
    ("lstm 8 return_sequences", "unknown word 'return_sequences' for lstm"),
    ("lstm 8 no-reset-after", "unknown word 'no-reset-after' for lstm"),
    ("lstm 8 seq seq", 'item 1 ("lstm 8 seq seq"): seq given twice'),
    ("bidirectional lstm 8 merge=sum merge=mul", "merge given twice"),
    ("dense 4 merge=sum", "merge= is a bidirectional option"),
    ("bidirectional lstm 4 merge=avg", "merge must be one of concat, sum, mul, ave, none, got 'avg'"),
    ("bidirectional dense 4", "bidirectional wraps a recurrent layer (lstm, gru, simplernn), got 'dense'"),
    ("bidirectional", "bidirectional wraps a recurrent layer (lstm, gru, simplernn), got nothing"),
    ("lstm 8, lstm 8", 'item 2 ("lstm 8") (LSTM) needs a sequence, but item 1 ("lstm 8") returns only its last '
                       "step"),
    ("lstm 8, bidirectional gru 3", "item 2 (\"bidirectional gru 3\") (Bidirectional) needs a sequence"),
    ("lstm 8, conv1d 4 3", 'item 2 ("conv1d 4 3") (Conv1D) needs a sequence, but item 1 ("lstm 8")'),
    ("bidirectional lstm 4 seq merge=none, dense 3", "merge_mode=None: it outputs two tensors, so it can only be "
                                                     "the last layer"),
    ("", "argument --layers: no layers"),
    ("lstm 4,,", "argument --layers: item 2 is empty"),
    ("lstm 4,", "argument --layers: item 2 is empty"),
])
def test_bad_layers(layers, needle):
    assert needle in refused(["stack", "--layers", layers, "--input-dim", "3"])


def test_seq_is_the_fix_the_message_names():
    assert "give item 1 the word seq" in refused(["stack", "--layers", "lstm 8, conv1d 4 3", "-m", "3"])
    assert "the word seq" in refused(["stack", "--layers", "lstm 8, lstm 8", "-m", "3"])


def test_embedding_not_first():
    line = refused(["stack", "--layers", "lstm 8 seq, embedding 10 4", "-m", "3"])
    assert 'argument --layers: item 2 ("embedding 10 4") is an Embedding: it can only be the first layer' in line


@pytest.mark.parametrize(("argv", "needle"), [
    (["--layers", "lstm 8"], "argument --input-dim/-m: needed: the first layer, item 1 (\"lstm 8\"), reads M "
                             "features per step"),
    (["--layers", "embedding 10 4", "-m", "3"], "argument --input-dim/-m: the first layer, item 1 (\"embedding 10 "
                                                "4\"), is an embedding: it reads token ids, not features (got "
                                                "--input-dim 3)"),
    (["--layers", "lstm 8", "-m", "3", "--dtype", "int8", "--optimizer", "adam"],
     "--optimizer sizes training, and --dtype int8 is for inference"),
    (["--layers", "lstm 8", "-m", "3", "-m", "4"], "argument --input-dim/-m: given twice (3, then 4)"),
    (["--layers", "lstm 8", "--layers", "lstm 9", "-m", "3"],
     "argument --layers/-l: given twice (lstm 8, then lstm 9)"),
    (["--layers", "lstm 8", "-m", "3", "-t", "2", "--timesteps", "2"], "argument --timesteps/-t: given twice"),
    (["--layers", "lstm 8", "-m", "3", "-b", "0"], "argument --batch-size/-b: must be a positive integer, got '0'"),
    (["--layers", "lstm 8", "-m", "3", "-t", "x"], "argument --timesteps/-t: must be a positive integer, got 'x'"),
    (["--layers", "lstm 8", "-m", "0"], "argument --input-dim/-m: must be a positive integer, got '0'"),
    (["--layers", "lstm 8", "-m", "3", "--dtype", "float8"], "argument --dtype: invalid choice: 'float8'"),
    (["--layers", "lstm 8", "-m", "3", "--optimizer", "adamm"], "argument --optimizer: invalid choice: 'adamm'"),
    (["--layers", "lstm 8", "--model", "x.json"], "argument --model: not allowed with argument --layers/-l"),
    (["-m", "3"], "one of the arguments --layers/-l --model is required"),
    (["--layers", "lstm 8", "-m", "3", "--units", "4"], "unrecognized arguments: --units 4"),
])
def test_bad_options(argv, needle):
    assert needle in refused(["stack", *argv])


@pytest.mark.parametrize(("text", "needle"), [
    ('[{"class_name": "LSTM", "units": 0}]', "item 1 (LSTM): units must be a positive integer, got 0"),
    ('[{"class_name": "LSTM", "units": 8}, {"class_name": "LSTM", "units": 2.5}]',
     "item 2 (LSTM): units must be a positive integer, got 2.5 (float)"),
    ('[{"class_name": "LSTM", "units": "8"}]', "item 1 (LSTM): units must be a positive integer, got '8' (str)"),
    ('[{"class_name": "LSTM", "units": true}]', "units must be a positive integer, got True (bool)"),
    ('[{"class_name": "LSTM", "units": 8, "return_sequences": 1}]', "return_sequences must be True or False, got 1"),
    ('[{"class_name": "LSTM", "unit": 8}]', "item 1 (LSTM): LSTM takes no key 'unit' (its keys: units, use_bias, "
                                            "return_sequences, input_dim, name)"),
    ('[{"class_name": "LSTM", "units": 8, "units": 9}]', "key 'units' given twice in one object"),
    ('[{"class_name": "LSTM"}]', "item 1 (LSTM): LSTM needs units"),
    ('[{"class_name": "Embedding", "input_dim": 9}]', "Embedding needs output_dim"),
    ('[{"class_name": "Peephole", "units": 8}]',
     "item 1 (?): class_name must be one of LSTM, GRU, SimpleRNN, Dense, Embedding, Conv1D, BatchNormalization, "
     "Bidirectional, Dropout, Activation, got 'Peephole'"),
    ('[{"units": 8}]', "item 1 (?): class_name must be one of"),
    ("[8]", "item 1 (?): must be an object with a class_name, got 8"),
    ('[{"class_name": "Bidirectional", "layer": {"class_name": "Dense", "units": 2}}]',
     "item 1 (Bidirectional): layer must be a recurrent layer"),
    ('[{"class_name": "Bidirectional", "layer": {"class_name": "LSTM", "units": 2, "foo": 1}}]',
     "item 1 (Bidirectional): layer: LSTM takes no key 'foo'"),
    ('[{"class_name": "Bidirectional", "layer": {"class_name": "LSTM", "units": 2}, "merge_mode": "avg"}]',
     "merge_mode must be one of 'concat', 'sum', 'mul', 'ave', None, got 'avg'"),
    ('[{"class_name": "LSTM", "units": 2}, {"class_name": "LSTM", "units": 2}]',
     "item 2 (LSTM) needs a sequence, but item 1 returns only its last step: give item 1 return_sequences=True"),
    ('[{"class_name": "LSTM", "units": 2, "return_sequences": true}, '
     '{"class_name": "Embedding", "input_dim": 9, "output_dim": 2}]', "item 2 is an Embedding"),
    ('{"layers": []}', "must hold a JSON list of layer objects, got {'layers': []}"),
    ("[]", "must hold a JSON list of layer objects, got []"),
    ("[1, 2", "not valid JSON: Expecting ',' delimiter"),
    ("[" * 100_000, "nested too deeply"),
    ('[{"class_name": "LSTM", "units": ' + "9" * 5000 + "}]", "a number with more digits than Python converts"),
])
def test_bad_model_files(tmp_path: Path, text, needle):
    path = tmp_path / "m.json"
    path.write_text(text)
    line = refused(["stack", "--model", str(path), "-m", "3"] if "Embedding\", \"input_dim\": 9}]" not in text
                   else ["stack", "--model", str(path)])
    assert line.startswith(f"argument --model: {str(path)!r}: "), line
    assert needle in line


def test_model_file_errors(tmp_path: Path):
    assert "cannot read it: No such file or directory" in refused(["stack", "--model", str(tmp_path / "no.json")])
    assert "cannot read it: Is a directory" in refused(["stack", "--model", str(tmp_path)])
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe[]")
    assert "not UTF-8 text" in refused(["stack", "--model", str(tmp_path / "bin.json")])
    (tmp_path / "big.json").write_text(" " * (1 << 20) + "[]")
    assert "larger than 1,048,576 bytes" in refused(["stack", "--model", str(tmp_path / "big.json")])
    (tmp_path / "dim.json").write_text('[{"class_name": "LSTM", "units": 3, "input_dim": 5}]')
    assert "argument --input-dim/-m: the model's first layer has input_dim=5 already (got --input-dim 5)" in \
        refused(["stack", "--model", str(tmp_path / "dim.json"), "-m", "5"])


def test_help_explains_the_grammar():
    result = run("stack", "--help")
    assert result.returncode == 0 and result.stderr == ""
    for needle in ("--layers", "--model", "--input-dim", "--timesteps", "--batch-size", "--dtype", "--optimizer",
                   "embedding V D", "bidirectional lstm N", "merge=concat|sum|mul|ave|none", "no-reset-after",
                   "conv1d F K", "batchnormalization", '"class_name": "LSTM"', "return_sequences"):
        assert needle in result.stdout, needle
    assert "stack" in run("--help").stdout


def test_subprocess_refusal_is_one_line():
    result = run("stack", "--layers", "lstm 8, lstm x", "-m", "3")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [PROG + 'argument --layers: item 2 ("lstm x"): units must be a positive '
                                                 "integer, got 'x'"]


def test_full_stdout_is_one_line_and_a_failure():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "lstm_params", "stack", "-l", EXAMPLE], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == ("python -m lstm_params: error: cannot write the output: "
                                     "[Errno 28] No space left on device")


def answered(status: int, out: str, err: str) -> None:
    """An answer (status 0, stdout only) or one line of refusal (status 2, stderr only); never a traceback."""
    refusal = err.splitlines()
    assert "Traceback" not in out + err
    assert (status, bool(out), err) == (0, True, "") or (status == 2 and not out and len(refusal) == 1
                                                         and ERROR.match(refusal[0])), (status, err)


# -- no stack string gives a traceback -------------------------------------------------------------------------
WORDS = ["lstm", "gru", "simplernn", "dense", "embedding", "conv1d", "batchnormalization", "bidirectional", "LSTM",
         "seq", "no-bias", "no-reset-after", "merge=sum", "merge=none", "merge=", "merge=x", "0", "1", "3", "-2",
         "2.5", "9" * 30, str(2**63 - 1), "x", "١٢", ",", ",", ",", "\x1b[31m", "\n"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(words=st.lists(st.sampled_from(WORDS) | st.text(max_size=4), max_size=12), m=st.sampled_from([[], ["-m", "3"]]),
       joiner=st.sampled_from([" ", "", ", "]))
def test_random_stacks_never_give_a_traceback(words, m, joiner):
    answered(*run_main(["stack", "--layers", joiner.join(words), *m, "-t", "3", "-b", "2"]))


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(model=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(
    ["LSTM", "GRU", "Dense", "Embedding", "Bidirectional", "BatchNormalization", "Conv1D", "SimpleRNN"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(
        ["class_name", "units", "layer", "input_dim", "output_dim", "return_sequences", "merge_mode", "use_bias",
         "filters", "kernel_size", "reset_after", "name", "x"]), inner, max_size=5), max_leaves=12))
def test_random_model_files_never_give_a_traceback(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("m") / "m.json"
    path.write_text(json.dumps(model))
    answered(*run_main(["stack", "--model", str(path)]))


def test_readme_stack_example_is_real():
    """The README shows the stack subcommand's whole output; it must be what the command prints now."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    command = next(line for line in readme.splitlines() if line.startswith("$ python -m lstm_params stack "))
    block = readme.split(command + "\n", 1)[1].split("```", 1)[0]
    argv = [arg.strip('"') for arg in re.findall(r'"[^"]*"|\S+', command)][4:]
    status, out, err = run_main(argv)
    assert status == 0, err
    assert out == block


def test_dropout_and_activation_keep_their_mask_and_output():
    """A language model as it trains: each dropout keeps a mask, log_softmax its output: a number per feature."""
    t, b, v, d, n = 10, 4, 100, 8, 16
    layers = f"embedding {v} {d}, dropout 0.5, lstm {n} seq, dropout .25, dense {v}, activation log_softmax"
    status, out, err = run_main(["stack", "--layers", layers, "-t", str(t), "-b", str(b)])
    assert status == 0, err
    rows = table(out)
    assert [number(rows[k][2]) for k in ("dropout", "dropout_1", "activation")] == [0, 0, 0]
    kept = {name: number(rows[name][3]) for name in rows if name != "total"}
    assert kept == {"embedding": 0, "dropout": 4 * t * b * d, "lstm": 4 * t * b * (d + 7 * n),
                    "dropout_1": 4 * t * b * n, "dense": 4 * t * b * n, "activation": 4 * t * b * v}
    assert figure(out, "activations kept for the backward pass") == sum(kept.values())


@pytest.mark.parametrize(("layers", "needle"), [
    ("lstm 4, dropout", "item 2 (\"dropout\"): write dropout RATE, a number in [0, 1) such as 0.5, got 'dropout'"),
    ("lstm 4, dropout 1", "item 2 (\"dropout 1\"): rate must be a number in [0, 1)"),
    ("lstm 4, dropout -0.5", "rate must be a number in [0, 1), such as 0.5, got '-0.5'"),
    ("lstm 4, dropout 0.5 seq", "write dropout RATE"),
    ("lstm 4, activation gelu", "item 2 (\"activation gelu\"): activation must be one of 'linear', 'relu'"),
    ("lstm 4, activation", "write activation NAME, one of linear, relu, sigmoid, tanh, softmax, log_softmax"),
])
def test_bad_dropout_and_activation(layers, needle):
    assert needle in refused(["stack", "--layers", layers, "-m", "3"])


def test_model_file_with_dropout_and_activation(tmp_path: Path):
    model = [{"class_name": "LSTM", "units": 8, "input_dim": 3}, {"class_name": "Dropout", "rate": 0.2},
             {"class_name": "Dense", "units": 2}, {"class_name": "Activation", "activation": "softmax"}]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model))
    status, out, err = run_main(["stack", "--model", str(path)])
    assert status == 0, err
    rows = table(out)
    assert [number(rows[k][2]) for k in ("lstm", "dropout", "dense", "activation")] == [lstm(3, 8), 0, dense(8, 2), 0]
    assert figure(out, "Total params:") == lstm(3, 8) + dense(8, 2)
