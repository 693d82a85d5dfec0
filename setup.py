"""The one C extension; everything else is in pyproject.toml.

``optional=True``: where it cannot be compiled (no C compiler), pyoocsi installs
without it and takes the Python path for every message (docs/performance.md).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pyoocsi.core._fastline",
            ["pyoocsi/core/_fastline.c"],
            optional=True,
        )
    ]
)
