"""A Sphinx extension of the book: the pages that draw an interactive figure load plotly.js.

The figures of :mod:`recur_tutorial.plots.interactive` are ``<div class="recur-interactive">`` elements with
a script that draws them with the page's ``Plotly``. The book serves plotly.js itself
(``_static/plotly.min.js``, staged by tools/stage_book.py from the pinned ``plotly`` package), so the
pages work offline; it is loaded in the page's head, before the figures' scripts run, and only on the
pages that have such a figure (it is 4.8 MB).
"""

from __future__ import annotations

MARKER = 'class="recur-interactive"'
SCRIPT = "plotly.min.js"


def _load_plotly(app, pagename, templatename, context, doctree) -> None:
    if MARKER in context.get("body", ""):
        app.add_js_file(SCRIPT, priority=400)  # this page only (Sphinx resets the list for each page)


def setup(app):
    app.connect("html-page-context", _load_plotly)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
