"""Receive accounting: every message counted once, loss, duplicates, order.

Rules:
- A receiver expects, from each publisher it listens to, sequences ``0`` to
  ``msgs - 1``. A sequence seen twice is a duplicate; one lower than the
  highest seen from that publisher is out of order; what never came is lost.
- A unit (line or frame) holding a mark but more ``{`` than one message has
  is corrupt: two messages were spliced together.
- The common case, a chunk of units that are all plain messages, is checked
  with one regular-expression pass over the whole chunk; anything else goes
  unit by unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoocsi.bench.histogram import Histogram
from pyoocsi.bench.wire import MARK, PROBE

__all__ = ["Counts", "Receiver"]


@dataclass(slots=True)
class Counts:
    """What one process's receivers saw; summed over processes."""

    delivered: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    corrupt: int = 0
    invalid: int = 0  # a mark from a publisher or sequence nobody sent
    other: int = 0  # lines that are neither messages nor pings
    pings: int = 0
    first_receive_ns: int = 0
    last_receive_ns: int = 0
    latency: Histogram = field(default_factory=Histogram)


class _Slot:
    __slots__ = ("seen", "top")

    def __init__(self, msgs: int) -> None:
        self.seen = bytearray(msgs)
        self.top = -1


class Receiver:
    """One client's receiving side."""

    def __init__(
        self, counts: Counts, publishers: list[int], msgs: int, braces: int
    ) -> None:
        self.counts = counts
        self.slots = {str(p).encode(): _Slot(msgs) for p in publishers}
        self.received = 0
        self.probed = False
        self.pinged = 0
        self._braces = braces

    def receive(self, units: bytes, now: int) -> None:
        """Account a chunk of complete units, each ending in ``\\n``."""
        marks = MARK.findall(units)
        lines = units.count(b"\n")
        if len(marks) != lines or units.count(b"{") != lines * self._braces:
            for unit in units.split(b"\n")[:-1]:
                self._unit(unit, now)
            return
        self._count(marks, now)

    def _unit(self, unit: bytes, now: int) -> None:
        counts = self.counts
        marks = MARK.findall(unit)
        if marks and unit.count(b"{") == self._braces and len(marks) == 1:
            self._count(marks, now)
        elif marks:
            counts.corrupt += 1
        elif unit.strip() == b"ping":
            self.pinged += 1
            counts.pings += 1
        elif PROBE in unit:
            self.probed = True
        else:
            counts.other += 1

    def _count(self, marks: list[tuple[bytes, bytes, bytes]], now: int) -> None:
        counts = self.counts
        slots = self.slots
        buckets = counts.latency.counts
        delivered = total = 0
        low = high = -1
        for publisher, sequence, sent in marks:
            slot = slots.get(publisher)
            number = int(sequence)
            if slot is None or number >= len(slot.seen):
                counts.invalid += 1
                continue
            seen = slot.seen
            if seen[number]:
                counts.duplicates += 1
                continue
            seen[number] = 1
            if number < slot.top:
                counts.out_of_order += 1
            else:
                slot.top = number
            delivered += 1
            # The histogram's bucket_of, inlined: this loop runs per delivery.
            latency = now - int(sent)
            if latency < 128:
                latency = max(latency, 0)
                buckets[latency] += 1
            else:
                shift = latency.bit_length() - 8
                buckets[(shift << 7) + (latency >> shift)] += 1
            total += latency
            if low < 0 or latency < low:
                low = latency
            high = max(high, latency)
        if delivered:
            counts.latency.note(delivered, total, low, high)
            counts.delivered += delivered
            self.received += delivered
            if not counts.first_receive_ns:
                counts.first_receive_ns = now
            counts.last_receive_ns = now
