"""`inv incident.bundle` and `inv incident.verify` on real incidents and real archives."""

from __future__ import annotations

import calendar
import gzip
import hashlib
import io
import json
import shutil
import tarfile
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_no_traceback, inv

SECRET = "sk-live-7c1e9a0b3d5f42e8a6c4"  # the secret context value
PASTED = {  # credentials a responder pasted into notes
    "github": "ghp_" + "Zx9" * 12,
    "aws": "AKIA" + "QWERTYUIOP123456",
    "password": "hunter2-Corr3ct",
}


@pytest.fixture
def incident(project: Path) -> Path:
    """INC-B: a walked incident with a secret context value and credentials in notes."""
    shutil.copy(FIXTURES / "evidence" / "wedged.md", project / "runbooks" / "wedged.md")
    (project / "ctx.yaml").write_text(f"api_token: {SECRET}\n")
    script = (f"ack\nnote the token is {SECRET}, tried it by hand\nrun\ny\n"
              f"note pasted by mistake: {PASTED['github']} and {PASTED['aws']}\n"
              f"note db login password={PASTED['password']}\ndone\n"
              f"note pid 4242 stuck in D state\nrun\ny\ndone\nresolved\nquit\n")
    res = inv(project, "runbook.run", "wedged", "--incident", "INC-B", "--context",
              "host=wk-7", "--context-file", "ctx.yaml", "--detected", "2026-11-22T02:14:00Z",
              input=script, env={"TRIAGEBOOK_OPERATOR": "alice"})
    assert res.returncode == 0, res.stderr
    assert "exit 0 after" in res.stdout.split("Restart the worker")[1]  # the evidence was there
    (project / "ctx.yaml").unlink()  # the only place the raw secret was ever written
    return project


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def repack(src: Path, dest: Path, change) -> None:
    """A real archive built from ``src`` with ``change(files)`` applied to its members."""
    files = members(src)
    change(files)
    with tarfile.open(dest, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def bundle(root: Path, out: str = "INC-B.tar.gz") -> Path:
    res = inv(root, "incident.bundle", "INC-B", "--out", out)
    assert res.returncode == 0, res.stderr
    return root / out


def test_same_incident_gives_the_same_bytes(incident):
    first = bundle(incident, "one.tar.gz")
    time.sleep(1.1)  # a wall-clock mtime anywhere would now differ
    second = bundle(incident, "two.tar.gz")
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(second.read_bytes()).hexdigest()
    raw = first.read_bytes()
    assert raw[3] & 0x08 == 0 and raw[4:8] == b"\0\0\0\0"  # gzip: no file name, mtime 0
    with tarfile.open(first, "r:gz") as tar:
        infos = tar.getmembers()
    names = [m.name for m in infos]
    assert names == sorted(names)
    last = json.loads((incident / "incidents/INC-B/events.jsonl").read_text()
                      .splitlines()[-1])["ts"]
    assert {m.mtime for m in infos} == {calendar.timegm(time.strptime(last[:19],
                                                                       "%Y-%m-%dT%H:%M:%S"))}
    assert {(m.uid, m.gid, m.uname, m.gname, m.mode) for m in infos} == {(0, 0, "", "", 0o644)}


def test_bundle_holds_the_evidence_and_a_manifest(incident):
    path = bundle(incident)
    files = members(path)
    assert {n.removeprefix("INC-B/") for n in files} >= {
        "events.jsonl", "timeline.md", "timeline.json", "timeline.csv", "postmortem.md",
        "context.json", "manifest.json"}
    assert any(n.startswith("INC-B/runbooks/wedged-") for n in files)
    manifest = json.loads(files["INC-B/manifest.json"])
    assert manifest["tool"]["name"] == "triagebook" and manifest["scan"]["clean"] is True
    for entry in manifest["files"]:
        data = files[entry["path"]]
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["size"])
    context = json.loads(files["INC-B/context.json"])
    (rb,) = context["runbooks"]
    assert rb["context"] == {"host": "wk-7"} and rb["secret_names"] == ["api_token"]


