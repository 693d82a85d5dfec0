"""Every setting and limit of a server, with its default, in one place."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Settings"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """Server settings; ``oocsi serve --help`` documents each one.

    The field names are the TOML keys, the ``OOCSI_<NAME>`` environment
    variables (upper case) and the ``--name`` flags (dashes for underscores).
    """

    host: str = ""  # bind address; empty means every interface
    port: int = 4444
    http_port: int = 9000
    max_clients: int = 0  # 0 means no limit
    presence_style: str = "documented"
    timeout: float = 120.0  # seconds without a line from a client
    ping_interval: float = 5.0  # seconds between pings to an idle client
    probe_seconds: float = 2.0  # how long a name holder may stay silent when probed
    handshake_timeout: float = 10.0
    max_line: int = 4 * MIB  # bytes in one received line
    max_pending: int = 16 * MIB  # bytes of output queued for one client
    log_level: str = "INFO"
    max_delayed: int = 1000  # pending _DELAY/_SCHEDULE messages per sender
    max_delayed_bytes: int = 16 * MIB  # their bytes per sender
    max_delayed_total: int = 100_000  # pending messages in the whole server
    max_delayed_total_bytes: int = 256 * MIB
    max_functions: int = 50  # function subscriptions per client
    meta_channels: bool = True  # publish OOCSI_metrics, OOCSI_events, ...
    users: str = ""  # users file of private client names and password hashes
    max_password_checks: int = 64  # checks waiting at once; then newcomers refused
    state_dir: str = ""  # where delayed and retained messages survive restarts
    # the web side (HTTP, websocket, server-sent events)
    builtin_clients: bool = True  # echo, heyOOCSIClient, http-web-request, ...
    max_body: int = 1 * MIB  # bytes in one HTTP request body
    max_sse: int = 1000  # server-sent event streams open at once
    sse_buffer: int = 1000  # events queued for one stream before it is ended
    sse_keepalive: float = 15.0  # seconds between keep-alive comments
    call_timeout: float = 2.0  # seconds an HTTP service call waits for its reply
    max_devices: int = 1000  # heyOOCSI devices registered at once; 0: no limit
    max_device_parts: int = 100  # properties, locations, components per device
    max_device_bytes: int = 64 * 1024  # the JSON of one device's description
    web_requests: bool = True  # run http-web-request (public addresses only)
    web_request_hosts: str = ""  # comma-separated hosts it may reach anyway
    web_request_interval: float = 0.5  # seconds between two requests of a sender
    web_request_rate: int = 20  # requests started in one second, for everyone
    web_request_concurrency: int = 16  # requests running at once, for everyone
    web_request_timeout: float = 10.0  # seconds for one request, with redirects
    web_request_max_body: int = 256 * 1024  # bytes of an answer's body passed on
    web_request_redirects: int = 5  # redirects followed
    allowed_origins: str = ""  # comma-separated origins allowed to POST; "" any
    notice: str = ""  # shown on the landing page

    @classmethod
    def names(cls) -> list[str]:
        """The setting names, in declaration order."""
        return [f.name for f in fields(cls)]
