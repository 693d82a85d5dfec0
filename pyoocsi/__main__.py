"""``python -m pyoocsi`` is the ``oocsi`` command."""

import sys

from pyoocsi.cli import main

if __name__ == "__main__":
    sys.exit(main())
