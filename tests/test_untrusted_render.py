"""The notebooks as a reader who has just cloned the repository sees them: untrusted, in JupyterLab.

A notebook that was not run on this machine is untrusted, and JupyterLab then renders its
stored outputs with safe renderers only: ``text/html`` through a sanitizer that drops
``<style>`` and ``<svg>`` (the labels inside an SVG stay behind as run-on text),
``image/svg+xml`` not at all (that renderer is marked unsafe), ``image/png`` as an image,
and widget views not at all (their fallback HTML shows instead). GitHub, nbviewer and
VS Code are as strict. So the notebooks are copied into a fresh folder, served by
JupyterLab with an empty trust database (a temporary ``JUPYTER_DATA_DIR``) on a free port
of 127.0.0.1 with a token, and each is opened in headless Debian Chromium, which must show:

(a) every stored picture (each ``image/png`` or ``image/svg+xml`` output) as an ``<img>``
    of non-zero size;
(b) every HTML output with exactly the text its HTML holds outside ``<style>``,
    ``<script>`` and ``<svg>``: the text a trusted render shows, no more (no run-on text
    from a stripped SVG) and no less;
(c) the notebook unmodified once its kernel is up (no dirty mark on its tab), which holds
    only when the stored kernelspec is what the kernel says about itself.

Nothing may leave the machine: JupyterLab's news and update checks and its extension
manager are off, and the browser aborts (and the test reports) any request that is not
for the local server. A screenshot per notebook goes to test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TIMEOUT_MS = 60_000  # JupyterLab's first load on a busy 2-core machine; this only bounds a hang
PICTURES = ("image/png", "image/svg+xml", "image/jpeg", "image/gif")
# User settings of the fresh JupyterLab: every cell in the page (not only those scrolled to), no news, no update check.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                       "checkForUpdates": False},
}

_spec = importlib.util.spec_from_file_location("serve_app", ROOT / "scripts" / "serve_app.py")
assert _spec and _spec.loader
serve_app = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(serve_app)  # launch_chromium, free_port: the browser tests' Chromium and ports


# -- what the file says a reader should see ------------------------------------------------
class _VisibleText(HTMLParser):
    """The text of an HTML fragment that a browser draws as text: not inside <style>, <script> or <svg>."""

    HIDDEN = frozenset({"style", "script", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html_text: str) -> str:
    """The visible text of ``html_text`` with all whitespace removed (layout decides the whitespace).

    >>> visible_text("<style>td{x:1}</style><b>4,457,472</b> parameters<svg><title>W_i</title></svg>")
    '4,457,472parameters'
    """
    parser = _VisibleText()
    parser.feed(html_text)
    parser.close()
    return "".join("".join(parser.parts).split())


@dataclass
class Expected:
    """Per code cell of a notebook, in order: how many pictures it stores, and the visible text of its HTML outputs."""

    pictures: list[int] = field(default_factory=list)
    html: list[list[str]] = field(default_factory=list)


def expected(path: Path) -> Expected:
    out = Expected()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        data = [o.get("data", {}) for o in cell.get("outputs", [])]
        out.pictures.append(sum(any(mime in d for mime in PICTURES) for d in data))
        html = ["".join(d["text/html"]) if isinstance(d["text/html"], list) else d["text/html"]
                for d in data if "text/html" in d]  # the first safe renderer: HTML outputs show as HTML
        out.html.append([visible_text(h) for h in html])
    return out


# -- JupyterLab on a fresh clone, and the browser ------------------------------------------
@dataclass
class Lab:
    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a copy of notebooks/ with an empty trust database, on a free port of 127.0.0.1."""
    clone = tmp_path_factory.mktemp("fresh-clone")
    (clone / "notebooks").mkdir()
    for path in NOTEBOOKS:
        shutil.copyfile(path, clone / "notebooks" / path.name)  # bytes only: no signature, no checkpoint
    home = tmp_path_factory.mktemp("jupyter")
    for name, values in SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values), encoding="utf-8")
    env = {**os.environ, **serve_app.ENV, "JUPYTER_DATA_DIR": str(home / "data"),  # nbsignatures.db: empty
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_CONFIG_DIR": str(home / "config")}
    port, token = serve_app.free_port(), secrets.token_hex(16)
    options = [f"--ServerApp.ip={serve_app.HOST}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={clone}", "--no-browser",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    log = home / "jupyterlab.log"
    with log.open("wb") as sink:  # started as `make lab` starts it (scripts/lab.py adds --allow-root as root)
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "lab.py"), *options], cwd=clone, env=env,
                                   stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    server = Lab(f"http://{serve_app.HOST}:{port}", token, process, log)
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            try:
                server.api("GET", "/api/status")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.5)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the server and the kernels it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class Browser:
    context: Any
    outside: list[str]  # requests for anything but the local server, aborted
    errors: list[str]  # console errors and uncaught exceptions of every page


