"""/api/server tells the pages where the line protocol really listens."""

from __future__ import annotations

import aiohttp

from pyoocsi import __version__
from pyoocsi.server.testing import RunningServer
from tests.web.wsclient import run


def test_server_info_has_the_bound_tcp_port(oocsi_server: RunningServer) -> None:
    # The test server asks for port 0: the page must show the port it got.
    async def scenario() -> None:
        url = f"http://127.0.0.1:{oocsi_server.http_port}/api/server"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            info = await response.json()
        assert info["tcp_port"] == oocsi_server.port != 0
        assert info["version"] == __version__

    run(scenario())
