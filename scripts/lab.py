"""``make lab``: JupyterLab on the notebooks, without start-up noise that is not the reader's business.

    python scripts/lab.py [jupyter lab options...]

Only warnings and errors are logged (the address with its token is still printed), and
traitlets' DeprecationWarnings, which speak to the authors of Jupyter extensions, are dropped:
``notebook_shim`` (installed with JupyterLab) walks every attribute of the server at start-up,
which reads the deprecated ``ServerApp.token`` trait and warns about a setting nobody made, and
Voila's server extension declares traits in an old style. Voila (the ``web`` extra, loaded by
JupyterLab as a server extension) turns those warnings on when imported, so it is imported
first and our filter goes in front of its own.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Any


def main(argv: list[str]) -> int:
    from jupyterlab.labapp import LabApp

    with contextlib.suppress(ImportError):  # Voila's server extension turns traitlets' DeprecationWarnings on
        import voila  # noqa: F401  (at import: so import it first, then put our filter in front of its own)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="traitlets")

    root = ["--allow-root"] if os.geteuid() == 0 else []  # Jupyter refuses to start as root unless told
    quiet = [
        "--ServerApp.log_level=WARN", "--LabApp.log_level=WARN",
        # Kernels over Unix sockets in Jupyter's private runtime folder, not TCP ports any local process could
        # reach (ipykernel warns about unencrypted TCP at every kernel start).
        "--KernelManager.transport=ipc",
    ]
    server = LabApp.initialize_server(argv=[*root, *quiet, *argv])
    server.web_app.settings["page_config_hook"] = without_jupyterlite
    # Jupyter's websocket handler reads its ping settings in milliseconds (default 30000, timeout 90000) and
    # hands the same numbers to Tornado, which reads seconds and warns that the timeout exceeds the interval.
    # Pings only find clients that vanished without closing their connection; on this machine the operating
    # system closes a dead browser's sockets. Off, as in the app (scripts/app_guard.py).
    server.web_app.settings["ws_ping_interval"] = 0
    server.start()
    return 0


def without_jupyterlite(_handler: Any, page_config: dict[str, Any]) -> dict[str, Any]:
    """JupyterLab's page config without JupyterLite's extensions.

    ``make site`` builds the book's live explorer with JupyterLite, whose kernel extension is installed
    in the same environment; in JupyterLab it fails to load (it needs JupyterLite's own services) and
    logs an error in the reader's browser console. Disabling it is not enough (a disabled extension's
    code is still loaded), so it is left out of the page.
    """
    extensions = page_config.get("federated_extensions", [])
    page_config["federated_extensions"] = [e for e in extensions if not e.get("name", "").startswith("@jupyterlite/")]
    return page_config

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
