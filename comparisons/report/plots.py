"""Small inline SVG plots (no plotting library, no external file): lines and heat maps.

Every text that goes into the SVG is escaped; the SVG is embedded in the page as is.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")
"""Line colours, one per witness in order (numpy, torch, tensorflow, ...)."""

WITNESS_COLOURS = {"numpy": "#1f77b4", "torch": "#d62728", "tensorflow": "#ff7f0e", "jax": "#2ca02c", "paddle": "#9467bd"}
"""Bar colours of the benchmark page, the same witness in the same colour on every chart."""

VERDICT_COLOURS = {"error": "#7f1d1d", "expected-divergence": "#f2c94c", "skipped": "#e5e5e5"}


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        return [low] if math.isfinite(low) else []
    return [low + (high - low) * i / count for i in range(count + 1)]


def line_chart(
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "step",
    x: Sequence[float] | None = None,
    log_y: bool = False,
    width: int = 460,
    height: int = 240,
    nothing: str = "nothing to plot (all values are zero or not finite)",
    colours: Mapping[str, str] | None = None,
) -> Markup:
    """A line per named series against its index (the training step), or against ``x``.

    Parameters
    ----------
    series : mapping of str to 1-D sequence
        Label -> values; non-finite values (and values <= 0 on a log axis) are left out.
    title, ylabel, xlabel : str
        Shown above the plot, along the y axis and under the x axis.
    x : 1-D sequence, optional
        The abscissa shared by every series (a forward function over an interval);
        the step index when omitted.
    log_y : bool
        Plot ``log10(value)`` (per-step differences span many decades).
    nothing : str
        Said (after the title) instead of a plot when no value is plottable.
    colours : mapping of str to str, optional
        A colour per label (the same witness in the same colour on every plot);
        :data:`PALETTE` in order otherwise.

    Returns
    -------
    markupsafe.Markup
        An ``<svg>`` element with a legend; an explanatory ``<p>`` when nothing is plottable.
    """
    left, right, top, bottom = 58, 12, 42, 34
    legend_step = max(130, 34 + 7 * max((len(str(label)) for label in series), default=0))
    width = max(width, left + right + legend_step * len(series))  # room for the legend row
    cleaned = {}
    for label, values in series.items():
        y = np.asarray(values, dtype=float).ravel()
        keep = np.isfinite(y) & ((y > 0) if log_y else True)
        if keep.any():
            cleaned[label] = (np.flatnonzero(keep), np.log10(y[keep]) if log_y else y[keep])
    if not cleaned:
        return Markup("<p class='none'>{}: {}</p>").format(title, nothing)
    steps = max(len(np.asarray(v).ravel()) for v in series.values())
    xs = np.arange(steps, dtype=float) if x is None else np.asarray(x, dtype=float).ravel()
    x_low, x_high = float(xs.min()), float(xs.max())
    if x_high <= x_low:
        x_high = x_low + 1.0
    y_all = np.concatenate([y for _, y in cleaned.values()])
    y_low, y_high = float(y_all.min()), float(y_all.max())
    if y_high - y_low < 1e-12 * max(1.0, abs(y_high)):
        y_low, y_high = y_low - 0.5, y_high + 0.5
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i):
        return left + plot_w * (xs[int(i)] - x_low) / (x_high - x_low)

    def y_of(v):
        return top + plot_h * (1 - (v - y_low) / (y_high - y_low))

    parts = [
        Markup('<svg class="plot" role="img" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
               'viewBox="0 0 {w} {h}"><title>{t}</title>').format(w=width, h=height, t=title),
        Markup('<text x="{}" y="16" class="plot-title">{}</text>').format(left, title),
        Markup('<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>').format(left, top, plot_w, plot_h),
    ]
    for tick in _ticks(y_low, y_high):
        label = f"1e{tick:.1f}" if log_y else _fmt(tick)
        parts.append(Markup('<line x1="{a}" x2="{b}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                            '<text x="{t}" y="{ty:.1f}" class="tick" text-anchor="end">{l}</text>')
                     .format(a=left, b=left + plot_w, y=y_of(tick), t=left - 4, ty=y_of(tick) + 4, l=label))
    for step in sorted({0, (steps - 1) // 2, steps - 1}):
        parts.append(Markup('<text x="{:.1f}" y="{}" class="tick" text-anchor="middle">{}</text>')
                     .format(x_of(step), top + plot_h + 14, step if x is None else _fmt(xs[step])))
    parts.append(Markup('<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>')
                 .format(left + plot_w / 2, height - 4, xlabel))
    parts.append(Markup('<text x="12" y="{y}" class="tick" text-anchor="middle" transform="rotate(-90 12 {y})">{l}</text>')
                 .format(y=top + plot_h / 2, l=("log10 " if log_y else "") + ylabel))
    for number, (label, (index, y)) in enumerate(cleaned.items()):
        colour = (colours or {}).get(label) or PALETTE[number % len(PALETTE)]
        dash = ' stroke-dasharray="5 3"' if number % 2 else ""  # overlapping curves stay visible
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in zip(index, y))
        parts.append(Markup('<polyline fill="none" stroke="{}" stroke-width="1.6"{} points="{}"><title>{}</title></polyline>')
                     .format(colour, Markup(dash), points, label))
        legend_x = left + legend_step * number  # one row above the plot, clear of the curves
        parts.append(Markup('<line x1="{a}" x2="{b}" y1="30" y2="30" stroke="{c}" stroke-width="2"{d}/>'
                            '<text x="{t}" y="34" class="legend">{l}</text>')
                     .format(a=legend_x, b=legend_x + 20, c=colour, d=Markup(dash), t=legend_x + 24, l=label))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def margin_colour(margin: float, verdict: str) -> str:
    """Cell colour: green (margin 0) through yellow (margin 1, the tolerance) to red (beyond).

    The position is ``log10(margin)`` between -4 and 1, so a margin of 1e-4 or below
    is full green and anything above 10 full red.
    """
    if verdict in VERDICT_COLOURS:
        return VERDICT_COLOURS[verdict]
    if not math.isfinite(margin):
        return "#b91c1c"
    position = (min(max(math.log10(max(margin, 1e-300)), -4.0), 1.0) + 4.0) / 5.0
    stops = [(0.0, (22, 163, 74)), (0.8, (250, 204, 21)), (1.0, (220, 38, 38))]  # 0.8 = margin 1
    for (p0, c0), (p1, c1) in zip(stops, stops[1:]):
        if position <= p1:
            t = (position - p0) / (p1 - p0)
            return "#%02x%02x%02x" % tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))
    return "#dc2626"


def heat_map(
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Mapping[tuple[int, int], tuple[float, str, str]],
    *,
    title: str,
    cell: int = 22,
) -> Markup:
    """A grid of coloured squares: rows (samples) x columns (witness pair and quantity).

    Parameters
    ----------
    row_labels, column_labels : sequence of str
    cells : mapping of (row, column) to (margin, verdict, tooltip)
        Absent cells stay blank; the tooltip (an SVG ``<title>``) shows on hover.
    title : str
    cell : int
        Side of a square in pixels.
    """
    longest_column = max((len(c) for c in column_labels), default=4)
    label_w = min(260, 6 * max((len(r) for r in row_labels), default=4) + 10)
    label_h = min(220, int(5.5 * longest_column * 0.87) + 10)  # labels rotated by 60 degrees
    width = label_w + cell * len(column_labels) + min(130, int(5.5 * longest_column * 0.5)) + 10
    height = label_h + cell * len(row_labels) + 6
    parts = [
        Markup('<figure class="heat"><figcaption>{t}</figcaption>'
               '<svg class="plot heat" role="img" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
               'viewBox="0 0 {w} {h}"><title>{t}</title>').format(w=width, h=height, t=title)
    ]
    top = label_h
    for j, label in enumerate(column_labels):
        x = label_w + cell * j + cell / 2 + 4
        parts.append(Markup('<text x="{x:.1f}" y="{y}" class="tick" transform="rotate(-60 {x:.1f} {y})">{l}</text>')
                     .format(x=x, y=top - 4, l=label))
    for i, label in enumerate(row_labels):
        parts.append(Markup('<text x="{}" y="{:.1f}" class="tick" text-anchor="end">{}</text>')
                     .format(label_w - 4, top + cell * i + cell * 0.7, label))
    for (i, j), (margin, verdict, tooltip) in sorted(cells.items()):
        # an f-string and escape() of the one text: Markup.format costs 0.1 ms a cell, and a page has thousands
        parts.append(Markup(f'<rect x="{label_w + cell * j}" y="{top + cell * i}" width="{cell - 2}" height="{cell - 2}" '
                            f'fill="{margin_colour(margin, verdict)}" class="cell"><title>{escape(tooltip)}</title></rect>'))
    parts.append(Markup("</svg></figure>"))
    return Markup("").join(parts)


def bar_chart(values: Mapping[str, float], *, unit: str, width: int = 420, bar: int = 18) -> Markup:
    """Horizontal bars, one per label (benchmark seconds per witness), longest = widest."""
    finite = {k: float(v) for k, v in values.items() if v == v and math.isfinite(float(v))}
    if not finite:
        return Markup("")
    label_w, high = 110, max(finite.values()) or 1.0
    height = bar * len(finite) + 8
    parts = [Markup('<svg class="plot bars" role="img" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                    'viewBox="0 0 {w} {h}">').format(w=width, h=height)]
    for number, (label, value) in enumerate(finite.items()):
        y = 4 + bar * number
        length = (width - label_w - 80) * value / high
        parts.append(Markup('<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>'
                            '<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="{}"/>'
                            '<text x="{:.1f}" y="{}" class="tick">{} {}</text>')
                     .format(label_w - 4, y + bar - 6, label, label_w, y, max(length, 1), bar - 4,
                             WITNESS_COLOURS.get(label, PALETTE[(number + 3) % len(PALETTE)]), label_w + length + 4, y + bar - 6, _fmt(value), unit))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
