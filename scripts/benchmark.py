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
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

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


class _MeasuringComm:
    """Stands in for the kernel's comm: JSON-encodes every message a widget sends, as the kernel would."""

    kernel = True

    def __init__(self, comm_id: str, sent: list[int]) -> None:
        self.comm_id = comm_id
        self.sent = sent

    def send(self, data: object = None, buffers: object = None, **_: object) -> None:
        self.sent.append(len(json.dumps(data)))

    def on_msg(self, *_: object) -> None:
        pass

    def close(self, *_: object, **__: object) -> None:
        pass


def bench_explorer(moves: int = 3000) -> Rows:
    """The slider explorer's update latency in the kernel over many moves (each message JSON-encoded)."""
    import random

    import lstm_params as lp

    ex = lp.explorer()
    sent: list[int] = []
    for widget in [ex.widget, *ex.controls.values(), ex.total, ex.formula, ex.memory, ex.table, ex.picture]:
        widget.comm = _MeasuringComm(widget.model_id, sent)
    rng = random.Random(0)
    plan: list[tuple[str, object]] = []
    for i in range(moves):  # mostly slider steps and jumps, with a switch every 50 moves
        if i % 50 == 49:
            name = rng.choice(["kind", "bidirectional", "use_bias", "framework", "dtype"])
            value = {"kind": rng.choice(["LSTM", "GRU", "SimpleRNN"]), "bidirectional": rng.random() < 0.5,
                     "use_bias": rng.random() < 0.8, "framework": rng.choice(["Keras", "PyTorch"]),
                     "dtype": rng.choice(sorted(lp.DTYPE_BYTES))}[name]
            plan.append((name, value))
        else:
            name = rng.choice(["input_dim", "units"])
            current = int(ex.controls[name].value)
            plan.append((name, current + rng.choice([-1, 1]) if rng.random() < 0.7 else rng.randint(1, 4096)))
    for kind in ("GRU", "SimpleRNN", "LSTM"):  # warm up every path once
        for framework in ("PyTorch", "Keras"):
            ex.set(kind=kind, framework=framework)
    sent.clear()
    times = []
    for name, value in plan:
        before = ex.updates
        start = time.perf_counter()
        ex.controls[name].value = value  # runs the update and sends the changed outputs
        elapsed = time.perf_counter() - start
        if ex.updates > before:  # a move onto the same (or a clamped, unchanged) value does nothing
            times.append(elapsed)
    ms = sorted(t * 1000 for t in times)
    return [("moves (that changed a value)", f"{moves} ({len(ms)})"),
            ("median per update", f"{statistics.median(ms):.2f} ms"),
            ("95th / 99th percentile", f"{ms[int(0.95 * len(ms))]:.2f} ms / {ms[int(0.99 * len(ms))]:.2f} ms"),
            ("max", f"{ms[-1]:.2f} ms (budget: 50 ms)"),
            ("sent per update", f"{sum(sent) / len(ms) / 1024:.1f} KiB of JSON")]


