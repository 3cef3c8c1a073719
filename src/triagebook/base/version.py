"""The version, written once: pyproject reads it (setuptools dynamic), the code imports it."""

__version__ = "0.1.0"
