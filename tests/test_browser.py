"""The explorer app (``make app``) in a real browser (the book, ``make site``, is tests/test_book.py).

Headless Debian Chromium (/usr/bin/chromium) driven by Playwright, launched as
``scripts/serve_app.py`` says (no sandbox, no background networking). A missing
browser is an error, never a skip. The app is started exactly as ``make app``
starts it, on a free port of 127.0.0.1; the tests use it as a person does: focus a
slider's handle and press keys, type into the number beside it, click the buttons,
and read the numbers on the page. Every number read is compared with this package
(and, for the total, with a real Keras or PyTorch layer of the same shape).

Screenshots land in test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import lstm_params as lp
from lstm_params import pytorch as lpt

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 20_000  # one kernel round trip is milliseconds; this only bounds a hang


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


serve_app = _script("serve_app")


def screenshot(page: Any, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    return path


# -- fixtures ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def playwright_expect() -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = serve_app.launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    """``make app``'s command, in the background on a free port."""
    with serve_app.RunningApp() as running:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]{40,}", running.url), running.url
        yield running


def test_closing_a_tab_may_shut_its_kernel_down(app: Any) -> None:
    """Voila's page POSTs /voila/api/shutdown/<kernel> on unload: the reader's request reaches the handler.

    (The page's own request, with its _xsrf cookie, is checked in tests/test_app_security.py.)
    """
    import urllib.error
    import urllib.request

    url = f"{app.root}voila/api/shutdown/no-such-kernel?token={app.token}"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10)
    assert info.value.code == 404  # reached the handler (no such kernel); a 403 would mean it was refused


@dataclass
class Watched:
    """A page and what went wrong on it: requests that left the machine, JavaScript errors."""

    page: Any
    local: tuple[str, ...]
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        assert not self.outside, f"the page asked the network for {self.outside}"
        assert not self.errors, f"errors in the page: {self.errors}"


def watch(page: Any, *local: str) -> Watched:
    watched = Watched(page, local)

    def on_request(request: Any) -> None:
        if not request.url.startswith((*local, "data:", "about:", "blob:")):
            watched.outside.append(request.url)

    def on_console(msg: Any) -> None:
        # MathJax 2 declares a test font at about:blank, which a file:// page may not load: harmless
        blank_font = msg.location.get("url") == "about:blank" or "font at 'about:blank'" in msg.text
        if msg.type == "error" and not blank_font:
            watched.errors.append(f"{msg.text} ({msg.location.get('url')})")

    page.on("request", on_request)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("console", on_console)
    return watched


@pytest.fixture
def page(browser: Any, app: Any, playwright_expect: Any) -> Iterator[Any]:
    """A fresh explorer page (a fresh kernel), loaded until its total shows."""
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    tab = context.new_page()
    watched = watch(tab, app.root.rstrip("/"), app.root.replace("http", "ws", 1).rstrip("/"))
    tab.goto(app.url)
    playwright_expect(tab.locator(".lp-total .lp-total-number")).to_be_visible()
    tab.watched = watched
    yield tab
    # Leaving the page sends Voila's unload request, which shuts its kernel down (Playwright's close() does not
    # send it; its kernel would stay, counted against the app's cap, until culled).
    tab.goto("about:blank")
    tab.close()
    context.close()
    watched.check()


# -- reading the page --------------------------------------------------------------------
def slider(page: Any, name: str) -> tuple[Any, Any]:
    """The handle (the thing a person focuses and moves) and the number beside it."""
    box = page.locator(f".lp-{name}")
    return box.locator(".noUi-handle"), box.locator(".widget-readout")


def readout(page: Any, name: str) -> int:
    return int(slider(page, name)[1].inner_text())


def checked(page: Any, name: str) -> bool:
    return bool(page.locator(f".lp-{name} input[type=checkbox]").is_checked())


def active(page: Any, name: str) -> str:
    return str(page.locator(f".lp-{name} button.mod-active").get_attribute("data-value"))


