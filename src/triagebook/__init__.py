"""triagebook: runbooks as code for incident response."""

__version__ = "0.1.0"
