"""`inv site.*`: build, serve and export the runbook site."""

from __future__ import annotations

from pathlib import Path

from invoke.collection import Collection
from invoke.exceptions import Exit

from triagebook import load_catalog
from triagebook.base.errors import BadArgument
from triagebook.site.build import mkdocs
from triagebook.site.sources import export as write_pages
from triagebook.site.sources import site_pages
from triagebook.tasks._common import project, task, user_errors


@task(help={
    "offline": "build the file:// variant into site-offline/ (offline search, no instant "
               "navigation)",
    "site_dir": "where to write the site (default: site/, or site-offline/ with --offline)",
})
@user_errors
def build(c, offline=False, site_dir=""):
    """Build the runbook site (strict: any lint error or broken link fails it)."""
    cfg = project()
    out = Path(site_dir) if site_dir else (
        cfg.root / "site-offline" if offline else cfg.site_dir)
    code = mkdocs(["build", "--strict", "--clean", "-d", str(out.resolve())], cfg, offline)
    if code:
        raise Exit(code=code)
    index = out / "index.html"
    print(f"site built: {index.resolve().as_uri() if offline else out}")


@task(help={"dev_addr": "address to serve on (default 127.0.0.1:8000)"})
@user_errors
def serve(c, dev_addr="127.0.0.1:8000"):
    """Serve the site with live reload (runbooks, postmortems/ and invoke.yaml are watched)."""
    cfg = project()
    _port_free(dev_addr)
    # --dirty: a change rebuilds only the pages it changed (the plugin tells mkdocs which)
    code = mkdocs(["serve", "--dirty", "--dev-addr", dev_addr], cfg)
    if code:
        raise Exit(code=code)


def _port_free(dev_addr: str) -> None:
    """One line, before mkdocs starts, when the address cannot be served (mkdocs itself
    would print a 30-line traceback)."""
    import errno
    import socket

    from triagebook.intake.server import parse_listen

    host, port = parse_listen(dev_addr, "dev_addr", "127.0.0.1:8000")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise BadArgument("dev_addr", dev_addr, f"the host {host!r} does not resolve") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            why = ("the port is in use (another site.serve?)" if exc.errno == errno.EADDRINUSE
                   else exc.strerror or str(exc))
            raise BadArgument("dev_addr", dev_addr, f"{why}; pick another, e.g. "
                              f"--dev-addr {host}:{port + 1}") from None


@task(help={"folder": "where to write the generated pages as Markdown"})
@user_errors
def export(c, folder):
    """Write the generated pages as Markdown files, for another site generator."""
    cfg = project()
    count = write_pages(site_pages(load_catalog(cfg), cfg.today()), Path(folder))
    print(f"wrote {count} pages to {folder}")


ns = Collection("site")
for t in (build, serve, export):
    ns.add_task(t)
