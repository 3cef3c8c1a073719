"""Invoke entry point: adds triagebook's task collections (inv --list shows them)."""

import importlib.util
import sys
from pathlib import Path

from triagebook.tasks import namespace

ns = namespace()

# The benchmarks live beside the project, not in the installed package: `inv bench.*`
# exists where a benchmarks/ folder does (this repository), and nowhere else.
_bench = Path(__file__).resolve().parent / "benchmarks" / "invoke_tasks.py"
if _bench.is_file():
    sys.path.insert(0, str(_bench.parent))  # the scripts import their shared synth.py
    _spec = importlib.util.spec_from_file_location("triagebook_benchmarks", _bench)
    assert _spec is not None and _spec.loader is not None
    _mod = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_mod)
    ns.add_collection(_mod.ns)
