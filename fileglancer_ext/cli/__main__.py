"""`python -m fileglancer_ext.cli`: the `fileglancer-ext` command."""

import sys

from . import main

sys.exit(main())
