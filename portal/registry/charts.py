"""Small server-rendered SVG bar charts for the figures of an entry (no JavaScript).

The SVG is decorative for assistive technology only in part: it carries role="img" with a text
alternative that states every value, and the page also shows the same values in a table.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from portal.web.i18n import format_number
from portal.web.i18n import gettext as _


def bar_chart(
    figure: dict[str, Any], *, chart_id: str, target: tuple[float, str] | None = None
) -> Markup:
    """Bars for `figure["values"]`; `target` (value, label) draws a dashed line that the text
    alternative states too, with each bar above it named."""
    values = figure["values"]
    highest = max([float(v["value"]) for v in values] + ([target[0]] if target else [])) or 1.0
    bar_w, gap, height, top, bottom = 64, 24, 160, 24, 28
    width = len(values) * (bar_w + gap) + gap
    alt = f"{figure['indicator']} ({figure['unit']}) : " + ", ".join(
        f"{v['period']} : {format_number(v['value'])}" for v in values
    )
    if target is not None:
        above = [str(v["period"]) for v in values if float(v["value"]) > target[0]]
        alt += ". " + target[1] + " : " + format_number(target[0]) + ". "
        alt += (
            _("Au-delà de l'engagement : %(p)s.", p=", ".join(above))
            if above
            else _("Engagement tenu chaque mois.")
        )
    parts = [
        f'<svg class="registry-chart" role="img" aria-labelledby="{chart_id}-t" '
        f'viewBox="0 0 {width} {height + top + bottom}" width="{width}" '
        f'height="{height + top + bottom}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(alt)}</title>',
        f'<line x1="0" y1="{top + height}" x2="{width}" y2="{top + height}" class="axis"/>',
    ]
    for i, v in enumerate(values):
        h = round(float(v["value"]) / highest * height)
        x = gap + i * (bar_w + gap)
        y = top + height - h
        parts.append(f'<rect x="{x}" y="{y}" width="{bar_w}" height="{h}" class="bar"/>')
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{y - 6}" text-anchor="middle" class="value">'
            f"{escape(format_number(v['value']))}</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2}" y="{top + height + 18}" text-anchor="middle">'
            f"{escape(v['period'])}</text>"
        )
    if target is not None:
        y = top + height - round(target[0] / highest * height)
        parts.append(
            f'<line x1="0" y1="{y}" x2="{width}" y2="{y}" class="target" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{width - 4}" y="{y - 4}" text-anchor="end" class="target-label">'
            f"{escape(target[1])}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece is escaped above
