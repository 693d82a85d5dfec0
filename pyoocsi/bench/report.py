"""The figures of a bench run as a text table or as JSON, with the ratios.

A ratio is the first server's figure divided by the second's, in the same
run: above 1 the first delivers more per second, or waits longer.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from dataclasses import dataclass
from typing import Any

from pyoocsi._version import __version__
from pyoocsi.bench.runner import Result
from pyoocsi.bench.scenarios import Kind, Scenario
from pyoocsi.bench.wire import Target

__all__ = ["Bar", "Outcome", "as_json", "as_table"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scenario run against each server, in the order of ``targets``."""

    scenario: Scenario
    results: tuple[Result, ...]


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b:
        return None
    return round(a / b, 3)


def ratios(outcome: Outcome) -> dict[str, float | None] | None:
    if len(outcome.results) < 2:
        return None
    a, b = outcome.results[:2]
    if outcome.scenario.kind is Kind.CONNECT:
        return {
            "connect_s": _ratio(a.connect_s, b.connect_s),
            "server_rss_mb": _ratio(a.server_rss_mb, b.server_rss_mb),
        }
    return {
        "delivered_per_s": _ratio(a.delivered_per_s, b.delivered_per_s),
        "p50": _ratio(a.latency_ms.get("p50"), b.latency_ms.get("p50")),
        "p99": _ratio(a.latency_ms.get("p99"), b.latency_ms.get("p99")),
    }


def as_json(
    outcomes: list[Outcome], targets: list[Target], quick: bool, workers: int
) -> dict[str, Any]:
    """The whole run as one JSON-ready dict."""
    return {
        "tool": "oocsi bench",
        "version": __version__,
        "quick": quick,
        "workers": workers,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "targets": [str(t) for t in targets],
        "scenarios": [
            {
                "name": o.scenario.name,
                "title": o.scenario.title,
                "kind": o.scenario.kind.value,
                "params": {
                    k: v
                    for k, v in dataclasses.asdict(o.scenario).items()
                    if k not in ("name", "title", "kind")
                },
                "results": [
                    {"target": str(t), "correct": r.correct, **dataclasses.asdict(r)}
                    for t, r in zip(targets, o.results, strict=True)
                ],
                "ratio": ratios(o),
            }
            for o in outcomes
        ],
        "correct": all(r.correct for o in outcomes for r in o.results),
    }


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _row(outcome: Outcome, result: Result) -> list[str]:
    latency = result.latency_ms
    if outcome.scenario.kind is Kind.CONNECT:
        rate = f"{result.welcomed:,} in {result.connect_s:.2f} s"
    else:
        rate = _number(result.delivered_per_s)
    return [
        rate,
        _number(result.lost),
        _number(result.out_of_order),
        _number(result.duplicates + result.corrupt + result.invalid),
        _number(latency.get("p50"), 2),
        _number(latency.get("p99"), 2),
        _number(result.server_cpu_s, 2),
        _number(result.server_rss_mb, 0),
        _number(result.tool_cpu_s, 2),
        result.status if result.correct else f"{result.status}, NOT CORRECT",
    ]


_HEADER = [
    "scenario",
    "server",
    "delivered/s",
    "lost",
    "out of order",
    "dup+bad",
    "p50 ms",
    "p99 ms",
    "server cpu s",
    "server MB",
    "tool cpu s",
    "status",
]


def as_table(outcomes: list[Outcome], targets: list[Target]) -> str:
    """A plain text table, one row per scenario and server, then the ratios."""
    rows: list[list[str]] = []
    for outcome in outcomes:
        name = outcome.scenario.name
        for target, result in zip(targets, outcome.results, strict=True):
            rows.append([name, str(target), *_row(outcome, result)])
            name = ""
        found = ratios(outcome)
        if found is not None:
            shown = ", ".join(f"{k} {v:g}" for k, v in found.items() if v is not None)
            rows.append(["", "ratio first/second", shown] + [""] * 9)
    widths = [len(h) for h in _HEADER]
    for row in rows:
        if row[1] != "ratio first/second":
            widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(_HEADER, widths, strict=True))]
    for row in rows:
        if row[1] == "ratio first/second":
            lines.append(f"{''.ljust(widths[0])}  ratio (first/second): {row[2]}")
        else:
            lines.append(
                "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
            )
    sizes = [f"{o.scenario.name}: {o.scenario.describe()}" for o in outcomes]
    return "\n".join([*lines, "", *sizes])


class Bar:
    """A one-line progress bar on stderr, redrawn in place."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.label = ""
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        share = min(1.0, done / total) if total else 0.0
        filled = int(share * 30)
        sys.stderr.write(
            f"\r{self.label[:40]:<40} [{'#' * filled}{'.' * (30 - filled)}] "
            f"{share * 100:3.0f}% {done:,}/{total:,}"
        )
        sys.stderr.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r" + " " * 100 + "\r")
            sys.stderr.flush()
            self._shown = False
