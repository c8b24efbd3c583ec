"""``python -m srkit.benchmark``."""

import sys

from .cli import main

sys.exit(main())
