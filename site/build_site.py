"""Build the website into build/site/ (index.html at its top) from the stored notebooks.

    python site/build_site.py        # or `make site`

Nothing is executed: the notebooks' outputs are the ones nbval validates. Steps:
1. stage the sources in build/site-src/, laid out as in the repository so that the launch
   buttons find each notebook: index.md (the README, plus the table of contents made from
   scoreedu/chapters.py), CONTRIBUTING.md, notebooks/*.ipynb. A file is rewritten only when it
   changed, so Sphinx rebuilds only what changed;
2. fetch MathJax from the npm registry once (site/mathjax.py; cached under build/cache/);
3. run Sphinx with site/conf.py, warnings as errors: a link to a missing page fails the build.
"""

import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import mathjax  # noqa: E402
from sphinx.cmd.build import build_main  # noqa: E402

from scoreedu import REPOSITORY  # noqa: E402
from scoreedu.chapters import CHAPTERS, EXTRAS  # noqa: E402

SOURCES = ROOT / "build" / "site-src"
OUTPUT = ROOT / "build" / "site"
DOCTREES = ROOT / "build" / "site-doctrees"
PAGES = ("CONTRIBUTING.md",)  # markdown files of the repository that become pages as they are


def toctree(caption: str, entries: list) -> str:
    lines = "\n".join(entries)
    return f"\n```{{toctree}}\n:hidden:\n:caption: {caption}\n\n{lines}\n```\n"


def repository_links(text: str, staged: set) -> str:
    """Point a relative link at GitHub unless its target is a page of the site (Makefile...)."""

    def fix(match):
        target = match[1]
        path = target.split("#", 1)[0]
        if re.match(r"[a-z]+:", target) or not path or path in staged:
            return match[0]
        return f"]({REPOSITORY}/blob/main/{target})"

    return re.sub(r"\]\(([^)\s]+)\)", fix, text)


def staged_sources() -> dict:
    """Path under build/site-src/ -> bytes: what Sphinx reads."""
    names = [name for name, _, _ in CHAPTERS + EXTRAS]
    missing = [name for name in names if not (ROOT / "notebooks" / name).exists()]
    if missing:
        raise SystemExit(f"scoreedu/chapters.py lists notebooks that do not exist: {missing}")
    staged = {f"notebooks/{name}" for name in names} | set(PAGES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = repository_links(readme, staged)
    index += toctree("Chapters", [f"notebooks/{Path(n).stem}" for n, _, _ in CHAPTERS])
    index += toctree("More", [f"notebooks/{Path(n).stem}" for n, _, _ in EXTRAS] + ["CONTRIBUTING"])
    sources = {"index.md": index.encode()}
    for page in PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        sources[page] = repository_links(text, staged).encode()
    for name in names:
        sources[f"notebooks/{name}"] = (ROOT / "notebooks" / name).read_bytes()
    return sources


def stage(sources: dict) -> None:
    """Write what changed and delete what is no longer listed (a renamed chapter)."""
    for path in SOURCES.rglob("*") if SOURCES.exists() else []:
        if path.is_file() and path.relative_to(SOURCES).as_posix() not in sources:
            path.unlink()
    for relative, content in sources.items():
        path = SOURCES / relative
        if not path.exists() or path.read_bytes() != content:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def main(argv: list) -> int:
    start = time.perf_counter()
    stage(staged_sources())
    mathjax.unpack()
    quiet = [] if "-v" in argv else ["-q"]
    code = build_main(
        ["-b", "html", "-W", "--keep-going", *quiet, "-c", str(HERE), "-d", str(DOCTREES),
         str(SOURCES), str(OUTPUT)]
    )  # fmt: skip
    if code == 0:
        print(f"site built in {time.perf_counter() - start:.1f} s: {OUTPUT / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
