"""The explorer app (``make app``) against hostile pages, DNS rebinding, forged widget messages and load.

Rerun, with the load figures printed::

    .venv/bin/python -m pytest tests/test_app_security.py -p no:cacheprovider -s

The app runs as ``make app`` runs it (scripts/serve_app.py, scripts/app_guard.py), on a free port of
127.0.0.1, with the default cap of open explorers and a short cull time (a vanished page's kernel is freed
after CULL_AFTER idle seconds instead of 60). Headless Debian Chromium, as in tests/test_browser.py. All
traffic stays on 127.0.0.1; every loop is bounded in count and time. Kernels are counted from the server's
process tree (/proc). Screenshots of the refusal page and of the cap page go to test-artifacts/.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from test_browser import TIMEOUT_MS, package_layer, press, readout, screenshot, serve_app

pytestmark = pytest.mark.browser

CULL_AFTER = 6  # seconds; make app's default is 60 (freed within 60-90 s)
MAX_KERNELS = serve_app.MAX_KERNELS
LOADS = 20  # page loads in the load test


# -- fixtures and helpers -----------------------------------------------------------------
@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = serve_app.launch_chromium(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """``browser.new_context``, whose pages are left the ordinary way and closed after the test, pass or fail."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        made.append(browser.new_context(**options))
        return made[-1]

    yield make
    for context in made:
        for page in context.pages:
            try:
                leave(page)
            except Exception:  # a page that crashed or a browser that was killed
                pass
        try:
            context.close()
        except Exception:
            pass


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    with serve_app.RunningApp(cull_after=CULL_AFTER) as running:
        yield running


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> float:
    """Poll ``condition`` every 0.2 s for at most ``seconds``; return the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(0.2)
    return time.monotonic() - start


def no_kernels_left(app: Any) -> None:
    """Start from an empty server: earlier tests' pages were closed or are culled by now."""
    wait_until(lambda: not app.kernel_pids(), 2 * CULL_AFTER + 10, "the earlier tests' kernels are freed")


def open_explorer(context: Any, app: Any) -> tuple[Any, float]:
    """A new page of the explorer in ``context``, loaded until its first total shows; and the seconds that took."""
    page = context.new_page()
    start = time.monotonic()
    response = page.goto(app.url)
    assert response.status == 200
    page.locator(".lp-total .lp-total-number").wait_for(timeout=60_000)
    return page, time.monotonic() - start


def lstm(units: int) -> int:
    """The count the page shows for a Keras LSTM on the default 4096 features."""
    return package_layer("LSTM", 4096, units, True, False, "Keras").params