def bench_plots(repeat: int = 3) -> Rows:
    """Time to draw each plot helper at its defaults (Agg backend, median of runs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import lstm_params as lp
    from lstm_params import plots

    layer = lp.LSTM(256, input_dim=4096)
    helpers: dict[str, Callable[[], object]] = {
        "params_vs_units": plots.params_vs_units,
        "params_vs_input_dim": plots.params_vs_input_dim,
        "params_vs_timesteps": plots.params_vs_timesteps,
        "params_heatmap": plots.params_heatmap,
        "kind_ratios": plots.kind_ratios,
        "terms_vs_units": plots.terms_vs_units,
        "weight_matrices": lambda: plots.weight_matrices(layer),
        "weights_svg (no matplotlib)": lambda: plots.weights_svg(layer),
    }
    rows = []
    for name, draw in helpers.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            draw()
            times.append(time.perf_counter() - start)
            plt.close("all")
        rows.append((name, f"{statistics.median(times) * 1000:.1f} ms"))
    return rows


# -- the explorer web app in a real browser (make app + headless Chromium) --------------------------
# Timestamps are taken inside the page (performance.now(), whose zero is the start of navigation):
# when the total first appears, and from each keydown to the first change of the total that follows.
_BROWSER_PROBE = """
window.__lp = {presses: [], pictures: [], down: null, downPicture: null};
new MutationObserver((_, observer) => {
  const total = document.querySelector('.lp-total-number');
  if (total && total.textContent) { window.__lp.firstTotal = performance.now(); observer.disconnect(); }
}).observe(document, {childList: true, subtree: true, characterData: true});
document.addEventListener('keydown', () => {
  window.__lp.down = performance.now(); window.__lp.downPicture = window.__lp.down;
}, true);
"""
_WATCH_OUTPUTS = """() => {
  const watch = (selector, list, key) => new MutationObserver(() => {
    if (window.__lp[key] === null) return;
    window.__lp[list].push(performance.now() - window.__lp[key]);
    window.__lp[key] = null;
  }).observe(document.querySelector(selector), {childList: true, subtree: true, characterData: true});
  watch('.lp-total', 'presses', 'down');
  watch('.lp-picture', 'pictures', 'downPicture');
}"""


def _press_right(page: Any, presses: int) -> tuple[int, int]:
    """Press the right arrow on the n slider ``presses`` times, timing each (window.__lp); return (n before, m)."""
    page.evaluate(_WATCH_OUTPUTS)
    page.locator(".lp-units .noUi-handle").focus()
    n = int(page.inner_text(".lp-units .widget-readout"))
    for i in range(presses):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => window.__lp.presses.length > {i} && window.__lp.pictures.length > {i}")
        page.wait_for_timeout(50)  # a person's presses are apart; let this one settle
    return n, int(page.inner_text(".lp-input-dim .widget-readout"))


def _serve_app() -> ModuleType:
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_app", ROOT / "scripts" / "serve_app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_app"] = module
    spec.loader.exec_module(module)
    return module


def bench_browser(loads: int = 5, presses: int = 20) -> Rows:
    """The explorer app (make app) in headless Chromium: page load to first total, key press to new total."""
    from playwright.sync_api import sync_playwright

    import lstm_params as lp

    serve_app = _serve_app()
    start = time.perf_counter()
    with serve_app.RunningApp() as app, sync_playwright() as p:
        started = time.perf_counter() - start
        browser = serve_app.launch_chromium(p)
        load_ms = []
        for i in range(loads + 1):  # the first load warms Voila up and is not counted
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.add_init_script(_BROWSER_PROBE)
            page.goto(app.url)
            page.wait_for_function("() => window.__lp.firstTotal !== undefined", timeout=60_000)
            if i > 0:
                load_ms.append(page.evaluate("() => window.__lp.firstTotal"))
            if i < loads:
                page.close(run_before_unload=True)
        n, m = _press_right(page, presses)
        shown = page.inner_text(".lp-total-number")
        assert shown == f"{lp.LSTM(n + presses, input_dim=m).params:,}", shown  # the page ended right
        key_ms = page.evaluate("() => window.__lp.presses")
        picture_ms = page.evaluate("() => window.__lp.pictures")
        browser.close()
    return [("make app: start to address", f"{started:.1f} s"),
            (f"page load to first total ({loads})", f"median {statistics.median(load_ms):.0f} ms, "
                                                    f"max {max(load_ms):.0f} ms"),
            (f"key press to new total ({presses})", f"median {statistics.median(key_ms):.1f} ms, "
                                                   f"max {max(key_ms):.1f} ms (instant: < 100 ms)"),
            ("key press to redrawn picture", f"median {statistics.median(picture_ms):.1f} ms, "
                                             f"max {max(picture_ms):.1f} ms")]


# -- the book's live explorer (Pyodide in headless Chromium, no server but a static one) ---------------------
LIVE_COLD_BUDGET_S = 8.0  # cold load to the first live total, on a 2-core machine
LIVE_KEY_BUDGET_MS = 50.0  # key press to the updated total


def _live_site() -> Path:
    """The built book's live explorer (make site's _site/live), or a fresh build of it in build/bench-live."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_book
    import live_explorer

    if (ROOT / "_site" / build_book.LIVE_PAGE).is_file():
        return ROOT / "_site"
    out = ROOT / "build" / "bench-live"
    if not (out / build_book.LIVE_PAGE).is_file():
        snapshot = build_book.stored_snapshot(sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        live_explorer.build_live(out / "live", ROOT / "build" / "bench-live-work", snapshot)
    return out


def bench_live(loads: int = 3, presses: int = 20) -> Rows:
    """The book's live explorer in headless Chromium: cold load to first live total, key press to new total."""
    from playwright.sync_api import sync_playwright

    import lstm_params as lp

    site = _live_site()
    import build_book  # on sys.path since _live_site

    cold_ms: list[float] = []
    warm_ms: list[float] = []
    with build_book.Served(site) as url, sync_playwright() as p:
        browser = _serve_app().launch_chromium(p)
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 1280, "height": 1500})  # empty cache: a cold load
            page = None
            for times in (cold_ms, warm_ms):  # then again in the same profile (HTTP and code caches warm)
                page = context.new_page()
                page.add_init_script(_BROWSER_PROBE)
                page.goto(url + build_book.LIVE_PAGE)
                page.wait_for_function("() => window.lpLiveReadyAt !== undefined", timeout=120_000)
                times.append(page.evaluate("() => window.lpLiveReadyAt"))
                if times is cold_ms:
                    page.close()
            assert page is not None
            if len(cold_ms) < loads:
                context.close()
        n, m = _press_right(page, presses)
        shown = page.inner_text("#rendered_cells .lp-total-number")
        assert shown == f"{lp.LSTM(n + presses, input_dim=m).params:,}", shown  # the page ended right
        key_ms = page.evaluate("() => window.__lp.presses")
        browser.close()
    cold, key = statistics.median(cold_ms) / 1000, statistics.median(key_ms)

    def verdict(ok: bool) -> str:
        return "within budget" if ok else "OVER budget"

    return [(f"cold load to first total ({loads})", f"median {cold:.1f} s, max {max(cold_ms) / 1000:.1f} s "
                                                   f"(budget {LIVE_COLD_BUDGET_S:.0f} s: "
                                                   f"{verdict(cold <= LIVE_COLD_BUDGET_S)})"),
            (f"second visit, same profile ({loads})", f"median {statistics.median(warm_ms) / 1000:.1f} s"),
            (f"key press to new total ({presses})", f"median {key:.1f} ms, max {max(key_ms):.1f} ms "
                                                   f"(budget {LIVE_KEY_BUDGET_MS:.0f} ms: "
                                                   f"{verdict(key <= LIVE_KEY_BUDGET_MS)})"),
            ("machine", f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")]


SECTIONS: dict[str, Callable[[], Rows]] = {
    "import": bench_import,
    "cli": bench_cli,
    "explorer": bench_explorer,
    "plots": bench_plots,
    "browser": bench_browser,
    "live": bench_live,
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
