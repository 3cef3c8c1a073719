"""The runbook site: page generation (pure) and a thin mkdocs plugin."""
