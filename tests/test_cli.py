"""The command line, run as a reader runs it: a subprocess."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lstm_params", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_lstm_256_on_4096():
    result = run("lstm", "--input-dim", "4096", "--units", "256")
    assert result.returncode == 0, result.stderr
    assert "Total params: 4,457,472" in result.stdout  # the number model.summary() printed on the page
    for gate in ("input", "forget", "cell", "output"):
        assert f"{gate} 1,114,368" in result.stdout  # 256·(4096 + 256 + 1) per gate
    assert "kernel[:, 256:512]" in result.stdout
    assert "4(nm + n² + n)" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(("args", "total"), [
    (["gru", "-m", "25", "-n", "100"], "Total params: 38,100"),  # 3·100·(25 + 100 + 2)
    (["gru", "-m", "25", "-n", "100", "--no-reset-after"], "Total params: 37,800"),  # 3·100·126
    (["simplernn", "-m", "3", "-n", "4"], "Total params: 32"),
    (["lstm", "-m", "25", "-n", "100", "--no-bias"], "Total params: 50,000"),  # 4·100·125
    (["lstm", "-m", "25", "-n", "100", "--bidirectional"], "Total params: 100,800"),
    (["gru", "-m", "25", "-n", "100", "--bidirectional", "--merge-mode", "none"], "Total params: 76,200"),
])
def test_kinds_and_flags(args, total):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert total in result.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["lstm", "--input-dim", "0", "--units", "8"], "argument --input-dim/-m: must be a positive integer, got '0'"),
    (["lstm", "--input-dim", "4", "--units", "2.5"], "argument --units/-n: must be a positive integer, got '2.5'"),
    (["lstm", "--input-dim", "4", "--units", "-1"], "argument --units/-n: must be a positive integer, got '-1'"),
    (["lstm", "--input-dim", "x", "--units", "8"], "got 'x'"),
    (["lstm", "--units", "8"], "the following arguments are required: --input-dim/-m"),
    (["lstm", "-m", "4", "-n", "8", "--reset-after"], "unrecognized arguments: --reset-after"),
    (["lstm", "-m", "4", "-n", "8", "--bidirectional", "--merge-mode", "avg"], "argument --merge-mode"),
    (["conv"], "invalid choice: 'conv'"),
    ([], "the following arguments are required"),
])
def test_bad_values_exit_2_with_one_line(args, needle):
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_help_explains():
    result = run("--help")
    assert result.returncode == 0
    assert "lstm" in result.stdout and "gru" in result.stdout and "simplernn" in result.stdout
    sub = run("gru", "--help")
    assert "--no-reset-after" in sub.stdout and "--input-dim" in sub.stdout and "--no-bias" in sub.stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["lstm", "-m", "4", "-n", "3", "--merge-mode", "sum"],
     "--merge-mode is a Bidirectional option: add --bidirectional (got --merge-mode sum)"),
    (["lstm", "-m", "4", "-n", "3", "--optimizer", "sgd"],
     "--optimizer only changes the --dtype figures: add --dtype (got --optimizer sgd)"),
    (["lstm", "-m", "4", "-n", "3", "--num-layers", "1"], "--num-layers is a PyTorch option"),
    (["lstm", "-m", "4", "-n", "3", "--proj-size", "0"], "--proj-size is a PyTorch option"),
    (["gru", "-m", "4", "-n", "3", "--framework", "pytorch", "--reset-after"],
     "--reset-after is a Keras GRU option: nn.GRU always applies the reset gate after the recurrent matmul"),
    (["lstm", "-m", "4", "-n", "3", "-n", "5"], "argument --units/-n: given twice (3, then 5)"),
    (["lstm", "-m", "4", "-n", "3", "--bidirectional", "--bidirectional"], "argument --bidirectional: given twice"),
    (["gru", "-m", "4", "-n", "3", "--reset-after", "--no-reset-after"], "given twice"),
    (["lstm", "-m", "4", "-n", "9223372036854775808"],
     "argument --units/-n: must be a positive integer at most 9223372036854775807, got '9223372036854775808'"),
    (["lstm", "-m", "4", "-n", "3", "--framework", "pytorch", "--num-layers", "1" + "0" * 30],
     "argument --num-layers: must be a positive integer at most 9223372036854775807, got '1000000"),
])
def test_ignored_or_repeated_flags_exit_2_with_one_line(args, needle):
    result = run(*args)
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]


def test_a_million_pytorch_layers_are_counted_at_once():
    result = run("lstm", "-m", "8", "-n", "8", "--framework", "pytorch", "--num-layers", "1000000")
    assert result.returncode == 0, result.stderr
    assert "Total params: 576,000,000 (" in result.stdout  # 4n(m + n + 2) = 576 per layer, as m = n = 8
    assert "layers 2 to 999,999, each like layer 1" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("args", [["lstm", "-m", "4", "-n", "3"], ["--help"], ["gru", "--help"]])
def test_full_stdout_is_one_line_and_a_failure(args):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "lstm_params", *args], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == ("python -m lstm_params: error: cannot write the output: "
                                     "[Errno 28] No space left on device")


def test_closed_pipe_is_quiet():
    """`... | head -c1`: the reader went away; no traceback, no 'Exception ignored' at exit."""
    child = subprocess.Popen([sys.executable, "-m", "lstm_params", "lstm", "-m", "4", "-n", "300", "--dtype",
                              "float32"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # before the child writes: its first write meets a closed pipe
    _, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert err == b""


def test_head_c1():
    result = subprocess.run(f"'{sys.executable}' -m lstm_params lstm -m 4 -n 300 | head -c1", shell=True,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout == "L" and result.stderr == ""