@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = serve_app.launch_chromium(p)
        context = chromium.new_context(viewport={"width": 1280, "height": 1400})
        context.set_default_timeout(TIMEOUT_MS)
        outside: list[str] = []

        def local_only(route: Any) -> None:
            if route.request.url.startswith(f"{lab.url}/") or route.request.url.startswith("data:"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        errors: list[str] = []
        context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        context.on("weberror", lambda e: errors.append(str(e.error)))
        yield Browser(context, outside, errors)
        chromium.close()


# What the page shows, per code cell: each HTML output's text and each picture's size once loaded.
_RENDERED = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell.jp-CodeCell')].map(cell => ({
  html: [...cell.querySelectorAll('.jp-OutputArea .jp-RenderedHTML')].map(e => e.innerText),
  pictures: [...cell.querySelectorAll('.jp-OutputArea .jp-RenderedImage img')].map(img => {
    const box = img.getBoundingClientRect();
    return {complete: img.complete, natural: img.naturalWidth, width: box.width, height: box.height};
  }),
}))"""
_IMAGES_LOADED = ("() => [...document.querySelectorAll('.jp-RenderedImage img')]"
                  ".every(i => i.complete && i.naturalWidth > 0)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_opens_untrusted_draws_every_picture_and_stays_unmodified(lab: Lab, browser: Browser, path: Path) -> None:
    served = lab.api("GET", f"/api/contents/notebooks/{path.name}")["content"]
    assert not any(c["metadata"].get("trusted") for c in served["cells"] if c["cell_type"] == "code"), \
        "the notebook must be untrusted, as on a fresh clone"
    want = expected(path)
    kernel = lab.api("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]["display_name"]
    page = browser.context.new_page()
    try:
        page.goto(f"{lab.url}/lab/workspaces/{path.stem}/tree/notebooks/{path.name}?reset&token={lab.token}")
        page.wait_for_function(f"() => document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell').length "
                               f"== {len(want.pictures)}")
        # Its kernel is up (the status bar says so; the toolbar's indicator says idle before any kernel exists):
        # JupyterLab has then written the kernel's spec and language into the notebook, dirtying it if they differ.
        page.locator(".jp-StatusBar-TextItem", has_text=f"{kernel} | Idle").wait_for()
        page.wait_for_function(_IMAGES_LOADED)
        page.wait_for_timeout(500)
        rendered = page.evaluate(_RENDERED)
        for shown in (".jp-OutputArea .jp-RenderedImage img", ".jp-OutputArea .jp-RenderedHTML"):  # for the eye
            if page.locator(shown).count():
                page.locator(shown).first.evaluate("e => e.scrollIntoView({block: 'center'})")
                break
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"untrusted-{path.stem}.png"))
        shown_kernel = page.locator(".jp-NotebookPanel .jp-KernelName").first.inner_text()
        dirty = page.locator(".lm-TabBar-tab.jp-mod-dirty").count()
    finally:
        page.close()
        for session in lab.api("GET", "/api/sessions"):
            lab.api("DELETE", f"/api/sessions/{session['id']}")

    assert len(rendered) == len(want.pictures)
    problems = []
    for i, (cell, pictures, html) in enumerate(zip(rendered, want.pictures, want.html, strict=True)):
        drawn = [p for p in cell["pictures"] if p["complete"] and p["natural"] > 0 and p["width"] > 0
                 and p["height"] > 0]
        if len(drawn) != pictures:
            problems.append(f"code cell {i + 1}: {pictures} stored picture(s), {len(drawn)} drawn: {cell['pictures']}")
        shown = ["".join(text.split()) for text in cell["html"]]
        if shown != html:
            problems.append(f"code cell {i + 1}: HTML outputs show {shown!r}, their HTML holds {html!r}")
    assert not problems, "\n".join(problems)
    assert shown_kernel == kernel
    assert dirty == 0, "the notebook opens marked as modified: its stored kernelspec differs from the kernel's"
    assert not browser.outside, f"requests that would have left the machine: {browser.outside}"
    assert not browser.errors, f"errors in the browser console: {browser.errors}"


def test_the_server_says_nothing_alarming(lab: Lab, browser: Browser) -> None:
    """`make lab`'s server log holds only the address and one line per untrusted notebook opened.

    (Runs after the notebooks were opened: the module's tests run in file order.)
    """
    lines = [line for line in lab.log.read_text(errors="replace").splitlines() if line.strip()]
    alarming = [line for line in lines
                if re.search(r"warn|error|deprecat|traceback", line, re.I) and "is not trusted" not in line]
    assert not alarming, "\n".join(alarming)
    assert sum("is not trusted" in line for line in lines) >= len(NOTEBOOKS)
