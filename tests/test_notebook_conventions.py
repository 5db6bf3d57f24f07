"""The conventions every notebook keeps (CONTRIBUTING.md), checked statically.

nbval re-executes the notebooks and compares outputs; these tests check what nbval does not: the
frame (Colab bootstrap, navigation), the setup call that seeds and prints the device, stored
outputs from one top-to-bottom run, no helper code copied in, and the opening and closing cells.
"""

import ast
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from notebook_frame import expected_cells, find  # noqa: E402

from scoreedu.chapters import CHAPTERS, EXTRAS, filenames  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
PRESENT = [n for n in filenames() if (NOTEBOOKS / n).exists()]
CHAPTER_FILES = [n for n, _, _ in CHAPTERS if (NOTEBOOKS / n).exists()]
MACHINE_PATH = re.compile(r"(/root/|/tmp/|/home/[a-z]+/|site-packages/)")
MAX_HELPER_LINES = 6


def load(name):
    return json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))


def source(cell):
    return "".join(cell["source"])


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and source(c).strip()]


def test_every_listed_chapter_exists_and_nothing_unlisted():
    on_disk = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    listed = {n for n, _, _ in CHAPTERS + EXTRAS}
    assert on_disk <= listed, f"add {on_disk - listed} to scoreedu/chapters.py"
    assert "00_start_here.ipynb" in on_disk, "the series opens with notebooks/00_start_here.ipynb"


@pytest.mark.parametrize("name", PRESENT)
def test_frame_is_current(name):
    nb = load(name)
    for tag, cell in expected_cells(name).items():
        i = find(nb["cells"], tag)
        assert i is not None, f"{name} lacks its {tag} cell: run `make notebooks-sync`"
        assert source(nb["cells"][i]) == cell.source, f"{name}: stale {tag}: `make notebooks-sync`"
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "colab-bootstrap" in first_code["metadata"].get("tags", [])
    assert "nav-top" in nb["cells"][0]["metadata"].get("tags", [])
    assert "nav-bottom" in nb["cells"][-1]["metadata"].get("tags", [])


@pytest.mark.parametrize("name", PRESENT)
def test_setup_cell_seeds_and_prints_the_device(name):
    cells = code_cells(load(name))
    setup = source(cells[1])
    assert "notebook_setup(" in setup, f"{name}: the second code cell calls notebook_setup(seed)"
    printed = "".join("".join(o.get("text", "")) for o in cells[1]["outputs"])
    assert "scoreedu: running on" in printed, f"{name}: the setup cell must print the device"


@pytest.mark.parametrize("name", PRESENT)
def test_executed_top_to_bottom_with_outputs_and_no_errors(name):
    cells = code_cells(load(name))
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{name}: re-run in a fresh kernel"
    for i, cell in enumerate(cells, 1):
        for out in cell["outputs"]:
            assert out["output_type"] != "error", f"{name} cell {i}: {out.get('evalue')}"
            text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}))
            assert not MACHINE_PATH.search(text), f"{name} cell {i} leaks a machine path"
    assert (NOTEBOOKS / name).stat().st_size < 3_000_000


@pytest.mark.parametrize("name", PRESENT)
def test_no_helper_code_copied_into_notebooks(name):
    """Notebooks import scoreedu; a definition longer than a few lines belongs in the package."""
    for cell in code_cells(load(name)):
        text = "\n".join(
            line for line in source(cell).splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                pytest.fail(f"{name}: class {node.name} belongs in the scoreedu package")
            if isinstance(node, ast.FunctionDef):
                length = node.end_lineno - node.lineno + 1
                assert length <= MAX_HELPER_LINES, (
                    f"{name}: def {node.name} has {length} lines; move it into scoreedu"
                )


@pytest.mark.parametrize("name", CHAPTER_FILES)
def test_opens_with_what_you_will_learn_and_closes_with_summary_and_exercises(name):
    markdown = [source(c) for c in load(name)["cells"] if c["cell_type"] == "markdown"]
    assert markdown[1].lstrip().startswith("# "), f"{name}: the title follows the navigation"
    assert "what you will learn" in markdown[1].lower(), f"{name}: say what the reader will learn"
    text = "\n".join(markdown).lower()
    assert "## summary" in text, f"{name}: end with a summary"
    if name != "00_start_here.ipynb":
        assert "## exercises" in text, f"{name}: end with exercises"
        assert "scoreedu.exercises" in "".join(source(c) for c in code_cells(load(name)))


@pytest.mark.parametrize("name", CHAPTER_FILES)
def test_every_figure_has_a_title(name):
    """A rendered figure cell sets a title (set_title / suptitle / title=) or shows an explorer."""
    for cell in code_cells(load(name)):
        shows_png = any("image/png" in o.get("data", {}) for o in cell["outputs"])
        text = source(cell)
        if shows_png and "explorer(" not in text and "display(" not in text:
            assert re.search(r"(set_title|suptitle|title=|\.title\()", text), (
                f"{name}: a figure without a title in cell:\n{text[:200]}"
            )


@pytest.mark.parametrize("name", PRESENT)
def test_nbval_markers_are_exact_and_explained(name):
    """nbval honours a marker only when the comment is exactly the marker; the reason goes on
    the next line as its own comment."""
    for cell in code_cells(load(name)):
        lines = source(cell).splitlines()
        for i, line in enumerate(lines):
            if "NBVAL_" not in line:
                continue
            assert line.strip() in ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP"), (
                f"{name}: nbval ignores {line.strip()!r}; put the marker alone on its line"
            )
            assert i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#"), (
                f"{name}: say why the output varies in a comment after {line.strip()!r}"
            )


@pytest.mark.parametrize("name", PRESENT)
def test_no_check_is_stored_as_markdown(name):
    # A cell of asserts stored as markdown renders as prose and never runs: its claim is unchecked.
    for cell in load(name)["cells"]:
        if cell["cell_type"] == "markdown":
            lines = [line.lstrip() for line in source(cell).splitlines()]
            code = [line for line in lines if line.startswith(("assert ", "import ", "print("))]
            assert not code, f"{name}: a markdown cell holds code that never runs: {code[0]!r}"
