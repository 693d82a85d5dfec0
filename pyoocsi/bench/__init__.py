"""``oocsi bench``: a multi-process load generator for any OOCSI server.

:func:`~pyoocsi.bench.runner.run_scenario` runs one scenario of
:mod:`pyoocsi.bench.scenarios` against one server and returns its
:class:`~pyoocsi.bench.runner.Result`; the command line in
:mod:`pyoocsi.cli.bench` runs several and prints them.
"""

from pyoocsi.bench.runner import Result, RunOptions, run_scenario
from pyoocsi.bench.scenarios import QUICK, SCENARIOS, Kind, Scenario
from pyoocsi.bench.wire import Target

__all__ = [
    "QUICK",
    "SCENARIOS",
    "Kind",
    "Result",
    "RunOptions",
    "Scenario",
    "Target",
    "run_scenario",
]
