"""``python -m sim [key=value ...]`` runs one scenario; ``python -m sim compare [...]`` several.

The comparison is a sub-command rather than a module ``sim.compare``, because a module of
that name would replace the function ``sim.compare`` once imported.
"""

import sys

from .cli import main, main_compare

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        del sys.argv[1]
        main_compare()
    else:
        main()
