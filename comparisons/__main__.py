"""``python -m comparisons`` is the ``rosetta`` command."""

import sys

from comparisons.cli import main

sys.exit(main())
