"""Limits and options of the HTTP and websocket side, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from pyoocsi.core.settings import Settings

__all__ = ["WebRequestLimits", "WebSettings", "web_settings"]

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebRequestLimits:
    """What ``http-web-request`` allows (the ``web_request_*`` settings)."""

    interval: float = 0.5  # seconds between two requests of one sender
    per_second: int = 20  # requests started in one second, for everyone
    in_flight: int = 16  # requests running at once, for everyone
    timeout: float = 10.0  # seconds for one request, redirects included
    max_body: int = 256 * 1024  # bytes of an answer's body passed on
    redirects: int = 5  # redirects followed


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Web-side settings; the server's own limits apply too (``max_line`` is the
    largest websocket frame, ``max_pending`` the output queued per client)."""

    max_body: int = 1 * MIB  # bytes in one HTTP request body
    max_sse: int = 1000  # server-sent event streams open at once
    sse_buffer: int = 1000  # events queued for one stream before it is ended
    sse_keepalive: float = 15.0  # seconds between keep-alive comments
    call_timeout: float = 2.0  # seconds an HTTP service call waits for its reply
    max_devices: int = 1000  # heyOOCSI devices registered at once; 0: no limit
    max_device_parts: int = 100  # properties, locations, components per device
    max_device_bytes: int = 64 * 1024  # the JSON of one device's description
    web_requests: bool = True  # run http-web-request (public addresses only)
    # hosts http-web-request may reach although they are not public
    web_request_hosts: tuple[str, ...] = ()
    web_request_limits: WebRequestLimits = WebRequestLimits()
    # Origins allowed to POST (scheme://host[:port]); empty allows every origin.
    allowed_origins: tuple[str, ...] = ()
    builtins: bool = True  # run the built-in clients (echo, heyOOCSIClient, ...)
    # A notice shown on the landing page, e.g. for a public server.
    notice: str = ""


def web_settings(settings: Settings) -> WebSettings:
    """The web side's settings taken from the server's settings."""
    origins = (o.strip() for o in settings.allowed_origins.split(","))
    return WebSettings(
        max_body=settings.max_body,
        max_sse=settings.max_sse,
        sse_buffer=settings.sse_buffer,
        sse_keepalive=settings.sse_keepalive,
        call_timeout=settings.call_timeout,
        max_devices=settings.max_devices,
        max_device_parts=settings.max_device_parts,
        max_device_bytes=settings.max_device_bytes,
        web_requests=settings.web_requests,
        web_request_hosts=tuple(
            h.strip() for h in settings.web_request_hosts.split(",") if h.strip()
        ),
        web_request_limits=WebRequestLimits(
            interval=settings.web_request_interval,
            per_second=settings.web_request_rate,
            in_flight=settings.web_request_concurrency,
            timeout=settings.web_request_timeout,
            max_body=settings.web_request_max_body,
            redirects=settings.web_request_redirects,
        ),
        allowed_origins=tuple(o for o in origins if o),
        builtins=settings.builtin_clients,
        notice=settings.notice,
    )