def digits(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def shown_rows(page: Any) -> list[tuple[str, str, int]]:
    """The per-gate table as a person reads it: direction, gate, and the bold count at the end."""
    rows = []
    for row in page.locator(".lp-table tr.lp-gate-row").all():
        shown = digits(row.locator("td").last.inner_text())
        assert shown == int(row.get_attribute("data-params")), "the row's text and data disagree"
        rows.append((row.get_attribute("data-direction") or "", row.get_attribute("data-gate") or "", shown))
    return rows


# -- what the page must show -------------------------------------------------------------
def package_layer(kind: str, m: int, n: int, use_bias: bool, bidirectional: bool, framework: str) -> lp.Layer:
    """The package's own layer for these settings, built from its public classes."""
    if framework == "PyTorch":
        cls = {"LSTM": lpt.LSTM, "GRU": lpt.GRU, "SimpleRNN": lpt.RNN}[kind]
        return cls(input_size=m, hidden_size=n, bias=use_bias, bidirectional=bidirectional)
    layer = {"LSTM": lp.LSTM, "GRU": lp.GRU, "SimpleRNN": lp.SimpleRNN}[kind](n, input_dim=m, use_bias=use_bias)
    return lp.Bidirectional(layer) if bidirectional else layer


def expected_rows(layer: lp.Layer, bidirectional: bool) -> list[tuple[str, str, int]]:
    """(direction, gate, parameters) summed from the layer's weight list, in storage order."""
    sums: dict[tuple[str, str], int] = {}
    for w in layer.weights:
        # Keras weights carry their direction; PyTorch names the backward tensors "..._reverse"
        direction = (w.direction or ("backward" if w.variable.endswith("_reverse") else "forward")
                     if bidirectional else "")
        sums[(direction, w.gate)] = sums.get((direction, w.gate), 0) + w.size
    return [(direction, gate, count) for (direction, gate), count in sums.items()]


@cache
def framework_count(kind: str, m: int, n: int, use_bias: bool, bidirectional: bool, framework: str) -> int:
    """The same layer built in real Keras 3 / PyTorch (zeros init: the count, fast at any size)."""
    if framework == "PyTorch":
        torch = lp.import_torch()
        module = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[kind](
            m, n, bias=use_bias, bidirectional=bidirectional, device="meta")
        return sum(p.numel() for p in module.parameters())
    keras = lp.import_keras()
    layer = getattr(keras.layers, kind)(n, use_bias=use_bias, kernel_initializer="zeros",
                                        recurrent_initializer="zeros")
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    inputs = keras.Input((None, m))
    return int(keras.Model(inputs, layer(inputs)).count_params())


def assert_shows(page: Any, expect: Any, *, m: int, n: int, kind: str = "LSTM", use_bias: bool = True,
                 bidirectional: bool = False, framework: str = "Keras") -> int:
    """The page shows m and n, and the total and per-gate rows the package counts for them."""
    expect(slider(page, "input-dim")[1]).to_have_text(str(m))
    expect(slider(page, "units")[1]).to_have_text(str(n))
    layer = package_layer(kind, m, n, use_bias, bidirectional, framework)
    expect(page.locator(".lp-total .lp-total-number")).to_have_text(f"{layer.params:,}")
    expect(page.locator(".lp-table tr.lp-total-row")).to_have_attribute("data-params", str(layer.params))
    assert shown_rows(page) == expected_rows(layer, bidirectional)
    assert sum(count for _, _, count in shown_rows(page)) == layer.params
    assert layer.params == framework_count(kind, m, n, use_bias, bidirectional, framework)
    # the slider's handle agrees with its number (aria-valuenow is what a screen reader says)
    for name, value in (("input-dim", m), ("units", n)):
        assert float(slider(page, name)[0].get_attribute("aria-valuenow")) == value
    return layer.params


def type_into(page: Any, name: str, text: str) -> None:
    """Click the number beside a slider, replace it with ``text`` and press Enter."""
    number = slider(page, name)[1]
    number.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def press(page: Any, name: str, *keys: str) -> None:
    handle = slider(page, name)[0]
    handle.focus()
    for key in keys:
        page.keyboard.press(key)


# -- the app -----------------------------------------------------------------------------
def test_the_app_shows_the_explorer_and_no_code(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    expect(page.locator("h1")).to_contain_text("How many parameters")
    assert page.locator(".jp-InputArea-editor, .jp-InputPrompt, .cm-editor").count() == 0, "code cells are visible"
    for name in ("input-dim", "units", "kind", "use-bias", "bidirectional", "total", "table", "picture"):
        expect(page.locator(f".lp-{name}")).to_be_visible()
    m, n = readout(page, "input-dim"), readout(page, "units")
    assert (active(page, "kind"), checked(page, "use-bias"), checked(page, "bidirectional")) == ("LSTM", True, False)
    assert_shows(page, expect, m=m, n=n)
    expect(page.locator(".lp-total")).to_contain_text("parameters")
    picture = page.locator(".lp-picture svg")
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box["width"] > 200 and box["height"] > 50, box
    screenshot(page, "app-start.png")
    page.watched.check()


def test_keyboard_on_the_slider_handles(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    m, n = readout(page, "input-dim"), readout(page, "units")
    n_max = int(float(slider(page, "units")[0].get_attribute("aria-valuemax")))
    m_max = int(float(slider(page, "input-dim")[0].get_attribute("aria-valuemax")))
    press(page, "units", "ArrowRight")
    assert_shows(page, expect, m=m, n=n + 1)
    press(page, "units", "ArrowLeft", "ArrowLeft")
    assert_shows(page, expect, m=m, n=n - 1)
    press(page, "units", "PageUp")  # a big step: five
    assert_shows(page, expect, m=m, n=n + 4)
    press(page, "units", "End")
    assert_shows(page, expect, m=m, n=n_max)
    press(page, "units", "Home")
    assert_shows(page, expect, m=m, n=1)
    press(page, "input-dim", "Home", "ArrowUp", "ArrowUp")
    assert_shows(page, expect, m=3, n=1)
    press(page, "input-dim", "End", "PageDown")
    assert_shows(page, expect, m=m_max - 5, n=1)
    screenshot(page, "app-keyboard.png")
    page.watched.check()


def test_typing_into_the_numbers(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    type_into(page, "input-dim", "300")
    type_into(page, "units", "64")
    assert_shows(page, expect, m=300, n=64)
    type_into(page, "units", "100")
    type_into(page, "input-dim", "25")
    assert_shows(page, expect, m=25, n=100)  # the package's docstring example: 50,400
    expect(page.locator(".lp-total-number")).to_have_text("50,400")
    screenshot(page, "app-typed.png")
    page.watched.check()


def test_out_of_range_or_nonsense_typing_leaves_the_app_working(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    m = readout(page, "input-dim")
    n_max = int(float(slider(page, "units")[0].get_attribute("aria-valuemax")))
    type_into(page, "units", "99999")  # above the slider: clamped to its maximum
    assert_shows(page, expect, m=m, n=n_max)
    type_into(page, "units", "0")  # below: clamped to the minimum
    assert_shows(page, expect, m=m, n=1)
    type_into(page, "units", "40")
    type_into(page, "input-dim", "-7")
    assert_shows(page, expect, m=1, n=40)
    type_into(page, "input-dim", "12.7")  # a fraction: the whole part
    assert_shows(page, expect, m=12, n=40)
    for nonsense in ("abc", "", "--", "x9"):  # not a number: the value stays
        type_into(page, "units", nonsense)
        assert_shows(page, expect, m=12, n=40)
    press(page, "units", "ArrowRight")  # and the slider still answers
    assert_shows(page, expect, m=12, n=41)
    screenshot(page, "app-after-bad-input.png")
    page.watched.check()


def test_rapid_key_presses_and_dragging(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    m, n = readout(page, "input-dim"), readout(page, "units")
    handle = slider(page, "units")[0]
    handle.focus()
    for _ in range(40):  # as fast as the browser takes them, no waiting in between
        page.keyboard.press("ArrowRight")
    assert_shows(page, expect, m=m, n=n + 40)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 31):  # a quick drag to the right, then back a little
        page.mouse.move(x + 9 * step, y)
    for step in range(1, 6):
        page.mouse.move(x + 270 - 7 * step, y)
    page.mouse.up()
    expect(slider(page, "units")[1]).not_to_have_text(str(n + 40))
    page.wait_for_timeout(300)  # the last drag messages reach the kernel; then the page must settle right
    dragged = readout(page, "units")
    assert n + 40 < dragged <= int(float(handle.get_attribute("aria-valuemax")))
    assert_shows(page, expect, m=m, n=dragged)
    page.watched.check()


def test_layer_kind_bias_direction_and_framework_switches(page: Any, playwright_expect: Any) -> None:
    expect = playwright_expect
    type_into(page, "input-dim", "32")
    type_into(page, "units", "64")
    assert_shows(page, expect, m=32, n=64)
    page.locator(".lp-kind button[data-value=GRU]").click()
    assert_shows(page, expect, m=32, n=64, kind="GRU")
    assert [gate for _, gate, _ in shown_rows(page)] == ["update", "reset", "candidate"]
    expect(page.locator(".lp-reset-after input")).to_be_enabled()
    page.locator(".lp-kind button[data-value=SimpleRNN]").click()
    assert_shows(page, expect, m=32, n=64, kind="SimpleRNN")
    assert len(shown_rows(page)) == 1
    page.locator(".lp-kind button[data-value=LSTM]").click()
    expect(page.locator(".lp-reset-after input")).to_be_disabled()
    page.locator(".lp-use-bias input").click()
    assert_shows(page, expect, m=32, n=64, use_bias=False)
    page.locator(".lp-use-bias input").click()
    page.locator(".lp-bidirectional input").click()
    assert_shows(page, expect, m=32, n=64, bidirectional=True)
    assert {direction for direction, _, _ in shown_rows(page)} == {"forward", "backward"}
    screenshot(page, "app-bidirectional.png")
    page.locator(".lp-framework button[data-value=PyTorch]").click()
    assert_shows(page, expect, m=32, n=64, bidirectional=True, framework="PyTorch")
    page.locator(".lp-bidirectional input").click()
    page.locator(".lp-kind button[data-value=GRU]").click()
    assert_shows(page, expect, m=32, n=64, kind="GRU", framework="PyTorch")
    screenshot(page, "app-pytorch-gru.png")
    page.watched.check()
