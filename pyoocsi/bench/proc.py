"""CPU time and memory of a server process on this machine, from ``/proc``."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ProcessSample", "sample"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class ProcessSample:
    cpu_s: float  # user + system time so far
    rss_mb: float  # resident memory now


def sample(pid: int) -> ProcessSample | None:
    """The process's CPU time and memory, or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            rss_kb = next(
                int(line.split()[1]) for line in status if line.startswith("VmRSS:")
            )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    # After the command name: state is field 3, utime 14 and stime 15.
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS
    return ProcessSample(cpu, rss_kb / 1024)
