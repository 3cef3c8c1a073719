"""A corpus of hostile bundles, each built here, each refused or read within the bounds
issue 26 sets: peak memory under 100 MB and under 5 s of CPU for `incident.verify` and
`incident.merge` (the real `inv` process is measured: its VmHWM and its CPU time — CPU,
not wall-clock, so a loaded machine cannot fail the test)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, inv

from triagebook.incident.archive import MAX_BYTES, MAX_EVENTS, MAX_MEMBERS

INC = "INC-B"
MEASURED = """import resource, sys
from invoke import Program
import triagebook.tasks as tasks
try:
    Program(namespace=tasks.namespace(), binary="inv").run(["inv", *sys.argv[1:]])
finally:
    hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    use = resource.getrusage(resource.RUSAGE_SELF)
    print("peak-kib", hwm, "cpu-s", use.ru_utime + use.ru_stime, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def walked(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """A project with a walked incident, and the members of its real bundle."""
    root = tmp_path_factory.mktemp("bombs")
    shutil.copy(FIXTURES.parent.parent / "tasks.py", root / "tasks.py")
    (root / "runbooks").mkdir()
    shutil.copy(FIXTURES / "evidence" / "wedged.md", root / "runbooks" / "wedged.md")
    res = inv(root, "runbook.run", "wedged", "--incident", INC, "--context", "host=wk-7",
              "--detected", "2026-11-22T02:14:00Z", input="ack\nnote pid 4242\nquit\n",
              env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    res = inv(root, "incident.bundle", INC, "--out", "real.tar.gz")
    assert res.returncode == 0, res.stderr
    with tarfile.open(root / "real.tar.gz", "r:gz") as tar:
        files = {m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
                 for m in tar if m.isfile()}
    return root, files


def _write(dest: Path, files: dict[str, bytes], fix_manifest: bool = True) -> None:
    """A tar.gz of ``files``; the manifest rewritten to match them (a well-formed bundle
    whose content is the attack), unless the bomb is the manifest itself."""
    if fix_manifest:
        doc = json.loads(files[f"{INC}/manifest.json"])
        doc["files"] = [{"path": n, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                        for n, d in sorted(files.items()) if not n.endswith("manifest.json")]
        files[f"{INC}/manifest.json"] = json.dumps(doc).encode()
    with tarfile.open(dest, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def many_events(files: dict[str, bytes]) -> None:
    """As many valid events as a bundle's ledger may hold, each with its own id: the
    largest ledger merge accepts (the test of what it reads, not of a refusal)."""
    lines = [json.loads(x) for x in files[f"{INC}/events.jsonl"].splitlines()]
    out, n, size = [], 0, 0
    while n < MAX_EVENTS and size < MAX_BYTES - (1 << 20):
        ev = dict(lines[n % len(lines)], id=f"bomb{n:08d}")
        line = json.dumps(ev).encode() + b"\n"
        out.append(line)
        size += len(line)
        n += 1
    files[f"{INC}/events.jsonl"] = b"".join(out)


def too_many_events(files: dict[str, bytes]) -> None:
    many_events(files)
    files[f"{INC}/events.jsonl"] += files[f"{INC}/events.jsonl"][:400_000]


def deep_line(files: dict[str, bytes]) -> None:
    files[f"{INC}/events.jsonl"] += b"[" * (1 << 20) + b"\n"


def long_line(files: dict[str, bytes]) -> None:
    files[f"{INC}/events.jsonl"] += b'{"note": "' + b"a" * (20 << 20) + b'"}\n'


def many_members(files: dict[str, bytes]) -> None:
    for n in range(MAX_MEMBERS - len(files) - 1):
        files[f"{INC}/runbooks/pad{n:04d}.md"] = b"x" * (MAX_BYTES // MAX_MEMBERS - 1024)


def deep_manifest(files: dict[str, bytes]) -> None:
    files[f"{INC}/manifest.json"] = b'{"files": ' + b"[" * (1 << 20) + b"}"


BOMBS: dict[str, tuple[Callable[[dict[str, bytes]], None], bool]] = {
    "many-events": (many_events, True), "too-many-events": (too_many_events, True),
    "deep-line": (deep_line, True),
    "long-line": (long_line, True), "many-members": (many_members, True),
    "deep-manifest": (deep_manifest, False),
}


ACCEPTED = {"many-events", "many-members"}  # at the bounds, not past them: read whole


def _gzip_bomb(path: Path) -> None:
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as fh:
        for _ in range(1024):
            fh.write(comp.compress(b"\0" * (1 << 20)))  # 1 GiB of zeros
        fh.write(comp.flush())


@pytest.mark.parametrize("task", ["incident.verify", "incident.merge"])
@pytest.mark.parametrize("bomb", [*BOMBS, "gzip-bomb"])
def test_every_bomb_is_handled_in_bounded_memory_and_cpu(walked, bomb, task, tmp_path):
    root = tmp_path / "project"  # each merge into its own copy of the walked incident
    shutil.copytree(walked[0], root, ignore=shutil.ignore_patterns("*.tar.gz"))
    files = walked[1]
    path = root / f"{bomb}-{task}.tar.gz"
    if bomb == "gzip-bomb":
        _gzip_bomb(path)
    else:
        change, fix = BOMBS[bomb]
        mine = dict(files)
        change(mine)
        _write(path, mine, fix)
    args = [task, path.name] if task == "incident.verify" else [task, INC, path.name]
    res = subprocess.run([sys.executable, "-c", MEASURED, *args], cwd=root,
                         capture_output=True, text=True, timeout=300)
    *said, measured = res.stderr.strip().splitlines()
    assert "Traceback" not in res.stderr
    assert res.returncode in (0, 1), res.stderr
    # verify and merge agree: what verify calls intact, merge takes in, and the reverse
    assert res.returncode == (0 if bomb in ACCEPTED else 1), said
    _, peak, _, cpu = measured.split()
    assert int(peak) < 100 * 1024, (bomb, task, measured)
    assert float(cpu) < 5.0, (bomb, task, measured)
