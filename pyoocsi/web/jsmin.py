"""Write ``oocsi-web.min.js`` from ``oocsi-web.js``: ``python -m pyoocsi.web.jsmin``.

A deliberately small minifier for our own client only: it drops comment lines
and block comments that start a line, indentation and blank lines, and keeps
every line break, so automatic semicolon insertion reads the code as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["SOURCE", "TARGET", "minify"]

SOURCE = Path(__file__).parent / "static" / "assets" / "js" / "oocsi-web.js"
TARGET = SOURCE.with_name("oocsi-web.min.js")
BANNER = "/* oocsi-web.js, part of pyoocsi (MIT licence) */"


def minify(source: str) -> str:
    out = [BANNER]
    in_comment = False
    for line in source.splitlines():
        text = line.strip()
        if in_comment:
            in_comment = "*/" not in text
            continue
        if text.startswith("/*"):
            in_comment = "*/" not in text
            continue
        if not text or text.startswith("//"):
            continue
        out.append(text)
    return "\n".join(out) + "\n"


def main() -> int:
    TARGET.write_text(minify(SOURCE.read_text()))
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
