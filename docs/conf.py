"""Sphinx configuration of the book (``make site``): the stored notebooks as a book, offline.

scripts/build_book.py copies this folder and the notebooks (with their outputs stored, nothing
executed) into build/book/src and runs Sphinx there; see that script for what it changes on the way.
"""

from __future__ import annotations

project = "lstm-params"
author = "The lstm-params maintainers"
copyright = "the lstm-params maintainers, MIT licence"

extensions = ["myst_nb", "sphinx_copybutton"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
suppress_warnings = ["mystnb.unknown_mime_type"]

# MyST-NB: show the stored outputs; never run a notebook, never load widget JavaScript from a CDN.
nb_execution_mode = "off"
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# MathJax 3, served from _static/mathjax (scripts/build_book.py unpacks it from npm's mathjax package).
mathjax_path = "mathjax/tex-chtml.js"

html_theme = "sphinx_book_theme"
html_title = "lstm-params"
html_favicon = "_static/favicon.svg"  # a browser asks for /favicon.ico otherwise (a 404 in the console)
html_context = {"default_mode": "light"}  # the theme logs an error while no mode is stored
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_js_files = ["book.js"]
html_copy_source = False  # no _sources/: the notebooks are in the repository
html_show_sourcelink = False
html_show_sphinx = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "search_bar_text": "Search the series…",
    "show_navbar_depth": 1,
    "navigation_with_keys": False,
}
copybutton_exclude = ".linenos, .gp, .go"  # copy the code, not prompts or outputs
