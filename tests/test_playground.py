"""The playground (notebooks/playground.ipynb) shows every registered explorer, each captioned.

A quick static check, so a newly registered explorer is caught in seconds; tests/test_browser.py
serves the page with Voilà and moves a slider of each.
"""

import json
import re
from pathlib import Path

from scoreedu.widgets import EXPLORERS

PLAYGROUND = Path(__file__).resolve().parents[1] / "notebooks" / "playground.ipynb"
SHOWN = re.compile(r"""display\(EXPLORERS\[["'](\w+)["']\]\(\)\)""")


def cells():
    nb = json.loads(PLAYGROUND.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def test_the_playground_shows_every_registered_explorer_once():
    shown = [name for kind, text in cells() if kind == "code" for name in SHOWN.findall(text)]
    assert sorted(shown) == sorted(EXPLORERS), (
        f"notebooks/playground.ipynb shows {sorted(shown)}; registered: {sorted(EXPLORERS)}. "
        "Add a caption and a display cell for each, then re-execute it."
    )


def test_each_explorer_follows_a_markdown_caption():
    listing = cells()
    for i, (kind, text) in enumerate(listing):
        if kind == "code" and SHOWN.search(text):
            before_kind, caption = listing[i - 1]
            assert before_kind == "markdown" and caption.startswith("## "), (
                f"caption the explorer in `{text}` with a markdown cell starting '## '"
            )
            assert len(caption.split()) >= 15, f"the caption before `{text}` says too little"
