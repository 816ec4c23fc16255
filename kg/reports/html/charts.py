"""Inline SVG bar charts for the report's index page: no scripts, no network, printable.

Every label is shown in full: the label column is as wide as the longest label needs
(estimated from its length, conservatively) up to LABEL_MAX, and a longer label wraps onto
as many lines as it takes. A legend names each series and its colour; the chart has a title
and a description (its figures in words) for screen readers."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

FONT = 12  # px, the chart's text (svg.chart text in _style.html)
# Upper estimates of a character's width, in ems, in the system sans fonts: the widest
# letters, the other capitals, and the rest.
WIDE, CAPITAL, OTHER = 1.0, 0.8, 0.62
LINE = 15  # px between the lines of a wrapped label
ROW = 26  # px, a bar's row (more for a wrapped label)
LABEL_MAX = 340  # px: a label wider than this wraps
BAR_WIDTH = 260
GAP = 8
LEGEND = 28  # px above the bars
SWATCH = 12


@dataclass(frozen=True)
class Bar:
    label: str
    parts: list[tuple[float, str, str]]  # (value, css class, legend word)
    text: str  # what the bar says in words, e.g. "3 of 4 (75%)"


def text_width(text: str) -> float:
    """An upper estimate of `text`'s width in px at the chart's font size."""
    ems = sum(WIDE if c in "mwMW%@" else CAPITAL if c.isupper() else OTHER for c in text)
    return ems * FONT


def wrap(label: str, width: float) -> list[str]:
    """`label` in lines no wider than `width` (a word longer than that stays whole)."""
    lines: list[str] = []
    for word in label.split():
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def bar_chart(title: str, bars: list[Bar], scale: float | None = None) -> Markup:
    """Horizontal stacked bars, one row per Bar; `scale` is the value of a full-width bar."""
    scale = scale or max((sum(v for v, _, _ in b.parts) for b in bars), default=1) or 1
    longest = max((text_width(b.label) for b in bars), default=0)
    label_width = min(LABEL_MAX, longest)
    labels = [wrap(b.label, label_width) for b in bars]
    label_width = max([label_width, *(text_width(line) for lines in labels for line in lines)])
    value_width = max((text_width(b.text) for b in bars), default=0)
    bar_x = GAP + label_width + GAP
    series: dict[str, str] = {}
    for bar in bars:
        for _, css, word in bar.parts:
            series.setdefault(css, word)
    legend_width = sum(SWATCH + 5 + text_width(word) + 16 for word in series.values())
    width = round(bar_x + max(BAR_WIDTH + GAP + value_width, legend_width) + GAP)
    heights = [max(ROW, LINE * len(lines) + 11) for lines in labels]
    height = LEGEND + sum(heights) + 6
    described = "; ".join(f"{b.label}: {b.text}" for b in bars) or "no data"
    uid = "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())
    out = [
        f'<svg class="chart" role="img" aria-labelledby="{uid}-title {uid}-desc" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(described)}</desc>',
        '<g class="legend">',
    ]
    x = float(bar_x)
    for css, word in series.items():
        out.append(
            f'<rect class="{css}" x="{x:.1f}" y="6" width="{SWATCH}" height="{SWATCH}"/>'
            f'<text x="{x + SWATCH + 5:.1f}" y="16">{escape(word)}</text>'
        )
        x += SWATCH + 5 + text_width(word) + 16
    out.append("</g>")
    y = LEGEND
    for bar, lines, row in zip(bars, labels, heights, strict=True):
        top = y + (row - LINE * len(lines)) / 2 + 11
        spans = "".join(
            f'<tspan x="{bar_x - GAP:.1f}" y="{top + i * LINE:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        out.append(f'<text class="label" x="{bar_x - GAP:.1f}" text-anchor="end">{spans}</text>')
        x = float(bar_x)
        middle = y + row / 2
        for value, css, word in bar.parts:
            w = BAR_WIDTH * value / scale
            if w > 0:
                out.append(
                    f'<rect class="{css}" x="{x:.1f}" y="{middle - 9:.1f}" width="{w:.1f}" '
                    f'height="18"><title>{escape(word)}: {value:g}</title></rect>'
                )
            x += w
        out.append(
            f'<text class="value" x="{bar_x + BAR_WIDTH + GAP:.1f}" y="{middle + 4:.1f}">'
            f"{escape(bar.text)}</text>"
        )
        y += row
    out.append("</svg>")
    return Markup("\n".join(out))
