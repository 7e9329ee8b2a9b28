"""The explorer's Voila server, open to its reader only (``make app`` runs it through scripts/serve_app.py).

Each explorer page gets a kernel: a Python process of about 50 MB that runs app/explorer.ipynb.
So before Voila starts one, a request must show that it is the reader's, and that there is room:

1. **Host** ``127.0.0.1`` or ``localhost``. Any other name means a page of another site reached this
   port through DNS rebinding; Voila leaves Jupyter's Host check off (``allow_remote_access=True``),
   we turn it on, and give Voila's three plain static-file handlers the same check.
2. **The launch's secret**: the ``?token=...`` in the address that ``make app`` prints (or the login
   cookie the first such request leaves). Without it: 403 and our refusal page, not a login form.
3. **A page of its own**: the browser's ``Sec-Fetch-Dest``/``Sec-Fetch-Site`` headers must say "a
   document opened directly or from this origin". Another site's ``fetch()``, ``<img>`` or
   ``<iframe>`` is refused even when the browser sends the reader's cookie along (pages on another
   127.0.0.1 port are "same-site", so the cookie goes with them). Scripts such as ``curl``, which send
   no such headers, need the token.
4. **Room**: at most ``max_kernels`` kernels at once; one more visitor gets a 503 page that says so.

Kernels of pages that closed normally are shut down by the page's own unload request; those of
pages that vanished (a crashed tab, a killed browser) are culled once they have been idle, with no
page connected, for ``cull_after`` seconds. A connected page keeps its kernel however long its
reader leaves the sliders alone.

XSRF protection stays on. Voila's page sends its unload request with the ``_xsrf`` cookie's value,
but Voila never sets that cookie, so the request was refused (403) and the kernel lived on; the
page handler below sets it.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tornado.ioloop
import tornado.web
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer
from traitlets.config import Config
from voila.app import Voila
from voila.handler import BaseVoilaHandler
from voila.tornado.handler import TornadoVoilaHandler

LOCAL_NAMES = ("localhost",)
PAGE_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")


@dataclass(frozen=True)
class Limits:
    """How many explorers may be open, and how soon a vanished page's kernel is freed."""

    max_kernels: int = 8
    cull_after: int = 60  # seconds idle with no page connected; checked every cull_after / 2 seconds

    def __post_init__(self) -> None:
        for name in ("max_kernels", "cull_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @property
    def cull_interval(self) -> int:
        return max(1, self.cull_after // 2)


def is_local(host: str) -> bool:
    """Whether a Host header names this machine: ``127.0.0.1[:port]``, ``localhost[:port]``, ``[::1]``."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host  # drop a port, but not an IPv6 address
    name = name.removeprefix("[").split("]")[0]
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class CappedKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a cap: a page past it gets a 503 instead of a kernel."""

    max_kernels = Integer(8, min=1, config=True, help="At most this many kernels (open explorers) at once.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]
        self._starting: set[str] = set()

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs: Any) -> str:  # type: ignore[override]
        if kernel_id is None or kernel_id not in self:
            # counted and reserved before the first await, so concurrent requests cannot overshoot the cap
            open_now = len(set(self.list_kernel_ids()) | self._starting)
            if open_now >= self.max_kernels:
                raise tornado.web.HTTPError(503, f"{open_now} of {self.max_kernels} explorers are open.")
            kernel_id = kernel_id or self.new_kernel_id()
            self._starting.add(kernel_id)
        try:
            return str(await super().start_kernel(kernel_id=kernel_id, **kwargs))
        finally:
            self._starting.discard(kernel_id)


class ExplorerPage(TornadoVoilaHandler):  # type: ignore[misc]
    """Voila's page handler, which starts the kernel; it first checks who is asking (points 2 and 3)."""

    refusal = ""  # why this request was refused, for the server's one-line log

    async def prepare(self, **_kwargs: Any) -> None:
        try:  # Jupyter's Host check, then the token (no token and no cookie: 403, not a login form)
            await super().prepare(_redirect_to_login=False)
        except tornado.web.HTTPError as error:
            if error.status_code != 403 or error.log_message:
                raise
            why = ("The address lacks this launch's token." if is_local(self.request.host)
                   else "The address names another host, not this machine.")
            raise tornado.web.HTTPError(403, why) from None

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):  # a refusal: one line from _log_refusal, without the token
            self.refusal = value.log_message or ""
        else:
            super().log_exception(typ, value, tb)

    async def get(self, path: str | None = None) -> None:
        headers = self.request.headers
        if headers.get("Sec-Fetch-Dest", "document") != "document":
            raise tornado.web.HTTPError(403, "The explorer opens as a page of its own, not inside another page.")
        site = headers.get("Sec-Fetch-Site")
        referer = urlsplit(headers.get("Referer", "")).netloc
        foreign = site not in (None, "none", "same-origin") or (site is None and referer not in ("", self.request.host))
        if foreign and not self.token_authenticated:
            raise tornado.web.HTTPError(403, "Another site's page asked for the explorer.")
        self.xsrf_token  # noqa: B018  sets the _xsrf cookie that Voila's unload request sends back
        await super().get(path)


class _LocalOnly:
    """The Host check of point 1 for handlers that are not Jupyter's (Voila's static files)."""

    request: Any

    def prepare(self) -> Any:
        if not is_local(self.request.host):
            raise tornado.web.HTTPError(403)
        return super().prepare()  # type: ignore[misc]


class _PlainErrors:
    """A refusal as one line of text. Jupyter's error page needs templates and a static path that Voila's
    server lacks, so a refused websocket or theme request printed a traceback instead."""

    _reason: str

    def write_error(self, status_code: int, **_kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")  # type: ignore[attr-defined]
        self.finish(f"{status_code}: {self._reason}\n")  # type: ignore[attr-defined]


def _guarded(handler: type) -> type:
    if handler is TornadoVoilaHandler:
        return ExplorerPage
    if issubclass(handler, (BaseVoilaHandler, APIHandler)):  # Voila's error pages, or JSON
        return handler
    if issubclass(handler, JupyterHandler):  # checks the Host itself (allow_remote_access=False)
        return type(handler.__name__, (_PlainErrors, handler), {})
    return type(handler.__name__, (_LocalOnly, handler), {})


def _log_refusal(handler: tornado.web.RequestHandler) -> None:
    """Tornado's request log, reduced to one line per refusal (no query string: it may hold the token)."""
    status = handler.get_status()
    if status in (403, 503):
        why = getattr(handler, "refusal", "") or handler._reason
        print(f"lstm-params explorer: refused {handler.request.method} {handler.request.path} ({status}: {why})",
              file=sys.stderr, flush=True)


class ExplorerVoila(Voila):  # type: ignore[misc]
    """Voila with the page handler above and Host-checked static files; ``announce`` runs once it listens."""

    announce: Callable[[], None] = staticmethod(lambda: None)

    def init_handlers(self) -> list[Any]:
        return [(spec[0], _guarded(spec[1]), *spec[2:]) for spec in super().init_handlers()]

    def listen(self) -> None:
        tornado.ioloop.IOLoop.current().add_callback(self.announce)
        super().listen()


def voila_config(port: int, token: str, limits: Limits, template: str = "lstm-params") -> Config:
    """Everything Voila is told: where to listen, the page it shows, and points 1-4."""
    c = Config()
    c.Voila.config_file_paths = []  # no voila.py/voila.json from the working or home folder changes any of this
    c.Voila.ip = "127.0.0.1"
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.open_browser = False
    c.Voila.log_level = "ERROR"
    c.Voila.token = token
    c.Voila.tornado_settings = {
        "allow_remote_access": False,  # point 1: Jupyter's Host check, which Voila turns off
        "local_hostnames": list(LOCAL_NAMES),
        "xsrf_cookie_kwargs": {"samesite": "Strict"},
        # Jupyter's websocket handler reads these in milliseconds and hands the same numbers to Tornado,
        # which reads seconds and warns that the default timeout (90000) exceeds the interval (30000). Pings
        # only find clients that vanished without closing the connection, which on 127.0.0.1 does not
        # happen (the operating system closes a dead browser's sockets), so they are off.
        "ws_ping_interval": 0,
        "log_function": _log_refusal,
    }
    c.VoilaConfiguration.template = template
    c.VoilaConfiguration.theme = "light"
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    # The page runs the widget extensions it needs, not every JupyterLab extension installed alongside.
    c.VoilaConfiguration.extension_allowlist = list(PAGE_EXTENSIONS)
    c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
    c.CappedKernelManager.max_kernels = limits.max_kernels
    c.MappingKernelManager.cull_idle_timeout = limits.cull_after
    c.MappingKernelManager.cull_interval = limits.cull_interval
    c.MappingKernelManager.cull_connected = False  # a connected page keeps its kernel
    # Kernels talk to Voila over Unix sockets in Voila's private (0700) folder rather than TCP ports on
    # 127.0.0.1 that any local process could reach (ipykernel warns about unencrypted TCP at every start).
    c.KernelManager.transport = "ipc"
    return c


def serve(notebook: Path, port: int, token: str, limits: Limits, announce: Callable[[], None]) -> int:
    """Run Voila on ``notebook`` until SIGTERM or Ctrl+C (which shut its kernels down); return its exit status."""
    app = ExplorerVoila.instance(config=voila_config(port, token, limits))  # the instance Jupyter's handlers log to
    app.announce = announce
    app.initialize([str(notebook)])
    app.start()
    return 0