def kernel_id(page: Any) -> str:
    return str(page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"))


def leave(page: Any) -> None:
    """Close a tab the ordinary way: Voila's unload request (with its _xsrf cookie) shuts the kernel down."""
    page.goto("about:blank")
    page.close()


def kernel_model(app: Any, kernel: str) -> dict[str, Any]:
    """Jupyter's record of one kernel (last activity, connections), asked for with the token."""
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    try:
        conn.request("GET", f"/api/kernels/{kernel}?token={app.token}")
        response = conn.getresponse()
        assert response.status == 200, response.status
        return dict(json.loads(response.read()))
    finally:
        conn.close()


# -- (a) pages of other origins ------------------------------------------------------------
ATTACKER_PAGE = """<!doctype html><meta charset="utf-8"><title>another site</title><body><h1>another site</h1>
<script>
const app = %(app)s, kernel = %(kernel)s;
window.results = {};
async function attack() {
  for (const path of ["/", "/?token=a-guess"]) {
    try { await fetch(app + path, {mode: "no-cors", credentials: "include"}); } catch (error) {}
  }
  const picture = new Image();
  const pictured = new Promise((done) => { picture.onload = picture.onerror = done; setTimeout(done, 5000); });
  picture.src = app + "/?as-an-image";
  await pictured;
  const frame = document.createElement("iframe");
  const framed = new Promise((done) => { frame.onload = done; setTimeout(done, 5000); });
  frame.src = app + "/";
  document.body.appendChild(frame);
  const form = new FormData();
  form.append("_xsrf", "a-guess");
  try {
    await fetch(app + "/voila/api/shutdown/" + kernel,
                {method: "POST", mode: "no-cors", credentials: "include", body: form});
  } catch (error) {}
  window.results.websocket = await new Promise((done) => {
    const socket = new WebSocket(app.replace("http", "ws") + "/api/kernels/" + kernel + "/channels");
    socket.onopen = () => { socket.close(); done("open"); };
    socket.onerror = () => done("refused");
  });
  await framed;
  window.results.done = true;
}
attack();
</script>"""


class AttackerSite:
    """A page on another 127.0.0.1 port (another origin, the same site) that goes for the app."""

    def __init__(self, app_root: str, kernel: str) -> None:
        page = (ATTACKER_PAGE % {"app": json.dumps(app_root.rstrip("/")), "kernel": json.dumps(kernel)}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> AttackerSite:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def visit(context: Any, site: AttackerSite, app: Any) -> dict[str, Any]:
    """Open the attacker's page in ``context``; return what it found and the statuses the app answered with."""
    page = context.new_page()
    asked: list[str] = []
    statuses: list[tuple[str, int]] = []  # (Chromium reports no response for the <img>: its ORB blocks the HTML)
    page.on("request", lambda r: asked.append(r.url) if r.url.startswith(app.root) and r.method == "GET" else None)
    page.on("response", lambda r: statuses.append((r.url, r.status)) if r.url.startswith(app.root) else None)
    page.goto(site.url)
    page.wait_for_function("window.results && window.results.done", timeout=30_000)
    results = dict(page.evaluate("window.results"))
    page.close()
    return {**results, "asked": asked, "statuses": statuses}


def test_pages_of_other_origins_start_no_kernel(app: Any, new_context: Any) -> None:
    """fetch(), <img>, <iframe>, a forged unload POST and a websocket from another origin: nothing starts or stops."""
    from playwright.sync_api import expect

    no_kernels_left(app)
    reader = new_context()  # the reader's browser: it holds the app's login cookie ...
    page, _ = open_explorer(reader, app)
    kernels = app.kernel_pids()
    assert len(kernels) == 1
    with AttackerSite(app.root, kernel_id(page)) as site:
        found = [visit(reader, site, app), visit(new_context(), site, app)]  # ... and a stranger's
        time.sleep(2)  # a kernel would be starting by now
        assert app.kernel_pids() == kernels, "a page of another origin started or stopped a kernel"
    for result in found:
        assert result["websocket"] == "refused"
        asked = [url.removeprefix(app.root) for url in result["asked"]]
        assert sorted(asked) == ["", "", "?as-an-image", "?token=a-guess"], asked  # <iframe>, fetch, <img>, fetch
        pages = [status for url, status in result["statuses"] if "/api/" not in url]
        assert pages and set(pages) == {403}, result["statuses"]
    # the reader's page still works: its kernel answers a key press
    press(page, "units", "ArrowRight")
    expect(page.locator(".lp-total .lp-total-number")).to_have_text(f"{lstm(257):,}")
    leave(page)
    wait_until(lambda: not app.kernel_pids(), 10, "the reader's closed page frees its kernel (unload, XSRF on)")

    # what a person sees at the address without its token
    stranger = new_context().new_page()
    response = stranger.goto(app.root)
    assert response.status == 403
    expect(stranger.locator("h1")).to_have_text("This explorer only opens from the address it printed")
    screenshot(stranger, "app-refused.png")
    assert not app.kernel_pids()


# -- (b) DNS rebinding: another Host name ---------------------------------------------------
def request(app: Any, path: str, host: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_another_host_name_is_refused(app: Any) -> None:
    """A page of attacker.example rebound to 127.0.0.1 sends its own Host: refused, even with the token."""
    kernels = app.kernel_pids()
    foreign = f"attacker.example:{app.port}"
    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    for path, headers in [(f"/?token={app.token}", None), ("/", None), ("/voila/static/voila.js", None),
                          (f"/api/kernels/00000000-0000-0000-0000-000000000000?token={app.token}", None),
                          (f"/api/kernels/00000000-0000-0000-0000-000000000000/channels?token={app.token}", upgrade)]:
        status, body = request(app, path, foreign, headers)
        assert status == 403, (path, status, body[:200])
    assert app.kernel_pids() == kernels
    assert request(app, "/voila/static/voila.js", f"localhost:{app.port}")[0] == 200  # this machine's own names
    assert request(app, "/voila/static/voila.js", f"127.0.0.1:{app.port}")[0] == 200


# -- (d) a forged widget message from the page itself ---------------------------------------
# The page's own origin opens a second websocket to its kernel (as any script in the page could) and sends a
# comm_msg "update" to the widget with the given CSS class, bypassing the slider's own limits.
FORGE = r"""async ([cls, state]) => {
  const kernel = JSON.parse(document.getElementById("jupyter-config-data").textContent).kernelId;
  const socket = new WebSocket(`${location.origin.replace("http", "ws")}/api/kernels/${kernel}/channels`);
  await new Promise((ok, fail) => { socket.onopen = ok; socket.onerror = () => fail(new Error("refused")); });
  const replies = new Map();
  socket.onmessage = (event) => {
    const msg = typeof event.data === "string" ? JSON.parse(event.data) : null;
    const parent = msg && msg.parent_header && msg.parent_header.msg_id;
    if (replies.has(parent) && ["comm_info_reply", "comm_msg"].includes(msg.msg_type)) {
      replies.get(parent)(msg.content);
      replies.delete(parent);
    }
  };
  let count = 0;
  const send = (msg_type, content) => {
    const msg_id = `forged-${count++}`;
    const header = {msg_id, msg_type, session: "forged", username: "", version: "5.3", date: new Date().toISOString()};
    socket.send(JSON.stringify({header, parent_header: {}, metadata: {}, content, channel: "shell", buffers: []}));
    return new Promise((reply) => { replies.set(msg_id, reply); setTimeout(() => reply(null), 5000); });
  };
  const comms = (await send("comm_info_request", {target_name: "jupyter.widget"})).comms;
  for (const comm_id of Object.keys(comms)) {
    const reply = await send("comm_msg", {comm_id, data: {method: "request_state"}});
    if (reply && (reply.data.state._dom_classes || []).includes(cls)) {
      send("comm_msg", {comm_id, data: {method: "update", state, buffer_paths: []}});
      await new Promise((done) => setTimeout(done, 500));
      socket.close();
      return comm_id;
    }
  }
  socket.close();
  throw new Error(`no widget with the class ${cls}`);
}"""


def test_a_forged_widget_message_leaves_a_true_total(app: Any, new_context: Any) -> None:
    """The probe's comm_msg (units max and value 10**9, then negative, then nonsense) cannot move the count."""
    from playwright.sync_api import expect

    page, _ = open_explorer(new_context(viewport={"width": 1280, "height": 1500}), app)
    total = page.locator(".lp-total .lp-total-number")
    handle = page.locator(".lp-units .noUi-handle")
    for state, units in [({"max": 10**9, "value": 10**9}, 2048), ({"min": -5, "value": -5}, 1),
                         ({"value": "abc"}, 1), ({"value": 300}, 300), ({"step": 1000, "value": 3.5}, 300)]:
        page.evaluate(FORGE, ["lp-units", state])
        expect(total).to_have_text(f"{lstm(units):,}")
        assert readout(page, "units") == units
        assert (handle.get_attribute("aria-valuemin"), handle.get_attribute("aria-valuemax")) == ("1.0", "2048.0")
    page.evaluate(FORGE, ["lp-kind", {"index": 7}])
    page.evaluate(FORGE, ["lp-use-bias", {"value": "yes"}])
    expect(page.locator(".lp-kind button.mod-active")).to_have_attribute("data-value", "LSTM")
    expect(page.locator(".lp-use-bias input[type=checkbox]")).to_be_checked()
    expect(total).to_have_text(f"{lstm(300):,}")
    press(page, "units", "ArrowRight")  # and the reader's own moves still count
    expect(total).to_have_text(f"{lstm(301):,}")
    leave(page)


# -- (c) load: many pages, the cap, vanished pages ------------------------------------------
def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def descendants(pid: int) -> dict[int, str]:
    """{pid: command line} of every process below ``pid``."""
    parents, commands = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            commands[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, of in parents.items():
            if of == parent and child not in found:
                found[child] = commands.get(child, "")
                frontier.append(child)
    return found


def chromium_trees() -> set[int]:
    """The main processes of the Chromiums this test started (through Playwright)."""
    return {pid for pid, command in descendants(os.getpid()).items()
            if "--remote-debugging-pipe" in command and "--type=" not in command}


def test_load_the_cap_and_vanished_pages(app: Any, new_context: Any, playwright: Any) -> None:
    """20 page loads; past the cap a new visitor gets the 503 page; closed, crashed and killed pages are freed."""
    from playwright.sync_api import expect

    no_kernels_left(app)
    seconds: list[float] = []
    before = chromium_trees()
    doomed = serve_app.launch_chromium(playwright)  # a second browser, to be killed
    doomed_pids = chromium_trees() - before
    assert len(doomed_pids) == 1
    # up to the cap: half the pages in the test's browser, half in the doomed one
    pages = []
    for i in range(MAX_KERNELS):
        page, took = open_explorer(new_context() if i < MAX_KERNELS // 2 else doomed.new_context(), app)
        pages.append(page)
        seconds.append(took)
    kernels = app.kernel_pids()
    assert len(kernels) == MAX_KERNELS
    memory = [rss_mb(pid) for pid in kernels]

    # one more visitor: the friendly page, and no kernel
    visitor = new_context().new_page()
    response = visitor.goto(app.url)
    cap_status = response.status
    assert cap_status == 503
    expect(visitor.locator("h1")).to_have_text("Too many open explorers: close a tab")
    expect(visitor.locator("main")).to_contain_text(f"{MAX_KERNELS} of {MAX_KERNELS} explorers are open.")
    screenshot(visitor, "app-too-many.png")
    assert len(app.kernel_pids()) == MAX_KERNELS
    visitor.close()

    # the reader of pages[0] stays; the others go: one closes normally, one closes without its unload
    # request, one crashes, and the doomed browser is killed with all its pages
    reader = pages[0]
    leave(pages[1])
    freed_at_once = wait_until(lambda: len(app.kernel_pids()) == MAX_KERNELS - 1, 10, "a closed tab frees its kernel")
    pages[2].close(run_before_unload=False)
    try:  # Chromium's debug address crashes the tab's renderer at once: no unload, no goodbye
        pages[3].goto("chrome://crash", timeout=5000)
    except Exception:  # Playwright reports the crash as this navigation's error
        pass
    killed = [pid for main in doomed_pids for pid in [main, *descendants(main)]]  # the browser and its children
    for pid in killed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    start = time.monotonic()
    culled = wait_until(lambda: len(app.kernel_pids()) == 1, CULL_AFTER + CULL_AFTER // 2 + 10,
                        "the vanished pages' kernels are freed")

    # the reader's page, connected but idle for longer than the cull time, kept its kernel
    model = kernel_model(app, kernel_id(reader))
    assert model["connections"] >= 1
    idle = (datetime.now(timezone.utc) - datetime.fromisoformat(model["last_activity"].replace("Z", "+00:00"))
            ).total_seconds()
    assert idle > CULL_AFTER, f"the reader's kernel was active {idle:.0f} s ago: this proves nothing"
    checked = time.monotonic() - start
    n = readout(reader, "units")
    press(reader, "units", "ArrowRight")
    expect(reader.locator(".lp-total .lp-total-number")).to_have_text(
        f"{lstm(n + 1):,}")

    # the rest of the loads, one after another, each closed the ordinary way
    for _ in range(LOADS - MAX_KERNELS):
        page, took = open_explorer(new_context(), app)
        seconds.append(took)
        leave(page)
        wait_until(lambda: len(app.kernel_pids()) == 1, 10, "a closed tab frees its kernel")
    leave(reader)
    wait_until(lambda: not app.kernel_pids(), 10, "the last page frees its kernel")

    print(f"\nload test: {len(seconds)} page loads (cap {MAX_KERNELS}, cull after {CULL_AFTER} s idle); "
          f"seconds to first total: median {statistics.median(seconds):.2f}, max {max(seconds):.2f}")
    print(f"  memory per kernel (RSS, {len(memory)} kernels): median {statistics.median(memory):.0f} MB, "
          f"max {max(memory):.0f} MB, total {sum(memory):.0f} MB")
    print(f"  visitor {MAX_KERNELS + 1}: HTTP {cap_status}, 'Too many open explorers: close a tab', no kernel started")
    print(f"  a tab closed normally: kernel freed in {freed_at_once:.1f} s; a closed-without-unload tab, a crashed "
          f"tab and a killed browser ({MAX_KERNELS // 2} pages): all freed {culled:.1f} s after the kill "
          f"(cull after {CULL_AFTER} s idle, checked every {CULL_AFTER // 2} s)")
    print(f"  the idle reader's connected kernel survived {idle:.0f} s without activity "
          f"(checked {checked:.0f} s after the kill) and still answers")
