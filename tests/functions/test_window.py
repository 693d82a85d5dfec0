"""Window functions: the reference's values, its window length rules, its quirks."""

from __future__ import annotations

import pytest

from pyoocsi.core.encoding import java_float
from pyoocsi.functions import Expression, ExpressionError
from pyoocsi.functions.numbers import result_float32
from pyoocsi.functions.window import WINDOW_CAP


def _series(text: str, values: list[object]) -> list[str]:
    expression = Expression(text)
    windows = expression.new_windows()
    results = []
    for value in values:
        result = expression.evaluate({"x": value}, windows=windows)
        results.append(java_float(result_float32(result)))
    return results


def test_stdev_of_a_first_value_divides_by_the_window_length() -> None:
    # The Java client tests expect 35.355339 (to six places) here.
    assert _series("stdev(x, 2)", [100]) == ["35.35534"]
    assert float(_series("stdev(x, 2)", [100])[0]) == pytest.approx(35.355339, 1e-7)


def test_mean_of_a_first_value_divides_by_the_window_length() -> None:
    assert _series("mean(x, 3)", [1]) == ["0.33333334"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sum(x, 3)", ["1.0", "6.0", "13.0", "12.0"]),
        ("mean(x, 3)", ["0.33333334", "2.0", "4.3333335", "4.0"]),
        ("emax(x, 2)", ["1.0", "5.0", "7.0", "7.0"]),
        ("emin(x, 2)", ["1.0", "1.0", "5.0", "0.0"]),
        ("stdev(x, 2)", ["0.35355338", "2.0", "1.0", "3.5"]),
    ],
)
def test_sliding_window(text: str, expected: list[str]) -> None:
    assert _series(text, [1, 5, "7", 0]) == expected


def test_window_length_is_fixed_by_the_first_call() -> None:
    expression = Expression("sum(x, n)")
    windows = expression.new_windows()
    results = [
        expression.evaluate({"x": 1, "n": n}, windows=windows) for n in (2, 5, 5, 5)
    ]
    assert results == [1, 2, 2, 2]


def test_window_length_is_capped() -> None:
    values = list(range(1, 101))
    assert _series("sum(x, 1000)", values)[-1] == java_float(sum(values[-WINDOW_CAP:]))
    assert _series("sum(x, 2.9)", [1, 2, 3]) == ["1.0", "3.0", "5.0"]


@pytest.mark.parametrize("length", ["0", "-3", "0.5"])
def test_window_length_below_one_is_an_error(length: str) -> None:
    expression = Expression(f"sum(x, {length})")
    with pytest.raises(ExpressionError):
        expression.evaluate({"x": 1}, windows=expression.new_windows())


def test_each_call_site_has_its_own_window() -> None:
    expression = Expression("sum(x, 3) * 100 + sum(1, 3)")
    windows = expression.new_windows()
    assert len(windows) == 2
    results = [expression.evaluate({"x": 2}, windows=windows) for _ in range(4)]
    assert results == [201, 402, 603, 603]


def test_without_kept_windows_each_evaluation_starts_afresh() -> None:
    expression = Expression("sum(x, 3)")
    assert [expression.evaluate({"x": 2}) for _ in range(3)] == [2, 2, 2]


def test_a_branch_not_taken_does_not_feed_its_window() -> None:
    expression = Expression("IF(x > 0, sum(x, 5), 0)")
    windows = expression.new_windows()
    results = [expression.evaluate({"x": x}, windows=windows) for x in (1, -1, 2)]
    assert results == [1, 0, 3]


def test_a_failed_evaluation_does_not_feed_the_window() -> None:
    expression = Expression("sum(x, 3)")
    windows = expression.new_windows()
    expression.evaluate({"x": 1}, windows=windows)
    with pytest.raises(ExpressionError):
        expression.evaluate({"x": "abc"}, windows=windows)
    assert expression.evaluate({"x": 1}, windows=windows) == 2


def test_window_function_names_are_case_insensitive() -> None:
    assert _series("SUM(x, 2) + Mean(x, 2) + EMAX(x, 2)", [2]) == ["5.0"]
