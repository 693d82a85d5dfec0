"""pyoocsi: the OOCSI server, client library and command line, in Python."""

from pyoocsi._version import __version__

__all__ = ["__version__"]
