"""``oocsi bench``: load-test any OOCSI server, optionally next to a second one."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import Any

from pyoocsi.bench.report import Bar, Outcome, as_json, as_table
from pyoocsi.bench.runner import RunOptions, run_scenario
from pyoocsi.bench.scenarios import QUICK, SCENARIOS, TUNABLE, Scenario
from pyoocsi.bench.wire import Target
from pyoocsi.cli.tools import add_command, port_number, positive_seconds

__all__ = ["register"]

_NAMES = [s.name for s in SCENARIOS]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``oocsi bench``."""
    parser = add_command(
        subparsers,
        "bench",
        help="measure an OOCSI server (throughput, loss, order, latency)",
        description=(
            "Run load scenarios against an OOCSI server with several load "
            "generator processes and print delivered messages per second, "
            "losses, reordering and latency percentiles. With --vs, each "
            "scenario also runs against a second server and the ratios are shown. "
            f"Scenarios: {', '.join(_NAMES)}."
        ),
    )
    where = parser.add_argument_group("servers")
    where.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    where.add_argument("--port", type=port_number, default=4444, help="default 4444")
    where.add_argument("--url", help="a websocket URL (ws://HOST:PORT/ws) instead")
    where.add_argument(
        "--vs", metavar="HOST:PORT", help="a second server (or ws:// URL) to compare"
    )
    where.add_argument(
        "--pid", type=int, default=0, help="the server's process id: CPU and memory"
    )
    where.add_argument("--vs-pid", type=int, default=0, help="the same for --vs")
    run = parser.add_argument_group("run")
    run.add_argument(
        "--scenario",
        action="append",
        choices=_NAMES,
        help="run only this scenario (repeat for several; default all)",
    )
    run.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    run.add_argument(
        "--workers",
        type=int,
        default=max(2, os.cpu_count() or 2),
        help="load generator processes (default: one per CPU, at least 2)",
    )
    run.add_argument(
        "--connect-window",
        type=int,
        default=50,
        help="handshakes in flight at once (default 50)",
    )
    run.add_argument(
        "--drain",
        type=positive_seconds,
        default=5.0,
        help="seconds without progress before a run ends (default 5)",
    )
    run.add_argument(
        "--timeout",
        type=positive_seconds,
        default=600.0,
        help="seconds per run (default 600)",
    )
    run.add_argument("--json", action="store_true", help="print JSON, not a table")
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    sizes = parser.add_argument_group(
        "scenario sizes", "defaults are the full sizes; --quick shrinks them"
    )
    for scenario in SCENARIOS:
        for option, name in TUNABLE[scenario.kind]:
            default = getattr(scenario, name)
            sizes.add_argument(
                f"--{scenario.name}-{option}",
                dest=f"size_{scenario.name}_{name}",
                type=type(default),
                metavar=option.upper(),
                help=f"default {default:g}",
            )
    parser.set_defaults(handler=run_bench)


def _scenarios(args: argparse.Namespace) -> list[Scenario]:
    chosen = args.scenario or _NAMES
    table = QUICK if args.quick else SCENARIOS
    found = []
    for scenario in table:
        if scenario.name not in chosen:
            continue
        changes = {
            name: getattr(args, f"size_{scenario.name}_{name}")
            for _option, name in TUNABLE[scenario.kind]
            if getattr(args, f"size_{scenario.name}_{name}") is not None
        }
        found.append(dataclasses.replace(scenario, **changes))
    return found


def _targets(args: argparse.Namespace) -> list[Target]:
    first = Target.parse(args.url) if args.url else Target(args.host, args.port)
    return [first] if not args.vs else [first, Target.parse(args.vs)]


def run_bench(args: argparse.Namespace) -> int:
    """Run the chosen scenarios; exit status 1 if anything was lost or reordered,
    or at once, with one line, when no client can connect to a server."""
    try:
        targets = _targets(args)
    except ValueError as exc:
        print(f"oocsi bench: {exc}", file=sys.stderr)
        return 2
    pids = [args.pid, args.vs_pid]
    show = sys.stderr.isatty() if args.progress is None else args.progress
    bar = Bar(show)
    outcomes = []
    for scenario in _scenarios(args):
        results = []
        for number, target in enumerate(targets):
            options = RunOptions(
                workers=args.workers,
                window=args.connect_window,
                drain=args.drain,
                timeout=args.timeout,
                pid=pids[number],
            )
            bar.label = f"{scenario.name} @ {target}"
            result = run_scenario(scenario, target, options, bar)
            bar.clear()
            if result.status == "connect_failed" and not result.welcomed:
                # Nothing was measured: a table of losses would only hide this.
                # Connect errors begin with the client's name, which says little.
                reason = result.first_error.partition(": ")[2] or result.first_error
                print(f"oocsi bench: cannot reach {target}: {reason}", file=sys.stderr)
                return 1
            results.append(result)
        outcomes.append(Outcome(scenario, tuple(results)))
    if args.json:
        print(
            json.dumps(as_json(outcomes, targets, args.quick, args.workers), indent=2)
        )
    else:
        print(as_table(outcomes, targets))
    return 0 if all(r.correct for o in outcomes for r in o.results) else 1
