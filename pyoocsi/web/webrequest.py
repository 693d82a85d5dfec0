"""``http-web-request``: a client that makes HTTP requests for others.

Rules:
- A direct message to ``http-web-request`` asks for one request: ``url``
  (``https://`` is put in front unless it starts with ``http``), ``method``
  (``get``, the default, or ``post``, in any case), ``body`` (a POST body sent
  as a form: a string as it is, an object encoded as fields) or else ``json``
  (a POST body sent as JSON: a string as it is, anything else written as
  JSON), and ``channel``, where the answer goes (the sender by default).
- The answer comes from ``http-web-request``: the question's data (so
  ``_MESSAGE_ID`` is kept and ``call`` works) with ``result-status``,
  ``result-body`` (text, at most ``max_body`` bytes of it) and
  ``result-content-type``. Failures are answered too, with their own status:
  404 for a malformed URL (as the reference), 405 for a method other than get
  and post, 403 for an address that is not public, 429 for a sender asking
  again within ``interval``, 503 when ``in_flight`` requests are running, 502
  when the server cannot be reached or its answer cannot be followed, 504
  after ``timeout``, 508 after ``redirects`` redirects. These limits are the
  ``web_request_*`` settings (:class:`~pyoocsi.web.settings.WebRequestLimits`).
- Built-in clients never ask it (see :mod:`pyoocsi.web.local`), and an answer
  sent back to it is not a question.
- Only public addresses are reached, redirects included (to http or https
  only): a host name is resolved first
  and every address checked, so a name cannot lead to the server's own network.
- The answer goes to the asker or to a channel, never to another client (403):
  answers can be large, and strangers' questions must not flood a client off
  the bus. At most ``per_second`` requests start in one second. The
  ``web_request_hosts`` setting names hosts that may be reached anyway (a
  device on the LAN, say).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from pyoocsi.core.hub import Client, Hub
from pyoocsi.core.message import Message
from pyoocsi.web.local import LocalPeer, answer_data
from pyoocsi.web.settings import WebRequestLimits

__all__ = [
    "CLIENT_NAME",
    "Outbound",
    "RequestRefusedError",
    "WebRequestClient",
    "public",
    "read_request",
    "reply_to",
]

logger = logging.getLogger("pyoocsi.web")

CLIENT_NAME = "http-web-request"
MALFORMED = "The URL seems to be malformed."


class RequestRefusedError(Exception):
    """A request that is not made; ``status`` and the text go into the answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class Outbound:
    """One request to make, and where its answer goes."""

    url: URL
    method: str  # GET or POST
    body: bytes | None
    content_type: str | None
    reply_to: str


def reply_to(data: dict[str, Any], sender: str) -> str:
    """Where the answer to a request goes: its ``channel``, else its sender."""
    channel = data.get("channel")
    return channel if isinstance(channel, str) and channel else sender


def read_request(data: dict[str, Any], sender: str) -> Outbound:
    """The request a message asks for; raises :class:`RequestRefusedError`."""
    text = data.get("url")
    if not isinstance(text, str) or not text.strip():
        raise RequestRefusedError(404, MALFORMED)
    text = text.strip()
    if not text.lower().startswith(("http://", "https://")):
        if "://" in text:  # another scheme
            raise RequestRefusedError(404, MALFORMED)
        text = "https://" + text  # "httpbin.org" is a host, not a scheme
    try:
        url = URL(text)
        host = url.host  # decoding a bad IDNA label fails only here
    except (ValueError, IndexError, UnicodeError):  # yarl's ways to say "no"
        raise RequestRefusedError(404, MALFORMED) from None
    if url.scheme not in ("http", "https") or not host:
        raise RequestRefusedError(404, MALFORMED)
    method = data.get("method", "get")
    method = method.upper() if isinstance(method, str) else ""
    if method not in ("GET", "POST"):
        raise RequestRefusedError(405, "method must be get or post")
    body, content_type = _body(data) if method == "POST" else (None, None)
    return Outbound(url, method, body, content_type, reply_to(data, sender))


def _body(data: dict[str, Any]) -> tuple[bytes | None, str | None]:
    form = data.get("body")
    if isinstance(form, dict):
        form = urlencode({str(k): str(v) for k, v in form.items()})
    if isinstance(form, str) and form:
        return form.encode(), "application/x-www-form-urlencoded"
    payload = data.get("json")
    if payload is None:
        return None, None
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return text.encode(), "application/json"