def test_no_secret_survives_in_any_member(incident):
    path = bundle(incident)
    raw_values = [SECRET, *PASTED.values()]
    for name, data in members(path).items():
        for value in raw_values:
            assert value.encode() not in data, (name, value)
    whole = gzip.decompress(path.read_bytes())
    assert not [v for v in raw_values if v.encode() in whole]


def test_credential_in_a_source_refuses_the_whole_bundle(incident):
    pm = incident / "postmortems" / "INC-B.md"
    lines = pm.read_text().splitlines()
    lines.insert(5, f"aws key from the vendor call: {PASTED['aws']}")
    pm.write_text("\n".join(lines) + "\n")
    res = inv(incident, "incident.bundle", "INC-B", "--out", "out/INC-B.tar.gz")
    assert res.returncode == 1
    assert_no_traceback(res)
    assert res.stderr.strip().splitlines() == [
        "postmortems/INC-B.md:6: credential-shaped text (aws-key): would go into the bundle "
        "of INC-B as INC-B/postmortem.md; bundle refused, nothing written — remove it from "
        "that file and bundle again, or if it is no credential: inv incident.bundle INC-B "
        "--allow postmortems/INC-B.md:6 (recorded in the manifest)"]
    assert PASTED["aws"] not in res.stdout + res.stderr
    assert not (incident / "out").exists() or not list((incident / "out").iterdir())


def test_a_finding_allowed_by_name_is_bundled_recorded_and_verifies(incident):
    """Issue 26 item 2: a finding a person declares no credential (--allow FILE:LINE, as
    the refusal names it) is bundled, recorded in the manifest, and verify accepts it;
    an --allow that names no finding is refused (a typo is not a decision)."""
    import json
    import tarfile

    pm = incident / "postmortems" / "INC-B.md"
    lines = pm.read_text().splitlines()
    lines.insert(5, "example from the vendor docs: password: hunter2-not-really-ours")
    pm.write_text("\n".join(lines) + "\n")
    typo = inv(incident, "incident.bundle", "INC-B", "--out", "out", "--allow",
               "postmortems/INC-B.md:7")
    assert typo.returncode == 1
    assert typo.stderr.strip() == ("--allow postmortems/INC-B.md:7: names no finding of this "
                                   "bundle; the refusal names each as FILE:LINE")
    (incident / "out").mkdir(exist_ok=True)
    res = inv(incident, "incident.bundle", "INC-B", "--out", "out", "--allow",
              "postmortems/INC-B.md:6")
    assert res.returncode == 0, res.stderr
    archive = incident / "out" / "INC-B.tar.gz"
    with tarfile.open(archive) as tar:
        doc = json.load(tar.extractfile("INC-B/manifest.json"))  # type: ignore[arg-type]
    assert doc["scan"]["allowed"] == [{"path": "INC-B/postmortem.md", "line": 6,
                                       "kind": "secret"}]
    assert doc["scan"]["clean"] is False
    verified = inv(incident, "incident.verify", str(archive))
    assert verified.returncode == 0, verified.stdout


