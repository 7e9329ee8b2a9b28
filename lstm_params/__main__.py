"""``python -m lstm_params``: see :mod:`lstm_params.cli`."""

import sys

from .cli import main

sys.exit(main())
