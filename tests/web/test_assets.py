"""The served files: the minified client matches its source."""

from __future__ import annotations

from pyoocsi.web.jsmin import SOURCE, TARGET, minify


def test_minified_client_is_up_to_date() -> None:
    # after editing oocsi-web.js, run: python -m pyoocsi.web.jsmin
    assert TARGET.read_text() == minify(SOURCE.read_text())
