"""The HTTP and websocket side of the server (the reference web server's routes)."""

from pyoocsi.web.server import WebServer, build_app
from pyoocsi.web.settings import WebSettings

__all__ = ["WebServer", "WebSettings", "build_app"]
