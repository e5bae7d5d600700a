"""Chapter 4's eigenvalue explorer: a dropdown over the probed models that redraws one model's panel
(the static figure for the book is :func:`recur_tutorial.plots.eigenvalue_figure`)."""

from __future__ import annotations

import matplotlib.pyplot as plt

from ..plots import eigenvalue_panel
from .static import display_with_figure


def _ranges(result) -> str:
    return (f"{result.verdict}\nreal parts in [{result.eig_real_min:.3f}, {result.eig_real_max:.3f}], "
            f"largest |λ| {result.eig_abs_max:.3f}, largest |Im λ| {result.eig_imag_max:.3f}")


def _first_state(result):
    """The explorer's first state as a figure: what a page without a kernel shows instead."""
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    eigenvalue_panel(ax, result)
    ax.set_xlabel(_ranges(result), fontsize=8)
    return fig


def eigenvalue_explorer(results):
    """An ipywidgets dropdown over the probed models that redraws the panel and prints the ranges.

    The output carries the live widget and, in the same mime bundle, a PNG of its first state: a
    front end with a kernel draws the widget, a static page (the built book) shows the picture.
    """
    import ipywidgets as widgets

    by_name = {r.model: r for r in results}
    choice = widgets.Dropdown(options=list(by_name), description="model")
    output = widgets.Output()

    def show(_=None):
        result = by_name[choice.value]
        with output:
            output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(3.6, 3.6))
            eigenvalue_panel(ax, result)
            plt.show()
            print(_ranges(result))

    choice.observe(show, names="value")
    show()
    box = widgets.VBox([choice, output])
    display_with_figure(box, _first_state(results[0]))
    return box


__all__ = ["eigenvalue_explorer"]
