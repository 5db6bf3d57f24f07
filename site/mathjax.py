"""MathJax for the website, shipped inside it: the site typesets its math with no CDN.

MathJax comes from the npm registry (`npm pack`), pinned to one version and checked against the
registry's sha512 integrity. The tarball is cached under build/cache/, so later builds need no
network at all; only the files a page can load are unpacked into build/mathjax-static/mathjax/,
which conf.py adds to the site's _static/ (about 6 MB of the package's 24 MB).
"""

import base64
import hashlib
import shutil
import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = "3.2.2"
INTEGRITY = (  # as the registry states it (`npm view mathjax@3.2.2 dist.integrity`)
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1"
    "/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
TARBALL = ROOT / "build" / "cache" / f"mathjax-{VERSION}.tgz"
STATIC = ROOT / "build" / "mathjax-static"  # an html_static_path entry: it holds mathjax/
# The combined TeX component, and what it loads on demand: TeX extensions (autoload), the CHTML
# fonts, and the accessibility and menu code that the right-click menu can switch on.
KEEP = (
    "es5/tex-mml-chtml.js",
    "es5/input/tex/extensions/",
    "es5/output/chtml/fonts/woff-v2/",
    "es5/a11y/",
    "es5/sre/",
    "es5/ui/",
    "LICENSE",
)


def integrity_of(path: Path) -> str:
    """npm's integrity string: 'sha512-' + base64(sha512(file))."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch_tarball() -> Path:
    """The pinned MathJax tarball, from the cache or else from the npm registry."""
    if TARBALL.exists() and integrity_of(TARBALL) == INTEGRITY:
        return TARBALL
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            f"the site needs MathJax {VERSION} from the npm registry, and npm is missing: "
            f"install it (`apt-get install npm`) or put mathjax-{VERSION}.tgz in {TARBALL.parent}"
        )
    TARBALL.parent.mkdir(parents=True, exist_ok=True)
    # --prefer-offline: npm's own cache serves a pinned, checked version with no network.
    # Its notices (the tarball's file list) would fill stderr: shown only if it fails.
    command = [npm, "pack", f"mathjax@{VERSION}", "--prefer-offline", "--loglevel=error"]
    command += ["--pack-destination", str(TARBALL.parent)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not TARBALL.exists():
        raise SystemExit(f"`{' '.join(command)}` failed:\n{result.stdout}{result.stderr}")
    got = integrity_of(TARBALL)
    if got != INTEGRITY:
        TARBALL.unlink()
        raise SystemExit(f"mathjax-{VERSION}.tgz: integrity {got}, expected {INTEGRITY}")
    return TARBALL


def kept_name(member: str) -> str | None:
    """package/es5/a11y/x.js -> a11y/x.js (its path under _static/mathjax/); None if not kept."""
    name = member.removeprefix("package/")
    if ".." in Path(name).parts:  # the tarball is pinned, but never write outside the target
        return None
    if not any(name == keep or (keep.endswith("/") and name.startswith(keep)) for keep in KEEP):
        return None
    return name.removeprefix("es5/")


def unpack() -> Path:
    """Unpack the kept files into STATIC/mathjax/ once per version; return STATIC."""
    target = STATIC / "mathjax"
    stamp = target / ".version"
    if stamp.exists() and stamp.read_text() == VERSION:
        return STATIC
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(fetch_tarball()) as archive:
        for member in archive.getmembers():
            name = kept_name(member.name)
            if member.isfile() and name is not None:
                out = target / name
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(archive.extractfile(member).read())
    stamp.write_text(VERSION)
    return STATIC
