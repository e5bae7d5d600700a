"""A Sphinx extension of the book: each page loads each script once.

sphinx-thebe registers its configuration script twice in this Jupyter Book setup (once with the file
name ``None`` and once with ``''``), and the second ``const THEBE_JS_URL`` declaration is
a SyntaxError in the reader's console on every page. The duplicates are dropped, first kept.
"""

from __future__ import annotations


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "", getattr(script, "attributes", {}).get("body", ""))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
