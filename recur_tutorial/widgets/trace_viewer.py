"""Step through the chain of thought a trained Transformer writes, and see where it attends."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .static import display_with_figure


def _step_figure(tokens, maps, written, step: int):
    """Per layer, the attention of the query that wrote step ``step``'s token (heads: their maximum)."""
    position = written[step]
    layers = maps.shape[1]
    fig, axes = plt.subplots(layers, 1, figsize=(0.35 * len(tokens) + 1, 1.3 * layers + 0.6), sharex=True)
    for layer, ax in enumerate(np.atleast_1d(axes)):
        weights = maps[step, layer].max(0)
        colours = ["C1" if i == position else "C0" for i in range(len(tokens))]
        ax.bar(np.arange(len(tokens)), weights, color=colours)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"layer {layer + 1}")
    ax.set_xticks(np.arange(len(tokens)), [t if i <= position else "·" for i, t in enumerate(tokens)],
                  rotation=90, fontsize=7)
    fig.suptitle(f"step {step + 1}: the model writes {tokens[position]} at position {position}", fontsize=9)
    return fig


def trace_viewer(model, layout, x: str):
    """An ipywidgets view: a slider over the tokens the model writes for input ``x``; for the chosen
    step it shows the sequence so far (the written token highlighted) and, per layer, the attention
    of the query that wrote it (heads combined by their maximum). A page without a kernel shows the
    first step as a figure."""
    import ipywidgets as widgets

    from ..experiments.cot import trace_attention

    tokens, maps = trace_attention(model, layout, x)
    written = [i for i, t in enumerate(tokens) if t.startswith(("s:", "y:"))]
    output = widgets.Output()
    slider = widgets.IntSlider(value=0, min=0, max=len(written) - 1, description="step")

    def show(change=None):
        with output:
            output.clear_output(wait=True)
            _step_figure(tokens, maps, written, slider.value)
            plt.show()

    slider.observe(show, names="value")
    show()
    view = widgets.VBox([slider, output])
    display_with_figure(view, _step_figure(tokens, maps, written, 0))
    return view
