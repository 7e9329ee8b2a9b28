"""Serve the slider explorer (app/explorer.ipynb) as a web app with Voila, on this machine, to its reader.

    python scripts/serve_app.py                   # a free port; prints the address to open
    python scripts/serve_app.py --port 8866       # a fixed one (or PORT=8866)
    python scripts/serve_app.py --max-kernels 4 --cull-after 30

Voila runs the notebook in a fresh kernel per page and shows its outputs only: the sliders, the
total, the per-gate table and the weight-matrix picture, no code. It listens on 127.0.0.1, and the
address it prints carries a secret made for this launch (``?token=...``): a page of another site,
another Host name (DNS rebinding) or a request without the secret starts no kernel and gets a
refusal; at most ``--max-kernels`` pages are open at once, and the kernel of a page that vanished
without closing (a crashed tab) is freed after ``--cull-after`` idle seconds. scripts/app_guard.py
holds that side. Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "explorer.ipynb"
TEMPLATES = ROOT / "app" / "share"  # app/share/voila/templates/lstm-params: Voila's lab template, no CDN links
HOST = "127.0.0.1"
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
MAX_KERNELS = 8  # open explorers at once (about 50 MB each)
CULL_AFTER = 60  # seconds a kernel may sit idle with no page connected (checked every 30 s)
# Debian's Chromium, driven by Playwright (the browser tests and the benchmark). Playwright's own browser
# download is never used; these flags keep Chromium off the network (no updates, no first-run pings).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--disable-gpu", "--disable-dev-shm-usage"]
ADDRESS = re.compile(r"open (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)) ")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def voila_env() -> dict[str, str]:
    """This environment, quiet TensorFlow, and the app's template folder on JUPYTER_PATH."""
    paths = [str(TEMPLATES), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**os.environ, **ENV, "JUPYTER_PATH": os.pathsep.join(paths)}


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright; a missing browser is an error, never a skip."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


class RunningApp:
    """``python scripts/serve_app.py`` in the background, for tests and the benchmark.

    ``url`` is the address it printed (with its token), ``root`` the same without the token.

    >>> with RunningApp() as app:  # doctest: +SKIP
    ...     page.goto(app.url)
    """

    def __init__(self, port: int = 0, timeout: float = 90.0, *, max_kernels: int | None = None,
                 cull_after: int | None = None) -> None:
        self.port = port or free_port()
        self.timeout = timeout
        self.options = [f"--port={self.port}"]
        self.options += [f"--max-kernels={max_kernels}"] if max_kernels is not None else []
        self.options += [f"--cull-after={cull_after}"] if cull_after is not None else []
        self.url = self.root = self.token = ""
        self.lines: collections.deque[str] = collections.deque(maxlen=1000)  # what it printed, for tests
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> RunningApp:
        # its own process group, so stopping it stops Voila and its kernels too
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *self.options],
                                        cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if not line:
                    break
                self.lines.append(line)
                found = ADDRESS.search(line)
                if found:
                    self.url, self.token = found.group(1), found.group(3)
                    self.root = self.url.split("?", 1)[0]
                    # keep reading what it prints, so a full pipe never blocks the server
                    threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()
                    return self
        self.__exit__()
        raise RuntimeError(f"serve_app.py printed no address within {self.timeout:.0f} s")

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line)

    def kernel_pids(self) -> list[int]:
        """The process ids of the app's kernels (Linux: read from /proc)."""
        if self.process is None:
            return []
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except (OSError, IndexError):
                continue  # it ended while we looked
            if int(fields[1]) == self.process.pid and b"ipykernel_launcher" in cmdline:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # Voila stops on SIGTERM, shutting its kernels down
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        if self.process is not None:  # anything of this app's process group still alive: stop it
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)


def parse_port(text: str) -> int:
    """``--port``: 0 (any free port) or 1024-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be an integer, got {text!r}") from None
    if port != 0 and not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 (any free port) or 1024-65535, got {port}")
    return port


def parse_count(env: str, high: int) -> Any:
    """An argparse type: a whole number from 1 to ``high``, given by the flag or the variable ``env``."""
    def parse(text: str) -> int:
        value = int(text) if text.strip().isdigit() else None
        if value is None or not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {high} (the flag or {env}), "
                                             f"got {text!r}")
        return value
    return parse


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    parser.add_argument("--port", type=parse_port, default=env("PORT") or "0",
                        help="port on 127.0.0.1 (default: any free one; or set PORT)")
    parser.add_argument("--max-kernels", type=parse_count("MAX_KERNELS", 100),
                        default=env("MAX_KERNELS") or str(MAX_KERNELS),
                        help="explorer pages open at once, about 50 MB each "
                             f"(default {MAX_KERNELS}; or set MAX_KERNELS)")
    parser.add_argument("--cull-after", type=parse_count("CULL_AFTER", 86400),
                        default=env("CULL_AFTER") or str(CULL_AFTER),
                        help="seconds a vanished page's kernel may sit idle before it is freed "
                             f"(default {CULL_AFTER}; or set CULL_AFTER)")
    args = parser.parse_args(argv)
    port = args.port or free_port()
    token = secrets.token_urlsafe(32)  # this launch's secret: only the address printed below carries it
    os.environ.update(voila_env())  # Voila reads JUPYTER_PATH for the template; kernels inherit the rest
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import app_guard  # Voila and Jupyter Server: about two seconds to import, so only here

    def announce() -> None:
        print(f"lstm-params explorer: open http://{HOST}:{port}/?token={token} in your browser "
              "(Ctrl+C stops it)", flush=True)

    return app_guard.serve(APP, port, token, app_guard.Limits(args.max_kernels, args.cull_after), announce)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
