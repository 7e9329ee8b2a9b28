"""Benchmarks (run by hand or with `make bench`; never a timed test).

Each ``bench_*`` function measures one thing and returns rows of (label, value);
``main`` runs them all, or those named on the command line:

    python scripts/benchmark.py            # everything
    python scripts/benchmark.py import cli # only those sections
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
Rows = list[tuple[str, str]]

# Runs a command in a child and reports its wall time and peak memory (the only child of this wrapper).
_MEASURE = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mib": peak_kib / 1024, "rc": out.returncode, "stdout": out.stdout}))
"""


def measure(cmd: list[str]) -> dict[str, float | str]:
    """Wall time and peak resident memory of one run of ``cmd``."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, env=ENV, check=True)
    result: dict[str, float | str] = json.loads(out.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{cmd} failed")
    return result


def median_of(cmd: list[str], repeat: int) -> tuple[float, float, str]:
    runs = [measure(cmd) for _ in range(repeat)]
    seconds = statistics.median(float(r["seconds"]) for r in runs)
    peak = statistics.median(float(r["peak_mib"]) for r in runs)
    return seconds, peak, str(runs[-1]["stdout"])


def _import_seconds(module: str, repeat: int) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def bench_import(repeat: int = 5) -> Rows:
    """Import time of lstm_params against import keras (median of fresh interpreters)."""
    ours = _import_seconds("lstm_params", repeat)
    keras = _import_seconds("keras", max(2, repeat // 2))
    return [("import lstm_params", f"{ours * 1000:.1f} ms"), ("import keras", f"{keras * 1000:.0f} ms"),
            ("ratio", f"{keras / ours:.0f}x faster")]


KERAS_ANSWER = """
import keras
inputs = keras.Input((16, 4096))
model = keras.Model(inputs, keras.layers.LSTM(256)(inputs))
print(model.count_params())
"""


def bench_cli(repeat: int = 5) -> Rows:
    """The CLI's answer to LSTM(256) on 4096 inputs against building it in Keras: time and peak memory."""
    cli_s, cli_mib, cli_out = median_of([sys.executable, "-m", "lstm_params", "lstm", "--input-dim", "4096",
                                         "--units", "256"], repeat)
    keras_s, keras_mib, keras_out = median_of([sys.executable, "-c", KERAS_ANSWER], max(2, repeat // 2))
    assert "4,457,472" in cli_out and keras_out.strip() == "4457472", (cli_out, keras_out)
    return [("CLI answer (4,457,472)", f"{cli_s * 1000:.0f} ms, {cli_mib:.0f} MiB peak"),
            ("Keras count_params()", f"{keras_s * 1000:.0f} ms, {keras_mib:.0f} MiB peak"),
            ("CLI vs Keras", f"{keras_s / cli_s:.0f}x faster, {keras_mib / cli_mib:.0f}x lighter")]


SECTIONS: dict[str, Callable[[], Rows]] = {
    "import": bench_import,
    "cli": bench_cli,
}


def main(argv: list[str]) -> int:
    names = argv or list(SECTIONS)
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        print(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
        return 2
    for name in names:
        print(f"## {name}: {SECTIONS[name].__doc__}")
        for label, value in SECTIONS[name]():
            print(f"  {label:32s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
