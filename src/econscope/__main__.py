"""``python -m econscope`` runs the command line."""

import sys

from econscope.cli import main

sys.exit(main())
