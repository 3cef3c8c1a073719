"""The base layer: services every domain shares (text safety, redaction, the bounded YAML
loader, files, time, errors). Nothing here imports a domain package."""
