"""``python -m sim.report``: write a board report for a scenario comparison."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
