import sys

from .cli import main

if __name__ == "__main__":  # worker processes of the run engine import this module again
    sys.exit(main())
