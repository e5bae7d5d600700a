"""The book's one figure style: seaborn's whitegrid, a colour-blind palette, a size that reads well."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = "colorblind"


def use_book_style() -> None:
    """Seaborn's whitegrid style at a size that reads well in the book."""
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 110, "savefig.bbox": "tight", "axes.titleweight": "bold"})
