"""Invoke entry point: adds triagebook's task collections (inv --list shows them)."""

from triagebook.tasks import namespace

ns = namespace()
