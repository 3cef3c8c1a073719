"""One options engine for `invoke.yaml` and runbook front-matter.

`base` holds the engine (`Option`, `Schema`, `Run`), `types` the scalar option
types, `containers` the lists and nested mappings.  Settings are declared in
`triagebook.config`, front-matter fields in `triagebook.runbook.schema`.
"""
