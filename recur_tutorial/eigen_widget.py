"""Pictures of transition eigenvalues (Chapter 4): a static figure for the book, a widget to explore.

Both take the :class:`~recur_tutorial.theory.probe.ProbeResult` objects of the probe, whose
``eigenvalues`` hold every eigenvalue of the state Jacobian at the sampled states and inputs. They
are drawn in the complex plane with the unit circle and the interval [0, 1] marked: a linear
recurrence whose eigenvalues all sit on [0, 1] cannot keep parity in finite precision.
"""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np


def _draw(ax, result, title: str | None = None) -> None:
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    ax.plot(circle.real, circle.imag, color="0.8", lw=1)
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    ax.plot([0, 1], [0, 0], color="tab:green", lw=4, alpha=0.35, solid_capstyle="butt")
    values = result.eigenvalues
    if values.size:
        negative = values.real < -1e-3
        ax.scatter(values.real[~negative], values.imag[~negative], s=10, alpha=0.5, color="tab:blue")
        ax.scatter(values.real[negative], values.imag[negative], s=10, alpha=0.6, color="tab:red")
    else:
        ax.text(0, 0.3, "no fixed-size state", ha="center", fontsize=8)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.set_xticks([-1, 0, 1])
    ax.set_yticks([-1, 0, 1])
    ax.set_title(title or result.model, fontsize=9)


def eigenvalue_figure(results, columns: int = 4, size: float = 2.4):
    """One small complex-plane panel per probed model (red: eigenvalues with negative real part)."""
    rows = -(-len(results) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows), squeeze=False)
    for ax, result in zip(axes.flat, results):
        _draw(ax, result)
    for ax in list(axes.flat)[len(results):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _ranges(result) -> str:
    return (f"{result.verdict}\nreal parts in [{result.eig_real_min:.3f}, {result.eig_real_max:.3f}], "
            f"largest |λ| {result.eig_abs_max:.3f}, largest |Im λ| {result.eig_imag_max:.3f}")


def _static_png(result) -> str:
    """The explorer's first state as a PNG (base64): what a page without a kernel shows instead."""
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    _draw(ax, result)
    ax.set_xlabel(_ranges(result), fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def eigenvalue_explorer(results):
    """An ipywidgets dropdown over the probed models that redraws the panel and prints the ranges.

    The output carries the live widget and, in the same mime bundle, a PNG of its first state: a
    front end with a kernel draws the widget, a static page (the built book) shows the picture.
    """
    import ipywidgets as widgets
    from IPython.display import display

    by_name = {r.model: r for r in results}
    choice = widgets.Dropdown(options=list(by_name), description="model")
    output = widgets.Output()

    def show(_=None):
        result = by_name[choice.value]
        with output:
            output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(3.6, 3.6))
            _draw(ax, result)
            plt.show()
            print(_ranges(result))

    choice.observe(show, names="value")
    show()
    box = widgets.VBox([choice, output])
    bundle = box._repr_mimebundle_()
    bundle["image/png"] = _static_png(results[0])
    display(bundle, raw=True)
    return box


__all__ = ["eigenvalue_explorer", "eigenvalue_figure"]