# IPv6 ranges that carry an IPv4 address in their low 32 bits: IPv4-compatible
# and the NAT64 prefixes (RFC 6052, RFC 8215)
_CARRIES_IPV4 = tuple(
    ipaddress.ip_network(n)
    for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


def public(address: str) -> bool:
    """Whether an IP address is on the public internet.

    An IPv6 address that carries an IPv4 one (mapped, compatible, NAT64, 6to4,
    Teredo) is public only if that IPv4 address is: a NAT64 gateway would
    otherwise lead to the private network behind it.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(ip in net for net in _CARRIES_IPV4):
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(v4 is not None and not v4.is_global for v4 in inner):
            return False
        if ip.is_site_local:  # fec0::/10, deprecated but still routed inside
            return False
    return ip.is_global and not ip.is_multicast


def _looks_numeric(host: str) -> bool:
    """An IP address, or a host some socket layers read as one (``127.1``,
    ``2130706433``, ``0177.0.0.1``): such hosts never reach a resolver."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return ":" in host or host.replace(".", "").isdigit()
    return True


def _host_key(host: str) -> str:
    """A host as the allow-list compares it: lower case, an IP address in its
    one canonical spelling (``[::1]`` and ``0:0::1`` are ``::1``)."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _may_reach(host: str, addresses: list[str], allowed: Collection[str]) -> bool:
    """The one rule: a host on the allow-list, or one whose every address is
    public."""
    return _host_key(host) in allowed or all(public(a) for a in addresses)


class _BlockedError(OSError):
    """A host that resolves to an address outside the public internet."""


class PublicResolver(AbstractResolver):
    """Resolves host names, refusing those that lead to a non-public address.

    aiohttp connects to exactly the addresses a resolver returns, so a name
    cannot be resolved once for the check and again, differently, for use.
    """

    def __init__(self, allowed: Collection[str]) -> None:
        self._inner = aiohttp.ThreadedResolver()
        self._allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if not _may_reach(host, [r["host"] for r in found], self._allowed):
            raise _BlockedError(f"{host} is not a public address")
        return found

    async def close(self) -> None:
        await self._inner.close()


class WebRequestClient(LocalPeer):
    """``http-web-request`` on the bus."""

    def __init__(
        self,
        hub: Hub,
        allowed_hosts: Collection[str] = (),
        clock: Callable[[], float] = time.monotonic,
        limits: WebRequestLimits | None = None,
    ) -> None:
        super().__init__(hub, CLIENT_NAME, "built-in client", builtin=True)
        self.allowed = frozenset(_host_key(h) for h in allowed_hosts if h.strip())
        self.limits = limits if limits is not None else WebRequestLimits()
        self._clock = clock
        self._last: dict[str, float] = {}  # sender -> when it last asked
        self._started: deque[float] = deque()  # when requests of the last second began
        self._running: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        for task in list(self._running):
            task.cancel()
        self.leave()

    async def closed(self) -> None:
        """Wait until the requests :meth:`stop` cancelled have ended."""
        await asyncio.gather(*self._running, return_exceptions=True)

    def received(self, message: Message) -> None:
        # an answer is never a question, whoever sends it back here
        if not self.asked(message) or "result-status" in message.data:
            return
        data, sender = message.data, message.sender
        recipient = self._recipient(data, sender)
        try:
            request = read_request(data, sender)
            if recipient != request.reply_to:
                raise RequestRefusedError(403, "answers go to the asker or a channel")
            self._admit(sender)
        except RequestRefusedError as exc:
            logger.warning("web request of %s refused: %s", sender, exc)
            self._answer(recipient, data, exc.status, str(exc), "text/plain")
            return
        task = asyncio.get_running_loop().create_task(self._run(request, data))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _recipient(self, data: dict[str, Any], sender: str) -> str:
        # An answer may be large: it goes to the asker or to a channel, never
        # to another client, whom strangers' questions could flood off the bus.
        recipient = reply_to(data, sender)
        entry = self.hub.names.get(recipient.partition(":")[0])
        return sender if isinstance(entry, Client) else recipient

    def _admit(self, sender: str) -> None:
        # A limit for everyone as well as one per sender: HTTP askers can take a
        # new name for every request.
        limits, now = self.limits, self._clock()
        interval = limits.interval
        last = self._last.get(sender)
        if last is not None and now - last < interval:
            raise RequestRefusedError(429, f"one request per {interval:g} s")
        if len(self._running) >= limits.in_flight:
            raise RequestRefusedError(503, "too many requests running")
        started = self._started
        while started and now - started[0] >= 1.0:
            started.popleft()
        if len(started) >= limits.per_second:
            raise RequestRefusedError(
                429, f"at most {limits.per_second} requests a second"
            )
        started.append(now)
        self._last = {s: t for s, t in self._last.items() if now - t < interval}
        self._last[sender] = now

    async def _run(self, request: Outbound, data: dict[str, Any]) -> None:
        try:
            status, body, content_type = await asyncio.wait_for(
                self._fetch(request), self.limits.timeout
            )
        except RequestRefusedError as exc:
            status, body, content_type = exc.status, str(exc), "text/plain"
        except TimeoutError:
            status, body = 504, f"no answer within {self.limits.timeout:g} s"
            content_type = "text/plain"
        except aiohttp.ClientError as exc:
            reason = _reason(exc)
            status = 403 if isinstance(_cause(exc), _BlockedError) else 502
            body, content_type = reason, "text/plain"
        except ValueError as exc:  # an answer aiohttp cannot follow (a bad Location)
            status, body, content_type = 502, f"unusable answer: {exc}", "text/plain"
        except Exception:  # a defect: logged, and the asker still gets an answer
            logger.exception("web request to %s failed", request.url.host)
            status, body, content_type = 502, "the request failed", "text/plain"
        if status >= 400:
            brief = body if len(body) <= 80 else body[:77] + "..."
            logger.info("web request to %s: %d %s", request.url.host, status, brief)
        self._answer(request.reply_to, data, status, body, content_type)

    async def _fetch(self, request: Outbound) -> tuple[int, str, str]:
        connector = aiohttp.TCPConnector(resolver=PublicResolver(self.allowed))
        async with aiohttp.ClientSession(connector=connector) as session:
            url, method, body = request.url, request.method, request.body
            headers: dict[str, str] = {}
            if body is not None and request.content_type is not None:
                headers["Content-Type"] = request.content_type
            redirects = self.limits.redirects
            for _ in range(redirects + 1):
                self._check_literal(url)
                async with session.request(
                    method, url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    target = response.headers.get("Location")
                    if response.status in (301, 302, 303, 307, 308) and target:
                        url = url.join(URL(target))
                        if url.scheme not in ("http", "https"):
                            raise ValueError(f"a redirect to {url.scheme}:")
                        if response.status in (301, 302, 303):
                            method, body, headers = "GET", None, {}
                        continue
                    head = await _head(response, self.limits.max_body)
                    text = _text(head, response.charset)
                    return response.status, text, response.content_type
        raise RequestRefusedError(508, f"more than {redirects} redirects")

    def _check_literal(self, url: URL) -> None:
        # aiohttp does not resolve an IP address, so the resolver never sees it
        host = url.host or ""
        if _looks_numeric(host) and not _may_reach(host, [host], self.allowed):
            raise RequestRefusedError(403, f"{host} is not a public address")

    def _answer(
        self,
        recipient: str,
        data: dict[str, Any],
        status: int,
        body: str,
        content_type: str,
    ) -> None:
        if self.client is None:
            return
        answer = answer_data(data)
        answer["result-status"] = status
        answer["result-body"] = body
        answer["result-content-type"] = content_type
        self.hub.publish(self.name, recipient, answer)


async def _head(response: aiohttp.ClientResponse, most: int) -> bytes:
    """The body, or its first ``most`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while size < most:
        chunk = await response.content.read(most - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _text(raw: bytes, charset: str | None) -> str:
    try:
        return raw.decode(charset or "utf-8", "replace")
    except (LookupError, UnicodeError):  # unknown, or not a text charset (idna)
        return raw.decode("utf-8", "replace")


def _cause(exc: BaseException) -> BaseException | None:
    return getattr(exc, "os_error", None) or exc.__cause__


def _reason(exc: aiohttp.ClientError) -> str:
    cause = _cause(exc)
    return str(cause) if cause is not None else (str(exc) or type(exc).__name__)
