"""Inline SVG bar charts for the report's index page: no scripts, no network, printable."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from markupsafe import Markup

ROW = 26
LABEL_WIDTH = 400
BAR_WIDTH = 260
VALUE_WIDTH = 200


@dataclass(frozen=True)
class Bar:
    label: str
    parts: list[tuple[float, str, str]]  # (value, css class, legend word)
    text: str  # what the bar says in words, e.g. "3 of 4 (75%)"


def bar_chart(title: str, bars: list[Bar], scale: float | None = None) -> Markup:
    """Horizontal stacked bars, one row per Bar; `scale` is the value of a full-width bar."""
    scale = scale or max((sum(v for v, _, _ in b.parts) for b in bars), default=1) or 1
    height = ROW * len(bars) + 10
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 5 + i * ROW
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(bar.label)}</text>'
        )
        x = float(LABEL_WIDTH)
        for value, css, word in bar.parts:
            w = BAR_WIDTH * value / scale
            if w > 0:
                out.append(
                    f'<rect class="{css}" x="{x:.1f}" y="{y + 3}" width="{w:.1f}" '
                    f'height="{ROW - 8}">'
                    f"<title>{escape(word)}: {value:g}</title></rect>"
                )
            x += w
        out.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{y + 16}">{escape(bar.text)}</text>'
        )
    out.append("</svg>")
    return Markup("\n".join(out))
