"""Figures a reader can manipulate in the published pages, without a kernel (Plotly).

Each builder returns an :class:`InteractiveFigure` built from results a chapter has already computed:

- :func:`accuracy_curves`: accuracy against input length, a line per model (the mean over seeds; the
  hover gives every seed's value), a menu to pick the panel (task), a click on a legend entry hides
  or shows that series;
- :func:`score_heatmap`: a task × model grid coloured by the accuracy above chance,
  ``(score − chance) / (1 − chance)``, with every seed's score on hover and buttons to show the mean,
  the worst or the best seed;
- steppers, a slider over precomputed states: :func:`automaton_steps` (a hand-built RNN of an
  automaton reading an input, one symbol a step), :func:`attention_steps` (the chain of thought a
  trained Transformer writes, with where each written token attended) and :func:`eigenvalue_steps`
  (the transition eigenvalues of each probed model in the complex plane).

The figures keep the book's conventions (:mod:`.style`): Okabe and Ito's colours and a marker per
series, cividis for heatmaps, the training boundary dashed and vertical, chance dotted and horizontal,
named axes, text at the page's small print (14 px).

Shown in a notebook, an :class:`InteractiveFigure` is ``application/vnd.plotly.v1+json`` (drawn by
JupyterLab's and VS Code's Plotly renderer) and ``text/html``: a ``<div>`` with a script that draws it
with the ``Plotly`` of the page. The published book serves ``plotly.min.js`` itself, from ``_static``:
``tools/stage_book.py`` copies it from the pinned ``plotly`` package and ``book/_ext/interactive_pages.py``
loads it on the pages that draw a figure, so the pages work offline. Only where no ``Plotly`` is loaded
(Colab's output frames) does the script fetch plotly.js, of the version the package bundles, from
Plotly's CDN.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex

from ..errors import check
from .style import REFERENCE_COLOUR, SERIES_COLOURS, SMALL_PRINT_PX, series_styles

CLASS = "recur-interactive"  # the class of every figure's <div>: the book loads plotly.js on pages with one
FONT = {"size": SMALL_PRINT_PX, "family": "Helvetica, Arial, sans-serif"}
REFERENCE = to_hex(REFERENCE_COLOUR)
SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "v": "triangle-down", "P": "cross",
           "X": "x", "*": "star", "<": "triangle-left", ">": "triangle-right", "h": "hexagon"}
CIVIDIS = "Cividis"
PLAY = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}


@dataclass
class InteractiveFigure:
    """A Plotly figure (``spec``: its data, layout and frames as JSON-ready dicts), with the text that
    says what it shows to a reader who cannot see it (``alt``, the ``aria-label`` of its ``<div>``)."""

    spec: dict
    alt: str
    height: int

    @property
    def data(self) -> list[dict]:
        return self.spec["data"]

    @property
    def frames(self) -> list[dict]:
        return self.spec.get("frames", [])

    @property
    def layout(self) -> dict:
        return self.spec["layout"]

    def to_json(self) -> str:
        return json.dumps(self.spec, separators=(",", ":"), allow_nan=False)

    def to_html(self) -> str:
        """A ``<div>`` and the script that draws the figure in it (its id: a hash of the figure, so the
        same results give the same page)."""
        spec = self.to_json()
        inline = spec.replace("</", "<\\/")  # a string holding </script> cannot close the script
        ident = "fig-" + hashlib.sha1(spec.encode()).hexdigest()[:12]
        config = json.dumps({"responsive": True, "displayModeBar": False})  # drag zooms, a double click resets
        from plotly.offline import get_plotlyjs_version

        cdn = f"https://cdn.plot.ly/plotly-{get_plotlyjs_version()}.min.js"
        script = (
            "(function () {\n"
            f"  var spec = {inline};\n"
            f"  function draw() {{ Plotly.newPlot({json.dumps(ident)}, spec.data, spec.layout, {config})"
            ".then(function (gd) { if (spec.frames) { return Plotly.addFrames(gd, spec.frames); } }); }\n"
            "  if (window.Plotly) { draw(); } else {  // no Plotly on the page: a notebook's output frame\n"
            "    var s = document.createElement('script');\n"
            f"    s.src = {json.dumps(cdn)}; s.onload = draw; document.head.appendChild(s);\n"
            "  }\n"
            "})();")
        return (f'<div class="{CLASS}" id="{ident}" role="img" aria-label="{html.escape(self.alt, quote=True)}" '
                f'style="width: 100%; height: {self.height}px;"></div>\n<script>\n{script}\n</script>')

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"application/vnd.plotly.v1+json": json.loads(self.to_json()), "text/html": self.to_html(),
                "text/plain": f"<interactive figure: {self.alt}>"}


# ---- shared pieces -----------------------------------------------------------------------------------
def _layout(title: str, height: int, **extra) -> dict:
    layout = {"title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": FONT["size"] + 2}},
              "font": FONT, "height": height, "template": "plotly_white", "hovermode": "closest",
              "margin": {"l": 70, "r": 20, "t": 60, "b": 60}, "hoverlabel": {"font": FONT}}
    layout.update(extra)
    return layout


def _references(train_max: float | None, chance: float | None, boundary_label: str) -> tuple[list, list]:
    """Shapes and annotations of the book's reference lines: the training boundary (dashed, vertical)
    and chance (dotted, horizontal), both labelled, in the reference colour."""
    shapes, notes = [], []
    if train_max is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": train_max, "x1": train_max, "y0": 0,
                       "y1": 1, "line": {"color": REFERENCE, "dash": "dash", "width": 1.5}})
        notes.append({"x": train_max, "y": 1, "xref": "x", "yref": "paper", "xanchor": "left", "yanchor": "top",
                      "text": boundary_label.format(train_max), "showarrow": False, "font": {"color": REFERENCE},
                      "bgcolor": "rgba(255,255,255,0.75)"})
    if chance is not None:
        shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": chance, "y1": chance,
                       "line": {"color": REFERENCE, "dash": "dot", "width": 2}})
        notes.append({"x": 1, "y": chance, "xref": "paper", "yref": "y", "xanchor": "right", "yanchor": "bottom",
                      "text": "chance", "showarrow": False, "font": {"color": REFERENCE},
                      "bgcolor": "rgba(255,255,255,0.75)"})
    return shapes, notes


def _require(table: pd.DataFrame, columns: list[str], what: str) -> None:
    check(isinstance(table, pd.DataFrame), f"{what} needs a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in columns if c not in table.columns]
    check(not missing, f"{what} needs the columns {columns}; missing {missing} (the table has {list(table.columns)})")
    check(len(table) > 0, f"{what} got an empty table: there is nothing to draw")


def _per_panel(value, panel, what: str):
    """``value`` for one panel: a number for every panel, or a dict panel → number that must name it."""
    if isinstance(value, dict):
        check(panel in value, f"{what} has no value for {panel!r}; it names {sorted(value)}")
        return value[panel]
    return value


def _slider(labels: list[str], prefix: str, below: int) -> dict:
    return {"active": 0, "currentvalue": {"prefix": prefix, "font": FONT}, "pad": {"t": below}, "len": 0.9, "x": 0.1,
            "steps": [{"label": label, "method": "animate", "args": [[label], PLAY]} for label in labels]}


def _play_buttons(below: int) -> dict:
    return {"type": "buttons", "direction": "left", "x": 0.1, "xanchor": "right", "y": 0, "yanchor": "top",
            "pad": {"t": below + 10, "r": 10}, "showactive": False,
            "buttons": [{"label": "▶", "method": "animate", "args": [None, {**PLAY, "fromcurrent": True,
                                                                               "frame": {"duration": 600,
                                                                                         "redraw": True}}]},
                        {"label": "❚❚", "method": "animate", "args": [[None], PLAY]}]}


def _stepper(frames: list[dict], base: list[dict], layout: dict, prefix: str, alt: str,
             below: int = 70) -> InteractiveFigure:
    """A figure whose slider (and play button) steps through ``frames`` (name, data); it opens on the
    first. The slider sits below the x axis' labels and title (``below`` pixels under the plot area), in
    a bottom margin made for it."""
    check(len(frames) >= 1, "a stepper needs at least one state to show")
    layout = {**layout, "sliders": [_slider([f["name"] for f in frames], prefix, below)],
              "updatemenus": [_play_buttons(below)]}
    layout["margin"] = {**layout["margin"], "b": below + 110}
    layout["height"] += below + 110 - 60
    return InteractiveFigure({"data": base, "layout": layout, "frames": frames}, alt, layout["height"])


def _r(values, digits: int = 4) -> list:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else round(float(v), digits) for v in values]


# ---- accuracy against length ---------------------------------------------------------------------
def accuracy_curves(table: pd.DataFrame, *, chance=None, train_max=40, panel: str | None = "task",
                    series: str = "model", order: list[str] | None = None, title: str = "",
                    boundary_label: str = "trained ≤ {:g}", x_title: str = "input length ℓ",
                    y_title: str = "accuracy (mean over seeds)", plot_height: int = 320) -> InteractiveFigure:
    """Accuracy against input length (``length``, ``accuracy``, ``seed`` columns), one line per
    ``series`` value: the mean over seeds, every seed's accuracy in the hover. With ``panel`` (a column
    with several values) a menu picks the panel shown. ``chance`` and ``train_max`` (a number, or a dict
    panel → number) mark chance and the training boundary (``boundary_label``, formatted with it); a
    legend entry, clicked, hides its series; ``x_title`` and ``y_title`` name the axes; the plot area
    is ``plot_height`` pixels tall, with room above it for the menu and below it for the legend."""
    columns = [series, "length", "accuracy", "seed"] + ([panel] if panel else [])
    _require(table, columns, "accuracy_curves")
    check(table.accuracy.dropna().between(0, 1).all(), "accuracy_curves: accuracies must lie in [0, 1]")
    names = [m for m in (order or []) if m in set(table[series])]
    names += [m for m in dict.fromkeys(table[series]) if m not in names]
    styles = series_styles(names)
    panels = list(dict.fromkeys(table[panel])) if panel else [None]
    keys = [panel, series] if panel else [series]
    wide = table.pivot_table(index=[*keys, "length"], columns="seed", values="accuracy", aggfunc="mean")
    seeds, values = list(wide.columns), wide.to_numpy()
    means = np.nanmean(values, axis=1)
    seed_text = np.array(["<br>".join(f"seed {s}: {v:.2f}" for s, v in zip(seeds, row) if not np.isnan(v))
                          for row in values], dtype=object)
    lengths = wide.index.get_level_values("length").to_numpy()
    rows_of = wide.reset_index().groupby(keys, sort=False).indices
    data, visible_by_panel, references = [], [], []
    for index, name in enumerate(panels):
        shown = []
        for model in names:
            at = rows_of.get((name, model) if panel else model)
            if at is None:
                continue
            style = styles[model]
            data.append({"type": "scatter", "mode": "lines+markers", "name": str(model), "legendgroup": str(model),
                         "x": _r(lengths[at], 6), "y": _r(means[at]), "customdata": list(seed_text[at]),
                         "visible": index == 0, "showlegend": True,
                         "line": {"color": style["color"], "width": 2,
                                  "dash": "solid" if style["ls"] == "-" else "dash"},
                         "marker": {"symbol": SYMBOLS[style["marker"]], "size": 7, "color": style["color"],
                                    "maxdisplayed": 30},
                         "hovertemplate": f"<b>{html.escape(str(model))}</b><br>length %{{x}}<br>mean %{{y:.2f}}"
                                          "<br>%{customdata}<extra></extra>"})
            shown.append(len(data) - 1)
        visible_by_panel.append(shown)
        references.append(_references(_per_panel(train_max, name, "train_max"),
                                      _per_panel(chance, name, "chance") if chance is not None else None,
                                      boundary_label))
    def heading(name) -> str:
        return ", ".join(part for part in (title, f"{panel}: {name}" if panel else "") if part) or "accuracy"

    legend_rows = -(-len(names) // 3)  # about three entries a row at the page's width
    top, bottom = 95, 90 + 24 * legend_rows  # room for the menu above the plot, the legend below it
    layout = _layout(heading(panels[0]), plot_height + top + bottom,
                     xaxis={"title": {"text": x_title}, "zeroline": False},
                     yaxis={"title": {"text": y_title}, "range": [0, 1.03]},
                     shapes=references[0][0], annotations=references[0][1],
                     legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -70 / plot_height, "yanchor": "top"})
    layout["margin"].update({"t": top, "b": bottom})
    if panel and len(panels) > 1:
        buttons = [{"label": str(name), "method": "update",
                    "args": [{"visible": [i in shown for i in range(len(data))]},
                             {"shapes": refs[0], "annotations": refs[1], "title.text": heading(name)}]}
                   for name, shown, refs in zip(panels, visible_by_panel, references)]
        layout["updatemenus"] = [{"type": "dropdown", "buttons": buttons, "x": 1, "xanchor": "right", "y": 1.02,
                                  "yanchor": "bottom", "active": 0, "showactive": True}]
    shown = f", one {panel} at a time ({', '.join(map(str, panels))})" if panel else ""
    alt = (f"Interactive line chart: accuracy (0 to 1) against input length for {len(names)} {series}s "
           f"({', '.join(map(str, names))}){shown}, with the training boundary and chance marked.")
    return InteractiveFigure({"data": data, "layout": layout}, alt, layout["height"])


# ---- a grid of scores ---------------------------------------------------------------------------------
def score_heatmap(seeds: pd.DataFrame, *, chance, value: str = "score", index: str = "task",
                  columns: str = "model", order: list[str] | None = None, column_order: list[str] | None = None,
                  title: str = "", height: int | None = None) -> InteractiveFigure:
    """An ``index`` × ``columns`` grid of one ``value`` per seed (a table with a ``seed`` column, as
    :func:`~recur_tutorial.experiments.summary.per_seed` gives): each cell shows the mean over seeds and is
    coloured by the accuracy above chance, ``(score − chance) / (1 − chance)`` clipped to [0, 1]
    (``chance``: one number, or a dict that gives a level to every row or to every column, e.g. task →
    level whichever way the tasks lie); the hover lists every seed's score;
    buttons show the mean, the worst or the best seed instead. A missing cell stays blank."""
    _require(seeds, [index, columns, "seed", value], "score_heatmap")
    check(chance is not None, "score_heatmap needs chance: one level, or a dict row → level")
    rows = [r for r in (order or []) if r in set(seeds[index])] + [r for r in dict.fromkeys(seeds[index])
                                                                    if r not in (order or [])]
    cols = [c for c in (column_order or []) if c in set(seeds[columns])]
    cols += [c for c in dict.fromkeys(seeds[columns]) if c not in cols]
    grid = seeds.pivot_table(index=[index, columns], columns="seed", values=value, aggfunc="mean")
    if isinstance(chance, dict) and not set(rows) <= set(chance) and set(cols) <= set(chance):
        levels = {(r, c): chance[c] for r in rows for c in cols}  # one level per column
    else:
        levels = {(r, c): _per_panel(chance, r, "chance") for r in rows for c in cols}
    stats = {"mean": grid.mean(axis=1), "worst seed": grid.min(axis=1), "best seed": grid.max(axis=1)}

    def cells(stat: str):
        scores = [[stats[stat].get((r, c), np.nan) for c in cols] for r in rows]
        above = [[None if np.isnan(s) else round(float(np.clip((s - levels[r, c]) / (1 - levels[r, c]), 0, 1)), 4)
                  for c, s in zip(cols, line)] for r, line in zip(rows, scores)]
        text = [["" if np.isnan(s) else f"{s:.2f}" for s in line] for line in scores]
        return above, text

    hover = [[("<br>".join(f"seed {s}: {v:.2f}" for s, v in grid.loc[(r, c)].dropna().items())
               if (r, c) in grid.index else "not run") for c in cols] for r in rows]
    above, text = cells("mean")
    data = [{"type": "heatmap", "x": [str(c) for c in cols], "y": [str(r) for r in rows], "z": above, "text": text,
             "texttemplate": "%{text}", "customdata": hover, "colorscale": CIVIDIS, "zmin": 0, "zmax": 1,
             "xgap": 1, "ygap": 1, "hoverongaps": False,
             "colorbar": {"title": {"text": "accuracy<br>above chance", "side": "right"}},
             "hovertemplate": f"<b>%{{y}}</b>, %{{x}}<br>{value}: %{{text}}<br>%{{customdata}}<extra></extra>"}]
    buttons = []
    for stat in stats:
        z, t = cells(stat)
        buttons.append({"label": stat, "method": "restyle", "args": [{"z": [z], "text": [t]}]})
    height = height or 240 + 46 * len(rows)
    layout = _layout(title or f"{value} beyond training ({grid.shape[1]} seeds); hover for each seed", height,
                     xaxis={"title": {"text": columns}, "side": "bottom", "tickangle": -30},
                     yaxis={"title": {"text": index}, "autorange": "reversed"},
                     updatemenus=[{"type": "buttons", "direction": "left", "buttons": buttons, "x": 1,
                                   "xanchor": "right", "y": 1.02, "yanchor": "bottom", "active": 0}])
    layout["margin"].update({"l": 150, "b": 130, "t": 80})
    alt = (f"Interactive heatmap of the {value} of {len(cols)} {columns}s ({', '.join(map(str, cols))}) on "
           f"{len(rows)} {index}s ({', '.join(map(str, rows))}), coloured by the accuracy above chance; the hover "
           "gives each seed's score.")
    return InteractiveFigure({"data": data, "layout": layout}, alt, height)


# ---- steppers over precomputed states -------------------------------------------------------------------
def automaton_steps(rnn, x: str, title: str = "") -> InteractiveFigure:
    """The hand-built RNN of an automaton (:class:`~recur_tutorial.theory.dfa_rnn.DFARNN`) reading ``x``,
    one symbol per slider step: left, the automaton's state after each symbol read so far (the path
    through the states), the current one marked; right, the hidden units at that step (one pair unit,
    (previous state, symbol), is on)."""
    check(isinstance(x, str) and len(x) >= 1, f"automaton_steps needs a non-empty input string, got {x!r}")
    bad = sorted(set(x) - set(rnn.dfa.alphabet))
    check(not bad, f"automaton_steps: {bad} are not in the automaton's alphabet {list(rnn.dfa.alphabet)}")
    states, _, hidden = rnn.run([rnn.dfa.encode(x)], keep_hidden=True)
    path = [rnn.dfa.start] + states[0].tolist()
    names, units = list(rnn.dfa.state_names), rnn.unit_names()
    hidden = hidden[0].numpy()
    steps = list(range(len(path)))
    ticks = ["start"] + [f"{t}: {c}" for t, c in enumerate(x, 1)]

    def traces(t: int) -> list[dict]:
        on = hidden[t - 1] if t else np.eye(len(units))[-1]  # h_0: the start unit
        return [
            {"type": "scatter", "mode": "lines+markers", "x": steps[:t + 1], "y": path[:t + 1], "name": "states so far",
             "line": {"color": SERIES_COLOURS[0], "width": 2}, "marker": {"size": 8, "color": SERIES_COLOURS[0]},
             "xaxis": "x", "yaxis": "y", "hovertemplate": "after %{x} symbols: state %{y}<extra></extra>"},
            {"type": "scatter", "mode": "markers", "x": [t], "y": [path[t]], "name": "state now",
             "marker": {"size": 18, "symbol": "diamond", "color": SERIES_COLOURS[5]}, "xaxis": "x", "yaxis": "y",
             "hovertemplate": f"state now: {names[path[t]]}<extra></extra>"},
            {"type": "bar", "orientation": "h", "x": _r(on, 3), "y": units, "name": "hidden units",
             "marker": {"color": SERIES_COLOURS[2]}, "xaxis": "x2", "yaxis": "y2",
             "hovertemplate": "unit %{y}: %{x:.2f}<extra></extra>"}]

    frames = []
    for t in steps:
        read = f"read {x[t - 1]!r}: {names[path[t - 1]]} → {names[path[t]]}" if t else f"start in {names[path[0]]}"
        frames.append({"name": str(t), "data": traces(t),
                       "layout": {"title": {"text": f"{title or rnn.dfa.name}, step {t} of {len(x)}: {read}"}}})
    layout = _layout(frames[0]["layout"]["title"]["text"], 400 + 12 * len(units),
                     xaxis={"domain": [0, 0.58], "title": {"text": "symbols read"}, "range": [-0.5, len(x) + 0.5],
                            "tickvals": steps, "ticktext": ticks, "tickangle": -45 if len(x) > 12 else 0},
                     yaxis={"title": {"text": "automaton state"}, "tickvals": list(range(len(names))),
                            "ticktext": names, "range": [-0.5, len(names) - 0.5]},
                     xaxis2={"domain": [0.72, 1], "title": {"text": "hidden unit value"}, "range": [0, 1.05]},
                     yaxis2={"anchor": "x2", "title": {"text": "unit (state·symbol)"}, "autorange": "reversed"},
                     showlegend=False)
    alt = (f"Interactive stepper: the hand-built RNN of {rnn.dfa.name} reads {x!r}; a slider moves through its "
           f"{len(x)} steps, showing the path through the automaton's {len(names)} states and which hidden unit is on.")
    return _stepper(frames, frames[0]["data"], layout, "step: ", alt, below=90 if len(x) > 12 else 70)


def attention_steps(tokens: list[str], maps: np.ndarray, title: str = "") -> InteractiveFigure:
    """The chain of thought a trained Transformer writes, one written token per slider step: for each
    layer (a row of bars), the attention of the query that wrote the token over every position (heads
    combined by their maximum), the written token's position marked. ``tokens`` and ``maps``
    (written × layers × heads × positions) are what :func:`~recur_tutorial.experiments.cot.trace_attention`
    returns."""
    maps = np.asarray(maps, dtype=float)
    written = [i for i, t in enumerate(tokens) if t.startswith(("s:", "y:"))]
    check(maps.ndim == 4 and maps.shape[-1] == len(tokens),
          f"attention_steps needs maps of shape written × layers × heads × {len(tokens)} positions, got {maps.shape}")
    check(maps.shape[0] == len(written) >= 1,
          f"attention_steps: {len(written)} written tokens (s:…, y:…) in tokens but {maps.shape[0]} attention rows")
    weights, layers = maps.max(axis=2), maps.shape[1]
    positions = list(range(len(tokens)))
    labels = [f"{p}: {t.strip('<>')}" for p, t in enumerate(tokens)]
    gap = 0.08
    height = 1 / layers - gap * (layers - 1) / layers

    def traces(row: int) -> list[dict]:
        spot = written[row]
        colours = [SERIES_COLOURS[5] if p == spot - 1 else SERIES_COLOURS[0] if p < spot else "rgb(200,200,200)"
                   for p in positions]
        return [{"type": "bar", "x": positions, "y": _r(weights[row, layer], 3), "name": f"layer {layer + 1}",
                 "marker": {"color": colours}, "customdata": labels, "xaxis": "x" if layer == 0 else f"x{layer + 1}",
                 "yaxis": "y" if layer == 0 else f"y{layer + 1}",
                 "hovertemplate": f"layer {layer + 1}<br>position %{{customdata}}<br>weight %{{y:.2f}}<extra></extra>"}
                for layer in range(layers)]

    frames = [{"name": str(row + 1), "data": traces(row),
               "layout": {"title": {"text": f"{title + ', ' if title else ''}step {row + 1} of {len(written)}: "
                                            f"wrote {tokens[spot]} at position {spot}"}}}
              for row, spot in enumerate(written)]
    axes = {}
    for layer in range(layers):
        suffix = "" if layer == 0 else str(layer + 1)
        top = 1 - layer * (height + gap)
        axes[f"yaxis{suffix}"] = {"domain": [round(max(0.0, top - height), 4), round(top, 4)], "range": [0, 1.02],
                                  "title": {"text": f"layer {layer + 1}<br>weight"}}
        axes[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "tickvals": positions, "ticktext": labels, "tickangle": -60,
                                  "showticklabels": layer == layers - 1, "matches": "x" if layer else None,
                                  "title": {"text": "position read" if layer == layers - 1 else ""}}
    axes["xaxis"].pop("matches")
    layout = _layout(frames[0]["layout"]["title"]["text"], 140 + 170 * layers, showlegend=False, bargap=0.15, **axes)
    alt = (f"Interactive stepper: a slider moves through the {len(written)} tokens the model wrote; for each, bars "
           f"give the attention of the query that wrote it over the {len(tokens)} positions, in each of "
           f"{layers} layers, the position just before the written token marked in another colour.")
    return _stepper(frames, frames[0]["data"], layout, "written token: ", alt, below=110)


def eigenvalue_steps(probes, title: str = "transition eigenvalues in the complex plane") -> InteractiveFigure:
    """One probed model's transition eigenvalues λ per slider step (``probes``: objects with ``model``
    and ``eigenvalues``, as :func:`~recur_tutorial.theory.probe.probe` returns), in the complex plane with
    the unit circle and the interval [0, 1] marked; eigenvalues with a negative real part differ in
    colour and marker. Eigenvalues equal to two decimals (under 2 pixels apart at the figure's size)
    are drawn once."""
    check(len(probes) >= 1, "eigenvalue_steps needs at least one probed model")
    for p in probes:
        check(hasattr(p, "model") and hasattr(p, "eigenvalues"),
              f"eigenvalue_steps needs probe results (model, eigenvalues), got {type(p).__name__}")

    def traces(values: np.ndarray) -> list[dict]:
        values = np.unique(np.round(np.asarray(values, dtype=complex), 2))
        negative = values.real < -1e-3
        out = []
        for chosen, colour, symbol, name in ((~negative, SERIES_COLOURS[0], "circle", "Re λ ≥ 0"),
                                             (negative, SERIES_COLOURS[5], "triangle-up", "Re λ < 0")):
            out.append({"type": "scatter", "mode": "markers", "name": f"eigenvalue, {name}",
                        "x": _r(values.real[chosen], 3), "y": _r(values.imag[chosen], 3),
                        "marker": {"color": colour, "symbol": symbol, "size": 8, "opacity": 0.7},
                        "hovertemplate": "λ = %{x:.2f} %{y:+.2f}i<extra></extra>"})
        return out

    frames = []
    for p in probes:
        empty = np.asarray(p.eigenvalues).size == 0
        frames.append({"name": str(p.model), "data": traces(p.eigenvalues),
                       "layout": {"title": {"text": f"{p.model}" + (": no fixed-size state" if empty else "")}}})
    names = [f["name"] for f in frames]
    check(len(set(names)) == len(names), f"eigenvalue_steps: two probes share a model name: {names}")
    shapes = [{"type": "circle", "xref": "x", "yref": "y", "x0": -1, "x1": 1, "y0": -1, "y1": 1,
               "line": {"color": "rgb(190,190,190)", "width": 1.5}},
              {"type": "line", "xref": "x", "yref": "y", "x0": 0, "x1": 1, "y0": 0, "y1": 0,
               "line": {"color": "rgba(140,140,140,0.5)", "width": 8}}]
    layout = _layout(frames[0]["layout"]["title"]["text"], 560, shapes=shapes,
                     xaxis={"title": {"text": "Re λ"}, "range": [-1.3, 1.3], "zeroline": True, "constrain": "domain"},
                     yaxis={"title": {"text": "Im λ"}, "range": [-1.3, 1.3], "scaleanchor": "x", "zeroline": True},
                     legend={"x": 1, "xanchor": "right", "y": 1, "bgcolor": "rgba(255,255,255,0.8)"},
                     annotations=[{"x": 0.5, "y": 0.06, "xref": "x", "yref": "y", "text": "[0, 1]", "showarrow": False,
                                   "font": {"color": REFERENCE}}])
    layout["title"]["text"] = f"{title}: {layout['title']['text']}"
    for f in frames:
        f["layout"]["title"]["text"] = f"{title}: {f['layout']['title']['text']}"
    alt = (f"Interactive scatter of transition eigenvalues in the complex plane, with the unit circle and the "
           f"interval [0, 1]; a slider picks one of {len(probes)} models ({', '.join(names)}).")
    return _stepper(frames, frames[0]["data"], layout, "model: ", alt)
