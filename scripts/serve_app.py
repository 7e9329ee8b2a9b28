"""Serve the slider explorer (app/explorer.ipynb) as a web app with Voila, on this machine only.

    python scripts/serve_app.py              # a free port; prints the address to open
    python scripts/serve_app.py --port 8866  # a fixed one

Voila runs the notebook in a fresh kernel and shows its outputs only (``--strip_sources``):
the sliders, the total, the per-gate table and the weight-matrix picture, no code. It
listens on 127.0.0.1, so nothing outside this machine can reach it. Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app" / "explorer.ipynb"
TEMPLATES = ROOT / "app" / "share"  # app/share/voila/templates/lstm-params: Voila's lab template, no CDN links
HOST = "127.0.0.1"
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
# Debian's Chromium, driven by Playwright (the browser tests and the benchmark). Playwright's own browser
# download is never used; these flags keep Chromium off the network (no updates, no first-run pings).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--disable-gpu", "--disable-dev-shm-usage"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def voila_command(port: int, notebook: Path = APP) -> list[str]:
    """The Voila command line: this machine only, no browser, no code cells, no tracebacks."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={HOST}",
            "--Voila.port_retries=0", "--template=lstm-params", "--strip_sources=True", "--show_tracebacks=False",
            "--theme=light", "--Voila.log_level=ERROR",
            # Voila's page shuts its kernel down on unload with a POST that carries no XSRF token, which the
            # server would refuse (403). This server has no login and listens on 127.0.0.1 only, so the XSRF
            # check guards nothing here: turn it off and let closed tabs free their kernels at once ...
            "--Voila.tornado_settings=disable_check_xsrf=True",
            # ... and cull a kernel whose tab died without saying goodbye after 10 idle minutes.
            "--MappingKernelManager.cull_idle_timeout=600", "--MappingKernelManager.cull_interval=60"]


def voila_env() -> dict[str, str]:
    """This environment, quiet TensorFlow, and the app's template folder on JUPYTER_PATH."""
    paths = [str(TEMPLATES), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**os.environ, **ENV, "JUPYTER_PATH": os.pathsep.join(paths)}


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Return once Voila listens on ``port``; raise if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with status {process.returncode} before listening on port {port}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"voila did not listen on port {port} within {timeout:.0f} s")


def launch_chromium(playwright: Any) -> Any:
    """Headless Debian Chromium through Playwright; a missing browser is an error, never a skip."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


class RunningApp:
    """``python scripts/serve_app.py`` in the background, for tests and the benchmark.

    >>> with RunningApp() as app:  # doctest: +SKIP
    ...     page.goto(app.url)
    """

    def __init__(self, port: int = 0, timeout: float = 90.0) -> None:
        self.port = port or free_port()
        self.timeout = timeout
        self.url = ""
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> RunningApp:
        # its own process group, so stopping it stops Voila and its kernels too
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--port", str(self.port)],
                                        cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if not line:
                    break
                if "open http://" in line:
                    self.url = line.split("open ", 1)[1].split()[0]
                    return self
        self.__exit__()
        raise RuntimeError(f"serve_app.py printed no address within {self.timeout:.0f} s")

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # serve_app.py stops Voila, which shuts its kernels down
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
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


def parse_port(text: str) -> int:
    """``--port``: 0 (any free port) or 1024-65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be an integer, got {text!r}") from None
    if port != 0 and not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 (any free port) or 1024-65535, got {port}")
    return port


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=parse_port, default=int(os.environ.get("PORT", "0") or 0),
                        help="port on 127.0.0.1 (default: any free one; or set PORT)")
    args = parser.parse_args(argv)
    port = args.port or free_port()
    url = f"http://{HOST}:{port}/"
    process = subprocess.Popen(voila_command(port), cwd=ROOT, env=voila_env())
    signal.signal(signal.SIGTERM, _stop)
    try:
        wait_until_up(port, process)
        print(f"lstm-params explorer: open {url} in your browser (Ctrl+C stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        return 0
    except RuntimeError as error:
        print(f"serve_app.py: error: {error}", file=sys.stderr)
        return 1
    finally:
        if process.poll() is None:  # Voila stops on SIGTERM, shutting its kernels down
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def _stop(signum: int, _frame: object) -> None:
    """SIGTERM: leave through ``finally``, which stops Voila and its kernels."""
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
