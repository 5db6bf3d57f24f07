"""Sphinx configuration of the scoreedu website (sphinx-book-theme over myst-nb).

site/build_site.py stages the sources and runs Sphinx with this file; see its docstring.
Everything the pages load is inside the built site: MathJax included, no CDN.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import mathjax  # noqa: E402

from scoreedu import REPOSITORY  # noqa: E402

project = "scoreedu"
author = "the scoreedu authors"
copyright = "the scoreedu authors, MIT licence"
html_title = "scoreedu"

extensions = ["myst_nb", "book_frame", "sphinx.ext.githubpages"]  # .nojekyll for Pages
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]

# The stored outputs are the validated ones (nbval): show them, never re-run the notebooks.
nb_execution_mode = "off"
# An explorer's output holds a widget view and a PNG of its default frame. Without a kernel the
# view would draw nothing (and its JavaScript would come from a CDN): show the PNG.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
# The notebooks write display math inside a paragraph ("so\n$$...$$\nWe check"), as JupyterLab
# allows; without this MyST pairs the wrong dollars and prints raw TeX.
myst_dmath_double_inline = True
myst_heading_anchors = 3  # README links such as index.md#quick-start resolve

# MathJax 3 served from _static/mathjax/ (site/mathjax.py). An undefined macro is an error
# (a red box the browser test finds), not silently printed in red.
html_static_path = [str(HERE / "static"), str(mathjax.STATIC)]
mathjax_path = "mathjax/tex-mml-chtml.js"
mathjax3_config = {"tex": {"packages": {"[-]": ["noundefined"]}}}

html_theme = "sphinx_book_theme"
html_context = {"default_mode": "light"}  # else the theme logs a console error on first load
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",  # build/site-src mirrors the repository: notebooks/NAME.ipynb
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
