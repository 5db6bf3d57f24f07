"""The README, CONTRIBUTING.md and the start notebook say what the repository does."""

import json
import re
from pathlib import Path

import pytest

from scoreedu import REPOSITORY, __version__
from scoreedu.chapters import CHAPTERS, EXTRAS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
REPO = REPOSITORY.removeprefix("https://github.com/")
BINDER = f"https://mybinder.org/v2/gh/{REPO}/main"


def section(text: str, heading: str) -> str:
    """The body of a `## heading` section, up to the next `## `."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md lacks a '## {heading}' section"
    return match[1]


def test_quick_start_is_exactly_two_commands_the_makefile_has():
    body = section(README, "Quick start")
    block = re.search(r"\n\n((?:    .*\n)+)", body)
    assert block, "the quick start shows its commands as an indented code block"
    commands = [line.split("#")[0].strip() for line in block[1].splitlines()]
    assert commands == ["make lab", "make test"]
    assert "Python 3.11" in body
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("lab", "test", "voila"):
        assert re.search(rf"^{target}:", makefile, re.M), f"the Makefile lacks `{target}`"


@pytest.mark.parametrize("name, title, summary", CHAPTERS + EXTRAS)
def test_readme_lists_every_chapter_file(name, title, summary):
    chapters = section(README, "The chapters")
    assert f"[{title}](notebooks/{name})" in chapters, f"README's chapter map lacks {name}"
    assert summary in chapters, f"README's line for {name} differs from scoreedu/chapters.py"


def test_readme_has_binder_and_colab_badges():
    assert f"({BINDER}?urlpath=lab/tree/notebooks/00_start_here.ipynb)" in README
    assert f"({BINDER}?urlpath=voila/render/notebooks/playground.ipynb)" in README
    # Colab opens the release the notebook's bootstrap installs (README: Releases)
    colab = f"https://colab.research.google.com/github/{REPO}/blob/v{__version__}/notebooks/"
    assert f"({colab}00_start_here.ipynb)" in README
    assert "mybinder.org/badge_logo.svg" in README and "colab-badge.svg" in README


def test_readme_explains_the_gpu_and_the_validation():
    for heading, words in {
        "GPU notes": ["SCOREEDU_DEVICE", "get_device"],
        "How the notebooks are validated": [
            "--nbval ",
            "NBVAL_IGNORE_OUTPUT",
            "tests/nbval_sanitize.cfg",
            "tests/test_notebook_conventions.py",
            "check_notebooks.py",
            ".ci/run",
        ],
        "Contributing": ["CONTRIBUTING.md"],
    }.items():
        body = section(README, heading)
        for word in words:
            assert word in body, f"README's '{heading}' should mention {word}"


def test_contributing_states_the_conventions_and_how_to_author():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for word in (
        "notebook_setup(seed=0)",
        "NBVAL_IGNORE_OUTPUT",
        "tools/notebook_frame.py",
        "tools/execute_notebooks.py",
        "nbval",
        "scoreedu.exercises",
        "## Summary",
        "What you will learn",
    ):
        assert word in text, f"CONTRIBUTING.md should mention {word}"


def test_the_start_notebook_maps_every_chapter():
    cells = json.loads((ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))
    markdown = "\n".join(
        "".join(c["source"]) for c in cells["cells"] if c["cell_type"] == "markdown"
    )
    for name, title, _ in CHAPTERS:
        assert f"[{title}]({name})" in markdown, f"00_start_here.ipynb's map lacks {name}"
    assert f"({BINDER}?urlpath=lab/tree/notebooks/00_start_here.ipynb)" in markdown
