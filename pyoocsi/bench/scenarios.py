"""The benchmark scenarios, their default sizes and their ``--quick`` sizes.

The defaults are the cases of the performance table in ``docs/performance.md``
(the same cases the reference server and the C relay were measured with).
Every size is an option: ``--<scenario>-<field>``, for example
``--fanout-msgs 5000`` or ``--connect-clients 2000``.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

__all__ = ["QUICK", "SCENARIOS", "TUNABLE", "Kind", "Scenario", "expected_deliveries"]


class Kind(enum.Enum):
    FANOUT = "fanout"  # publishers send to one channel, every subscriber gets all
    PAIRS = "pairs"  # clients in pairs send direct messages to each other
    CONNECT = "connect"  # many clients connect and stay connected a while


@dataclass(frozen=True, slots=True)
class Scenario:
    """One case. ``subs`` is subscribers, pairs or clients, after ``kind``."""

    name: str
    kind: Kind
    title: str
    pubs: int = 1
    subs: int = 10
    msgs: int = 1000  # per publisher (per client for pairs)
    size: int = 100  # bytes of the JSON payload, about
    rate: float = 0.0  # messages per second per publisher; 0 is as fast as possible
    hold: float = 1.0  # connect: seconds the clients stay connected

    def describe(self) -> str:
        """The case in a few words, with its current sizes."""
        if self.kind is Kind.PAIRS:
            return f"{self.subs} pairs x {self.msgs:,} direct msgs"
        if self.kind is Kind.CONNECT:
            return f"{self.subs:,} clients connecting"
        paced = f" at {self.rate:g}/s" if self.rate else ""
        return f"{self.pubs}->{self.subs}, {self.msgs:,} msgs of {self.size} B{paced}"


def expected_deliveries(scenario: Scenario) -> int:
    """How many deliveries a server that loses nothing makes."""
    if scenario.kind is Kind.FANOUT:
        return scenario.pubs * scenario.subs * scenario.msgs
    if scenario.kind is Kind.PAIRS:
        return 2 * scenario.subs * scenario.msgs
    return 0


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("fanout", Kind.FANOUT, "fan-out 1 -> 10", 1, 10, 20_000),
    Scenario("fanout-wide", Kind.FANOUT, "fan-out 1 -> 100", 1, 100, 2_000),
    Scenario("fanout-many", Kind.FANOUT, "fan-out 10 -> 10", 10, 10, 5_000),
    Scenario("pairs", Kind.PAIRS, "direct, 50 pairs", 1, 50, 2_000),
    Scenario(
        "latency", Kind.FANOUT, "latency at 1,000 msg/s", 1, 10, 10_000, rate=1000
    ),
    Scenario("large", Kind.FANOUT, "fan-out 1 -> 10, 4 KB", 1, 10, 1_000, size=4096),
    Scenario("connect", Kind.CONNECT, "clients connecting", 0, 10_000, 0, hold=1.0),
)

# The sizes each kind of scenario reads: (option suffix, field).
TUNABLE: dict[Kind, tuple[tuple[str, str], ...]] = {
    Kind.FANOUT: (
        ("pubs", "pubs"),
        ("subs", "subs"),
        ("msgs", "msgs"),
        ("size", "size"),
        ("rate", "rate"),
    ),
    Kind.PAIRS: (("pairs", "subs"), ("msgs", "msgs"), ("size", "size")),
    Kind.CONNECT: (("clients", "subs"), ("hold", "hold")),
}

# Small sizes for a smoke run (``--quick``): a few seconds for all of them.
_QUICK_SIZES: dict[str, dict[str, float]] = {
    "fanout": {"msgs": 500},
    "fanout-wide": {"subs": 20, "msgs": 100},
    "fanout-many": {"pubs": 4, "subs": 4, "msgs": 200},
    "pairs": {"subs": 10, "msgs": 200},
    "latency": {"msgs": 500},
    "large": {"msgs": 100},
    "connect": {"subs": 200, "hold": 0.2},
}

QUICK: tuple[Scenario, ...] = tuple(
    dataclasses.replace(s, **_QUICK_SIZES.get(s.name, {}))  # type: ignore[arg-type]
    for s in SCENARIOS
)
