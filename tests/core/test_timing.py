"""_RETAIN, _DELAY and _SCHEDULE values, including hostile ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from pyoocsi.core.timing import (
    MAX_RETAIN_MS,
    TooFarAheadError,
    due_time,
    retain_ms,
)

NOW = 1_796_000_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60, 60_000),
        ("60", 60_000),
        (1.5, 1_500),
        (" 2.25 ", 2_250),
        (0, None),
        (-5, None),
        ("abc", None),
        (True, None),
        (None, None),
        ([1], None),
        (float("nan"), None),
        (1e308, MAX_RETAIN_MS),
        (10**400, MAX_RETAIN_MS),
        (-(10**400), None),
        ("1e999", MAX_RETAIN_MS),
        (172_800, MAX_RETAIN_MS),
        (999_999, MAX_RETAIN_MS),
    ],
)
def test_retain_ms(value: Any, expected: int | None) -> None:
    assert retain_ms({"_RETAIN": value}) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"_DELAY": 2}, NOW + 2_000),
        ({"_DELAY": "0.5"}, NOW + 500),
        ({"_DELAY": 0}, None),
        ({"_DELAY": -(10**400)}, None),
        ({"_DELAY": "soon"}, None),
        ({"_SCHEDULE": "0001-01-01 00:00:00"}, None),
        ({"_SCHEDULE": "0001-01-01T00:00:00"}, None),
        ({"_SCHEDULE": "9999-12-31T23:59:59+14:00"}, "far"),
        ({"_SCHEDULE": "tomorrow"}, None),
        ({"_SCHEDULE": 12}, None),
        ({"_DELAY": 10**400}, "far"),
        ({"_DELAY": 1e308}, "far"),
        ({"_DELAY": 32 * 86_400}, "far"),
        ({"_DELAY": 1, "_SCHEDULE": "2001-01-01 00:00:00"}, NOW + 1_000),
    ],
)
def test_due_time(data: dict[str, Any], expected: int | str | None) -> None:
    if expected == "far":
        with pytest.raises(TooFarAheadError):
            due_time(data, NOW)
    else:
        assert due_time(data, NOW) == expected


def test_schedule_in_local_time_and_iso_agree() -> None:
    moment = datetime.now().replace(microsecond=0) + timedelta(hours=1)
    now = round((moment - timedelta(hours=1)).timestamp() * 1000)
    local = due_time({"_SCHEDULE": moment.strftime("%Y-%m-%d %H:%M:%S")}, now)
    iso = due_time({"_SCHEDULE": moment.astimezone().isoformat()}, now)
    assert local == iso == round(moment.timestamp() * 1000)
