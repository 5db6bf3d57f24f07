"""Stamp the shared frame into every notebook: the Colab bootstrap cell and navigation links.

The frame is generated from scoreedu.chapters and scoreedu.REPOSITORY, never typed by hand, so a
rename or a new chapter is one edit here plus `make notebooks-sync`. Cells are found by their
metadata tag and replaced in place; a code cell keeps its execution count and (empty) outputs.

    python tools/notebook_frame.py            # rewrite the notebooks
    python tools/notebook_frame.py --check    # exit 1 if any notebook's frame is stale
"""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoreedu import REPOSITORY  # noqa: E402
from scoreedu.chapters import CHAPTERS, EXTRAS  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
TAGS = ("nav-top", "colab-bootstrap", "nav-bottom")
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"


def repository_path() -> str:
    return REPOSITORY.removeprefix("https://github.com/")


def bootstrap_source() -> str:
    return (
        "# Colab only: install scoreedu from its repository. Elsewhere this cell does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "\n"
        "    subprocess.run(\n"
        f'        [sys.executable, "-m", "pip", "install", "-q", "scoreedu @ git+{REPOSITORY}"],\n'
        "        check=True,\n"
        "    )"
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
        f"https://colab.research.google.com/github/{repository_path()}/blob/main/notebooks/{name}"
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
