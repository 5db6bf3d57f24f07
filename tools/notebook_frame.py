"""Stamp the shared frame into every notebook: the Colab bootstrap cell and navigation links.

The frame is generated from scoreedu.chapters and scoreedu.REPOSITORY, never typed by hand, so a
rename or a new chapter is one edit here plus `make notebooks-sync`. Cells are found by their
metadata tag and replaced in place; a code cell keeps its execution count and (empty) outputs.

    python tools/notebook_frame.py            # rewrite the notebooks
    python tools/notebook_frame.py --check    # exit 1 if any notebook's frame is stale
"""

import re
import sys
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu import REPOSITORY  # noqa: E402
from scoreedu.chapters import CHAPTERS, EXTRAS  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
TAGS = ("nav-top", "colab-bootstrap", "nav-bottom")
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def repository_path() -> str:
    return REPOSITORY.removeprefix("https://github.com/")


def version() -> str:
    """The package's version, from pyproject.toml: the one place it is set."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["project"]["version"]


def release_tag() -> str:
    """The git tag of this version. A notebook cannot name its own commit (the hash depends on
    the file), so its bootstrap installs the package from the tag of the release it belongs
    to, and its Colab links open the notebook at that tag."""
    return f"v{version()}"


def tested_torch() -> str:
    """major.minor of the torch the tests run (requirements.txt's pin)."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return ".".join(re.search(r"^torch==(\d+)\.(\d+)", text, re.MULTILINE).groups())


def bootstrap_source() -> str:
    """The Colab cell: pip adds scoreedu and nothing else (pyproject's ranges admit Colab's
    versions, which the Colab twin checks), quietly; one line when Colab's torch is older than
    the one the tests run."""
    torch = tested_torch()
    major, minor = torch.split(".")
    return (
        f"# Colab only: install scoreedu {version()} beside Colab's own packages, replacing none.\n"
        "# Elsewhere this cell does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    import torch\n"
        "\n"
        f'    if tuple(map(int, torch.__version__.split(".")[:2])) < ({major}, {minor}):\n'
        f'        print(f"scoreedu is tested with torch {torch}; '
        'this runtime has {torch.__version__}.")\n'
        '    pip = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check"]\n'
        f'    package = "scoreedu @ git+{REPOSITORY}@{release_tag()}"\n'
        '    subprocess.run([*pip, "--root-user-action=ignore", package], check=True)'
    )


def nav_source(name: str) -> str:
    order = [n for n, _, _ in CHAPTERS]
    titles = {n: t for n, t, _ in CHAPTERS + EXTRAS}
    parts = []
    if name in order and order.index(name) > 0:
        prev = order[order.index(name) - 1]
        parts.append(f"[← {titles[prev]}]({prev})")
    parts.append(f"[Contents]({order[0]})")
    if name in order and order.index(name) < len(order) - 1:
        nxt = order[order.index(name) + 1]
        parts.append(f"[{titles[nxt]} →]({nxt})")
    colab = (
        f"https://colab.research.google.com/github/{repository_path()}/blob/{release_tag()}"
        f"/notebooks/{name}"
    )
    parts.append(f"[![Open In Colab]({COLAB_BADGE})]({colab})")
    return " · ".join(parts)


def expected_cells(name: str) -> dict:
    """Tag -> the cell the frame puts there."""

    def tagged(cell, tag):
        cell.metadata["tags"] = [tag]
        return cell

    return {
        "nav-top": tagged(nbformat.v4.new_markdown_cell(nav_source(name)), "nav-top"),
        "colab-bootstrap": tagged(nbformat.v4.new_code_cell(bootstrap_source()), "colab-bootstrap"),
        "nav-bottom": tagged(nbformat.v4.new_markdown_cell(nav_source(name)), "nav-bottom"),
    }


def find(cells, tag):
    """Index of the cell carrying tag, or None. cells: nbformat cells or plain dicts."""
    for i, cell in enumerate(cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def stamp(nb, name: str) -> bool:
    """Put the frame into nb; return True when anything changed."""
    changed = False
    for tag, cell in expected_cells(name).items():
        i = find(nb.cells, tag)
        if i is None:
            position = {"nav-top": 0, "nav-bottom": len(nb.cells)}.get(tag)
            if position is None:  # the bootstrap is the first code cell
                position = next(
                    (j for j, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells)
                )
            nb.cells.insert(position, cell)
            changed = True
        elif nb.cells[i].source != cell.source:
            nb.cells[i].source = cell.source
            changed = True
    return changed


def main(argv) -> int:
    check = "--check" in argv
    stale = []
    for name, _, _ in CHAPTERS + EXTRAS:
        path = NOTEBOOKS / name
        if not path.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        if stamp(nb, name):
            stale.append(name)
            if not check:
                nbformat.write(nb, path)
    if check and stale:
        print("stale frame (run `make notebooks-sync`):", ", ".join(stale))
        return 1
    for name in stale:
        print(f"stamped {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
