"""A widget's output for a page without a kernel: the live view and a picture of its first state.

A front end with a kernel (Jupyter, Colab) draws the widget from the
``application/vnd.jupyter.widget-view+json`` entry of the output; the built book, which has no
kernel, shows the ``image/png`` of the same output instead (``nb_mime_priority_overrides`` in
``_config.yml``), so a static page never shows an empty widget area.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt


def png(figure) -> str:
    """``figure`` as a base64 PNG (the figure is closed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def display_with_figure(view, figure) -> None:
    """Display the widget ``view`` with ``figure`` (its first state) as the static stand-in."""
    from IPython.display import display

    bundle = view._repr_mimebundle_()
    bundle["image/png"] = png(figure)
    display(bundle, raw=True)


__all__ = ["display_with_figure", "png"]
