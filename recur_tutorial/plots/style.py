"""The book's one figure style: sized for the page, colour-blind-safe, one convention for reference lines.

Size. A chapter page shows a figure in a column :data:`PAGE_WIDTH_PX` pixels wide; an image wider
than that is scaled down to it, a narrower one shown as it is. Text of ``s`` points in a figure
saved at ``dpi`` and ``w`` inches wide (after the tight bounding box) is therefore shown
``s / 72 · dpi · min(1, PAGE_WIDTH_PX / (w · dpi))`` pixels tall. At the page's width of
:data:`WIDTH` inches and :data:`FONT_SIZE` points that is ``10 · 690 / (72 · 6.4) ≈ 15`` pixels, at
least the theme's small print, :data:`SMALL_PRINT_PX` (0.875 of its 16-pixel body text);
:func:`smallest_text_px` measures it for a drawn figure.

Colour. Series take Okabe and Ito's eight colours (:data:`SERIES_COLOURS`), each with its own marker
(:func:`series_styles`); heatmaps take cividis (:data:`HEATMAP`), whose lightness rises with the
value for every reader. Neither holds a red-green pair.

Reference lines. :func:`mark_references` draws, in every figure, the longest training length as a
dashed vertical line and the chance level as a dotted horizontal line, both labelled on the plot.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.text import Text

from ..tables import use_book_tables

PAGE_WIDTH_PX = 690  # the chapter column at a 1280-pixel window (reader review, item 6)
SMALL_PRINT_PX = 14  # the theme's small print: 0.875 × 16 px
WIDTH = 6.4  # inches: a full-width figure
DPI = 160
FONT_SIZE = 10  # points: the smallest text in a figure (ticks, legends, annotations)

# Okabe & Ito (2008), "Color universal design": blue, orange, bluish green, reddish purple, sky blue,
# vermillion, black, yellow; ordered so that the closest pairs (orange-vermillion, orange-yellow) meet
# only in figures of six or more series, where the markers still tell them apart.
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h"]
PALETTE = SERIES_COLOURS
HEATMAP = "cividis"
REFERENCE_COLOUR = "0.3"
LABEL_BOX = {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75}
BOUNDARY_STYLE = {"color": REFERENCE_COLOUR, "ls": "--", "lw": 1.1}
CHANCE_STYLE = {"color": REFERENCE_COLOUR, "ls": ":", "lw": 1.4}


def use_book_style() -> None:
    """Seaborn's whitegrid style with the book's colours, font sizes and resolution; tables shown as
    :func:`~recur_tutorial.tables.use_book_tables` shows them."""
    use_book_tables()
    sns.set_theme(style="whitegrid", palette=SERIES_COLOURS, rc={
        "figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight", "figure.figsize": (WIDTH, 3.4),
        "font.size": FONT_SIZE, "axes.labelsize": FONT_SIZE + 1, "axes.titlesize": FONT_SIZE + 1,
        "axes.titleweight": "bold", "figure.titlesize": FONT_SIZE + 2, "xtick.labelsize": FONT_SIZE,
        "ytick.labelsize": FONT_SIZE, "legend.fontsize": FONT_SIZE, "legend.title_fontsize": FONT_SIZE,
        "lines.linewidth": 1.6, "lines.markersize": 5, "image.cmap": HEATMAP,
    })


def series_styles(names) -> dict[str, dict]:
    """A colour, a marker and a line style for each name, in order: the first eight differ in colour
    and marker; beyond, colours repeat dashed, with a marker of their own."""
    styles = {}
    for index, name in enumerate(dict.fromkeys(names)):
        styles[name] = {"color": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                        "marker": MARKERS[index % len(MARKERS)],
                        "ls": "-" if index < len(SERIES_COLOURS) else "--"}
    return styles


def seaborn_styles(names) -> dict:
    """Keyword arguments that give seaborn's lines and markers (``hue`` = ``style`` = the series) the
    book's :func:`series_styles`."""
    styles = series_styles(names)
    return {"hue_order": list(styles), "style_order": list(styles),
            "palette": {name: s["color"] for name, s in styles.items()},
            "markers": {name: s["marker"] for name, s in styles.items()},
            "dashes": {name: "" if s["ls"] == "-" else (4, 2) for name, s in styles.items()}}


def mark_references(ax, *, train_max: float | None = None, chance: float | None = None,
                    boundary_label: str | None = None) -> None:
    """The book's reference lines: the longest training length ``train_max`` (dashed, vertical,
    labelled "trained ≤ n", or ``boundary_label``) and the ``chance`` level (dotted, horizontal,
    labelled "chance")."""
    if train_max is not None:
        ax.axvline(train_max, **BOUNDARY_STYLE, zorder=1)
        ax.annotate(boundary_label or f"trained ≤ {train_max:g}", (train_max, 1),
                    xycoords=("data", "axes fraction"), xytext=(3, -3), textcoords="offset points", ha="left",
                    va="top", color=REFERENCE_COLOUR, fontsize=FONT_SIZE, bbox=LABEL_BOX)
    if chance is not None:
        ax.axhline(chance, **CHANCE_STYLE, zorder=1)
        ax.annotate("chance", (1, chance), xycoords=("axes fraction", "data"), xytext=(-3, 3),
                    textcoords="offset points", ha="right", va="bottom", color=REFERENCE_COLOUR, fontsize=FONT_SIZE,
                    bbox=LABEL_BOX)


def panels(rows: int = 1, columns: int = 1, *, height: float | None = None, **kwargs):
    """``plt.subplots`` at the page's width: ``height`` inches (by default 2.6 per row)."""
    return plt.subplots(rows, columns, figsize=(WIDTH, height or 2.6 * rows), **kwargs)


def legend_below(fig, handles, labels, columns: int | None = None) -> None:
    """One legend for the whole figure, centred below its panels (a title may sit above them)."""
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False,
               ncol=columns or min(len(labels), 4))


def smallest_text_px(fig) -> float:
    """Height in page pixels of the smallest visible text of ``fig`` as the book shows it: saved with
    a tight bounding box at the figure's dpi, then scaled down to :data:`PAGE_WIDTH_PX` if wider."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight")
    width_px = plt.imread(io.BytesIO(buffer.getvalue())).shape[1]
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    if not sizes:
        raise ValueError("the figure holds no text: a figure needs at least axis names")
    return min(sizes) / 72 * fig.dpi * min(1.0, PAGE_WIDTH_PX / width_px)

