"""``python -m sim.compare scenarios=[fragmented,integrated]``: compare with common random numbers."""

from .cli import main_compare

if __name__ == "__main__":
    main_compare()
