"""Settings from flags, ``OOCSI_*`` environment variables and a TOML file.

Precedence, highest first: command-line flags, environment variables, the TOML
file (``--config FILE`` or ``OOCSI_CONFIG``), the defaults in
:class:`~pyoocsi.core.settings.Settings`. Every value is checked here, so the
server never starts with a setting it cannot honour.
"""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyoocsi.core.settings import Settings

__all__ = ["HELP", "ConfigError", "load_settings"]

PRESENCE_STYLES = ("documented", "reference")

HELP: dict[str, str] = {
    "host": "address to bind (default: all interfaces, for boards on the LAN)",
    "port": "TCP port of the OOCSI line protocol (default 4444)",
    "http_port": "port of the HTTP and websocket side (default 9000; 0: any free port)",
    "max_clients": "most clients connected at once; 0 means no limit (default 0)",
    "presence_style": "presence events: 'documented' (default) or 'reference'",
    "timeout": "seconds without a line before a client is timed out (default 120)",
    "ping_interval": "seconds between pings to an idle client (default 5)",
    "probe_seconds": "seconds a name holder has to answer a probe (default 2)",
    "handshake_timeout": "seconds a new connection has to send its name (default 10)",
    "max_line": "longest accepted line in bytes (default 4 MiB)",
    "max_pending": "output bytes queued for a client before it is cut (default 16 MiB)",
    "log_level": "DEBUG, INFO, WARNING or ERROR (default INFO)",
    "max_delayed": "pending _DELAY/_SCHEDULE messages per sender (default 1000)",
    "max_delayed_bytes": "bytes of pending messages per sender (default 16 MiB)",
    "max_delayed_total": "pending messages in the whole server (default 100000)",
    "max_delayed_total_bytes": "bytes of all pending messages (default 256 MiB)",
    "max_functions": "function subscriptions per client (default 50)",
    "meta_channels": "publish the OOCSI_* meta channels: true or false (default true)",
    "users": "users file of private names (write it with 'oocsi users add')",
    "max_password_checks": "password checks waiting at once; a private client "
    "connecting beyond that is refused (default 64)",
    "state_dir": "directory that keeps held and retained messages and heyOOCSI "
    "devices across restarts",
    "builtin_clients": "run the built-in clients: echo, heyOOCSIClient, "
    "http-web-request, timechannel, testchannel (default true)",
    "max_body": "bytes in one HTTP request body (default 1 MiB)",
    "max_sse": "server-sent event streams open at once (default 1000)",
    "sse_buffer": "events queued for one event stream before it ends (default 1000)",
    "sse_keepalive": "seconds between keep-alive comments on SSE streams (default 15)",
    "call_timeout": "seconds an HTTP service call waits for its reply (default 2)",
    "max_devices": "heyOOCSI devices kept at once; 0 means no limit (default 1000)",
    "max_device_parts": "properties, locations and components kept per heyOOCSI "
    "device (default 100)",
    "max_device_bytes": "bytes of JSON in one heyOOCSI device's description; a "
    "bigger one is refused (default 64 KiB)",
    "web_requests": "run the http-web-request client: true or false (default true)",
    "web_request_hosts": "comma-separated hosts http-web-request may reach "
    "on a private network (default: public addresses only)",
    "web_request_interval": "seconds between two http-web-request requests of "
    "one sender; 0 means no limit (default 0.5)",
    "web_request_rate": "http-web-request requests started in one second, for "
    "everyone (default 20)",
    "web_request_concurrency": "http-web-request requests running at once (default 16)",
    "web_request_timeout": "seconds for one http-web-request request, redirects "
    "included (default 10)",
    "web_request_max_body": "bytes of an http-web-request answer's body passed "
    "on (default 256 KiB)",
    "web_request_redirects": "redirects http-web-request follows (default 5)",
    "allowed_origins": "comma-separated origins allowed to POST (default: any)",
    "notice": "a notice shown on the landing page, e.g. for a public server",
}


_POSITIVE = (
    "timeout",
    "ping_interval",
    "handshake_timeout",
    "sse_buffer",
    "sse_keepalive",
    "call_timeout",
    "max_password_checks",
    "max_device_parts",
    "max_device_bytes",
    "web_request_rate",
    "web_request_concurrency",
    "web_request_timeout",
    "web_request_max_body",
)
_NOT_NEGATIVE = (
    "max_clients",
    "probe_seconds",
    "max_delayed",
    "max_delayed_total",
    "max_functions",
    "max_sse",
    "max_devices",
    "web_request_interval",
    "web_request_redirects",
)


class ConfigError(ValueError):
    """A setting has a value the server cannot use."""


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLEANS.update({"false": False, "no": False, "off": False, "0": False})


def _convert(name: str, value: Any, source: str) -> Any:
    default = getattr(Settings(), name)
    kind = type(default)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            return _BOOLEANS[str(value).strip().lower()]
        if isinstance(value, bool):
            raise TypeError
        converted = kind(value)
    except (TypeError, ValueError, KeyError):
        raise ConfigError(
            f"{name} from {source}: expected {kind.__name__}, got {value!r}"
        ) from None
    return converted


def _check(settings: Settings) -> None:
    for name in ("port", "http_port"):
        value = getattr(settings, name)
        if not 0 <= value <= 65535:
            raise ConfigError(f"{name} must be a port number (0-65535), got {value}")
    if settings.presence_style not in PRESENCE_STYLES:
        raise ConfigError(
            f"presence_style must be one of {', '.join(PRESENCE_STYLES)}, "
            f"got {settings.presence_style!r}"
        )
    if not isinstance(logging.getLevelName(settings.log_level.upper()), int):
        raise ConfigError(f"log_level {settings.log_level!r} is not a logging level")
    for name in _POSITIVE:
        if getattr(settings, name) <= 0:
            raise ConfigError(f"{name} must be positive")
    for name in _NOT_NEGATIVE:
        if getattr(settings, name) < 0:
            raise ConfigError(f"{name} must not be negative")
    for name in ("max_line", "max_pending", "max_body"):
        if getattr(settings, name) < 1024:
            raise ConfigError(f"{name} must be at least 1024 bytes")
    for origin in filter(None, settings.allowed_origins.split(",")):
        if not origin.strip().startswith(("http://", "https://")):
            raise ConfigError(
                f"allowed_origins: {origin.strip()!r} is not scheme://host[:port]"
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    section = table.get("server", table)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [server] must be a table")
    unknown = sorted(set(section) - set(Settings.names()))
    if unknown:
        raise ConfigError(f"config file {path}: unknown settings {', '.join(unknown)}")
    return section


def load_settings(
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    config_file: str | None = None,
) -> Settings:
    """Merge the three sources; ``flags`` holds only the flags that were given."""
    values: dict[str, Any] = {}
    path = config_file or environ.get("OOCSI_CONFIG")
    if path:
        for name, value in _read_toml(Path(path)).items():
            values[name] = _convert(name, value, f"config file {path}")
    for name in Settings.names():
        key = f"OOCSI_{name.upper()}"
        if key in environ:
            values[name] = _convert(name, environ[key], key)
    for name, value in flags.items():
        if value is not None:
            values[name] = _convert(name, value, f"--{name.replace('_', '-')}")
    settings = dataclasses.replace(Settings(), **values)
    _check(settings)
    return settings