def test_intact_bundle_verifies(incident):
    path = bundle(incident)
    res = inv(incident, "incident.verify", str(path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith(f"{path}: intact: INC-B, ")
    doc = json.loads(inv(incident, "incident.verify", str(path), "--format", "json").stdout)
    assert doc["ok"] is True and doc["issues"] == []


@pytest.mark.parametrize("change,line", [
    (lambda f: f.__setitem__("INC-B/events.jsonl",
                             f["INC-B/events.jsonl"].replace(b"wk-7", b"wk-8", 1)),
     "tampered: INC-B/events.jsonl: SHA-256 differs from the manifest"),
    (lambda f: f.pop("INC-B/timeline.csv"),
     "missing: INC-B/timeline.csv: listed in the manifest, not in the archive"),
    (lambda f: f.__setitem__("INC-B/fix.sh", b"echo trust me\n"),
     "extra: INC-B/fix.sh: in the archive, not in the manifest"),
], ids=["tampered", "missing", "extra"])
def test_verify_names_each_changed_file(incident, tmp_path, change, line):
    bad = tmp_path / "bad.tar.gz"
    repack(bundle(incident), bad, change)
    res = inv(incident, "incident.verify", str(bad))
    assert res.returncode == 1
    assert_no_traceback(res)
    problems = res.stdout.splitlines()[:-1]
    assert len(problems) == 1 and problems[0].startswith(line), res.stdout
    assert "NOT intact (1 problem)" in res.stdout.splitlines()[-1]


def test_verify_scans_again_even_when_the_manifest_was_rewritten(incident, tmp_path):
    def plant(files: dict[str, bytes]) -> None:
        files["INC-B/timeline.md"] += f"| leaked | {PASTED['aws']} |\n".encode()
        doc = json.loads(files["INC-B/manifest.json"])
        for entry in doc["files"]:
            data = files[entry["path"]]
            entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
        files["INC-B/manifest.json"] = json.dumps(doc).encode()

    bad = tmp_path / "planted.tar.gz"
    repack(bundle(incident), bad, plant)
    res = inv(incident, "incident.verify", str(bad))
    assert res.returncode == 1
    (problem,) = res.stdout.splitlines()[:-1]
    assert problem.startswith("credential: INC-B/timeline.md:")
    assert "(aws-key)" in problem and PASTED["aws"] not in res.stdout


def test_truncated_and_non_archive_files_are_one_clear_line(incident, tmp_path):
    raw = bundle(incident).read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(raw[: len(raw) // 2])
    text = tmp_path / "notes.tar.gz"
    text.write_text("just some notes\n")
    for path, words in ((cut, "truncated archive"),
                        (text, "not a bundle: expected a gzip-compressed tar archive"),
                        (tmp_path / "absent.tar.gz", "no such file")):
        res = inv(incident, "incident.verify", str(path))
        assert res.returncode == 1
        assert_no_traceback(res)
        (line,) = res.stderr.strip().splitlines()
        assert line.startswith(f"{path}: ") and words in line, line


def test_hostile_members_are_refused_and_nothing_is_extracted(incident, tmp_path):
    for kind in ("dotdot", "absolute", "symlink"):
        evil = tmp_path / f"{kind}.tar.gz"
        with tarfile.open(evil, "w:gz") as tar:
            info = tarfile.TarInfo({"dotdot": "INC-B/../../escaped.txt",
                                    "absolute": "/tmp/escaped-abs.txt",
                                    "symlink": "INC-B/link"}[kind])
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = 3
                tar.addfile(info, io.BytesIO(b"pwn"))
        res = inv(incident, "incident.verify", str(evil))
        assert res.returncode == 1
        assert_no_traceback(res)
        assert "refused" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path.parent / "escaped.txt").exists()
    assert not (incident.parent / "escaped.txt").exists()


def test_a_manifest_naming_another_incident_does_not_verify(incident, tmp_path):
    """Issue 26 item 4: a manifest edited to pass for another incident is named."""
    def rename(files: dict[str, bytes]) -> None:
        doc = json.loads(files["INC-B/manifest.json"])
        doc["incident"] = "INC-OTHER"
        files["INC-B/manifest.json"] = json.dumps(doc).encode()

    bad = tmp_path / "renamed.tar.gz"
    repack(bundle(incident), bad, rename)
    res = inv(incident, "incident.verify", str(bad))
    assert res.returncode == 1
    assert ("mismatch: INC-B/manifest.json: names incident 'INC-OTHER', but the bundle's "
            "folder is 'INC-B'") in res.stdout.splitlines()
