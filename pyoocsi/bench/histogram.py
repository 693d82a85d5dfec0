"""A latency histogram that merges across processes and costs a few operations.

Values are nanoseconds. Below 128 each value has its own bucket; above, a
bucket keeps the 8 leading bits of the value, so any value is known within
0.8 %. Bucket ``b >= 128`` holds values ``(128 + b % 128) << (b // 128 - 1)``
up to the next bucket's start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["BUCKETS", "Histogram", "bucket_of"]

BUCKETS = 64 * 128  # enough for any 63-bit value


def bucket_of(value: int) -> int:
    """The bucket a value falls in (negative values count as 0)."""
    if value < 128:
        return max(value, 0)
    shift = value.bit_length() - 8
    return (shift << 7) + (value >> shift)


def _bucket_start(bucket: int) -> int:
    if bucket < 128:
        return bucket
    shift = (bucket >> 7) - 1
    return ((bucket & 127) + 128) << shift


def _bucket_middle(bucket: int) -> int:
    if bucket < 128:
        return bucket
    shift = (bucket >> 7) - 1
    return _bucket_start(bucket) + ((1 << shift) >> 1)


class Histogram:
    """Counts per bucket plus the exact count, sum, minimum and maximum."""

    __slots__ = ("counts", "maximum", "minimum", "n", "total")

    def __init__(self) -> None:
        self.counts = [0] * BUCKETS
        self.n = 0
        self.total = 0
        self.minimum = 0
        self.maximum = 0

    def add(self, value: int) -> None:
        self.counts[bucket_of(value)] += 1
        self.note(1, value, value, value)

    def note(self, n: int, total: int, low: int, high: int) -> None:
        """Account ``n`` values already put in ``counts`` by a caller's loop."""
        if not n:
            return
        if not self.n or low < self.minimum:
            self.minimum = low
        self.maximum = max(self.maximum, high)
        self.n += n
        self.total += total

    def merge(self, other: Histogram) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.note(other.n, other.total, other.minimum, other.maximum)

    def percentile(self, fraction: float) -> int:
        """The value at ``fraction`` (0 to 1) of the distribution, in ns."""
        if not self.n:
            return 0
        rank = max(1, math.ceil(fraction * self.n))
        if rank >= self.n:
            return self.maximum
        seen = 0
        for bucket, count in enumerate(self.counts):
            seen += count
            if seen >= rank:
                middle = _bucket_middle(bucket)
                return min(max(middle, self.minimum), self.maximum)
        return self.maximum

    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    def sparse(self) -> dict[int, int]:
        """The non-empty buckets, to send to another process."""
        return {b: c for b, c in enumerate(self.counts) if c}

    @classmethod
    def from_sparse(
        cls, buckets: Iterable[tuple[int, int]], n: int, total: int, low: int, high: int
    ) -> Histogram:
        histogram = cls()
        for bucket, count in buckets:
            histogram.counts[bucket] += count
        histogram.note(n, total, low, high)
        return histogram
