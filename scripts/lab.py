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


def main(argv: list[str]) -> int:
    from jupyterlab.labapp import LabApp

    with contextlib.suppress(ImportError):  # Voila's server extension turns traitlets' DeprecationWarnings on
        import voila  # noqa: F401  (at import: so import it first, then put our filter in front of its own)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="traitlets")

    root = ["--allow-root"] if os.geteuid() == 0 else []  # Jupyter refuses to start as root unless told
    LabApp.launch_instance(argv=[*root, "--ServerApp.log_level=WARN", "--LabApp.log_level=WARN", *argv])
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
