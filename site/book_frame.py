"""A Sphinx extension that frames each notebook as a page of the website, without editing it.

The notebooks carry a frame for JupyterLab and Colab (tools/notebook_frame.py): a Colab install
cell and navigation links with a Colab badge. On the website the reader has no kernel, so when
Sphinx reads a notebook this extension swaps that frame for the site's own:

- navigation (previous · contents · next) at the top and bottom, from scoreedu/chapters.py;
- a "Run it" box under the title, with Binder and Colab links to this very notebook;
- for the Voilà playground (EXTRAS), outputs only: its code cells' inputs are left out;
- under `## Exercises`, a note that the checkers run in a live kernel.

It also replaces every remote image (the Binder and Colab badges of the README) by its alt
text: the site loads nothing from other hosts, so it reads the same offline.
"""

import hashlib
import json
import re
from pathlib import Path

from docutils import nodes

from scoreedu import REPOSITORY
from scoreedu.chapters import CHAPTERS, EXTRAS

GITHUB_PATH = REPOSITORY.removeprefix("https://github.com/")
FRAME_TAGS = {"nav-top", "colab-bootstrap", "nav-bottom"}
VOILA = {n for n, _, _ in EXTRAS}  # served by Voilà: outputs only, as Voilà shows them
EXERCISES = re.compile(r"^## Exercises[ \t]*$", re.M)
EXERCISE_NOTE = """

```{note}
:class: exercise-note
The checkers run in a live kernel. On this page the exercises are text: open the notebook on
Binder or Colab (the links in the *Run it* box at the top), replace `None` by your answer and
run the cell; its checker answers at once and names the likely slip.
```
"""


def launch_urls(name: str) -> dict:
    """Where notebooks/name opens live: JupyterLab on Binder, Colab, and Voilà on Binder."""
    binder = f"https://mybinder.org/v2/gh/{GITHUB_PATH}/main?urlpath="
    return {
        "Binder": f"{binder}lab/tree/notebooks/{name}",
        "Colab": f"https://colab.research.google.com/github/{GITHUB_PATH}/blob/main/notebooks/{name}",
        "Voilà": f"{binder}voila/render/notebooks/{name}",
    }


def navigation(name: str) -> str:
    """'[← previous](...) · [Contents](...) · [next →](...)' in MyST, as the notebooks have it."""
    order = [n for n, _, _ in CHAPTERS]
    titles = {n: t for n, t, _ in CHAPTERS + EXTRAS}
    i = order.index(name) if name in order else None
    parts = ["[Contents](../index.md)"]
    if i:
        parts.insert(0, f"[← {titles[order[i - 1]]}]({order[i - 1]})")
    if i is not None and i + 1 < len(order):
        parts.append(f"[{titles[order[i + 1]]} →]({order[i + 1]})")
    return "```{container} site-nav\n" + " · ".join(parts) + "\n```"


def run_it_box(name: str) -> str:
    """A MyST admonition: this page is the stored notebook; how to run it live."""
    urls = launch_urls(name)
    live = f"[Binder]({urls['Binder']}) (nothing to install) or [Colab]({urls['Colab']})"
    if name in VOILA:
        live += f", or as an app with [Voilà on Binder]({urls['Voilà']})"
    return (
        "\n\n```{admonition} Run it\n:class: tip run-it\n"
        f"The outputs below are stored from a validated run of `notebooks/{name}`; an explorer "
        f"shows its default frame. To run the code and move the sliders, open it on {live}, or "
        "run `make lab` in a clone ([quick start](../index.md#quick-start)).\n```\n"
    )


def markdown_cell(text: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def reframe(notebook: dict, name: str) -> dict:
    """The notebook as the site shows it: frame cells swapped, run-it box and exercise note in."""
    cells = [
        cell
        for cell in notebook["cells"]
        if not FRAME_TAGS & set(cell.get("metadata", {}).get("tags", []))
    ]
    boxed = False
    for cell in cells:
        if cell["cell_type"] == "code" and name in VOILA:
            cell.setdefault("metadata", {}).setdefault("tags", []).append("remove-input")
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        if not boxed and text.startswith("# "):  # the title: the box goes right under it
            title, _, rest = text.partition("\n")
            text, boxed = title + run_it_box(name) + rest, True
        cell["source"] = EXERCISES.sub(lambda m: m[0] + EXERCISE_NOTE, text)
    nav = navigation(name)
    top, bottom = markdown_cell(nav, "site-nav-top"), markdown_cell(nav, "site-nav-bottom")
    notebook["cells"] = [top, *cells, bottom]
    return notebook


def frame_notebook(app, docname: str, source: list) -> None:
    """source-read: reframe notebooks/NAME.ipynb for every NAME in scoreedu/chapters.py."""
    folder, _, stem = docname.rpartition("/")
    listed = {n for n, _, _ in CHAPTERS + EXTRAS}
    if folder == "notebooks" and app.env.doc2path(docname).suffix == ".ipynb":
        if f"{stem}.ipynb" in listed:
            source[0] = json.dumps(reframe(json.loads(source[0]), f"{stem}.ipynb"))


def drop_remote_images(app, doctree) -> None:
    """doctree-read: an image from another host becomes its alt text (a link stays a link)."""
    for image in list(doctree.findall(nodes.image)):
        if re.match(r"https?://", image["uri"]):
            text = image.get("alt", "") or image["uri"].rsplit("/", 1)[-1]
            image.replace_self(nodes.inline(text, text, classes=["remote-image"]))


def fingerprint() -> str:
    """A hash of what the frame is made from. Sphinx rebuilds only changed sources; as a config
    value this makes it rebuild every page when this file or the chapter list changes."""
    files = [Path(__file__), Path(__file__).parents[1] / "scoreedu" / "chapters.py"]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files) + REPOSITORY.encode()).hexdigest()


def setup(app):
    app.add_config_value("book_frame_fingerprint", fingerprint(), "env")
    app.connect("source-read", frame_notebook)
    app.connect("doctree-read", drop_remote_images)
    app.add_css_file("book.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
