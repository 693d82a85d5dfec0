"""Limits and options of the HTTP and websocket side.

Their defaults are the server's (:class:`~pyoocsi.core.settings.Settings`),
written there once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoocsi.core.settings import Settings

__all__ = ["WebRequestLimits", "WebSettings", "web_settings"]

_DEFAULT = Settings()


@dataclass(frozen=True, slots=True)
class WebRequestLimits:
    """What ``http-web-request`` allows (the ``web_request_*`` settings)."""

    interval: float = _DEFAULT.web_request_interval  # between two of one sender
    per_second: int = _DEFAULT.web_request_rate  # started in one second, for all
    in_flight: int = _DEFAULT.web_request_concurrency  # running at once, for all
    timeout: float = _DEFAULT.web_request_timeout  # one request, with redirects
    max_body: int = _DEFAULT.web_request_max_body  # bytes of an answer passed on
    redirects: int = _DEFAULT.web_request_redirects  # redirects followed


@dataclass(frozen=True, slots=True)
class WebSettings:
    """Web-side settings; the server's own limits apply too (``max_line`` is the
    largest websocket frame, ``max_pending`` the output queued per client)."""

    max_body: int = _DEFAULT.max_body  # bytes in one HTTP request body
    max_sse: int = _DEFAULT.max_sse  # server-sent event streams open at once
    sse_buffer: int = _DEFAULT.sse_buffer  # events queued for one stream
    sse_keepalive: float = _DEFAULT.sse_keepalive  # seconds between keep-alives
    call_timeout: float = _DEFAULT.call_timeout  # an HTTP service call's wait
    max_devices: int = _DEFAULT.max_devices  # heyOOCSI devices; 0: no limit
    max_device_parts: int = _DEFAULT.max_device_parts  # parts kept per device
    max_device_bytes: int = _DEFAULT.max_device_bytes  # JSON of one device
    web_requests: bool = _DEFAULT.web_requests  # run http-web-request
    # hosts http-web-request may reach although they are not public
    web_request_hosts: tuple[str, ...] = ()
    web_request_limits: WebRequestLimits = WebRequestLimits()
    # Origins allowed to POST (scheme://host[:port]); empty allows every origin.
    allowed_origins: tuple[str, ...] = ()
    builtins: bool = _DEFAULT.builtin_clients  # echo, heyOOCSIClient, ...
    # A notice shown on the landing page, e.g. for a public server.
    notice: str = _DEFAULT.notice


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
