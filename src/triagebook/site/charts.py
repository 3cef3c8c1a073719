"""Static SVG charts for the site's Health pages: no script, no outside request.

Text, axes and bars use `currentColor` or the theme's own variables, so a chart reads in
the light and the dark scheme alike; series colours are mid-tones legible on both.  Every
label is escaped (owners and runbook ids come from hand-written files).  The numbers are
always also given as a table beside the chart (the pages do that), for screen readers and
for copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

SERIES = ("#e53935", "#fb8c00", "#1e88e5", "#43a047", "#8e24aa", "#00897b")
ROW = 22
LABEL_W = 220
BAR_W = 360
FONT = 'font-family="inherit" font-size="12"'


def _svg(width: int, height: int, title: str, desc: str, inner: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="tb-chart" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<desc>{escape(desc)}</desc>{inner}</svg>')


def _clip(text: str, n: int = 32) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def bars(title: str, rows: Sequence[tuple[str, Sequence[float]]],
         series: Sequence[str]) -> str:
    """Horizontal bars, one row per label, one bar per series (stacked top to bottom)."""
    top = max((v for _, vals in rows for v in vals), default=0) or 1
    per = len(series)
    height = 24 + len(rows) * (ROW * per + 6) + 8
    parts = []
    for i, name in enumerate(series):  # legend
        x = LABEL_W + i * 120
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{SERIES[i % 6]}"/>'
                     f'<text x="{x + 14}" y="13" {FONT} fill="currentColor">'
                     f'{escape(name)}</text>')
    y = 24
    for label, vals in rows:
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + ROW * per / 2 + 4:.0f}" '
                     f'text-anchor="end" {FONT} fill="currentColor">'
                     f'{escape(_clip(label))}</text>')
        for i, v in enumerate(vals):
            w = max(BAR_W * v / top, 1 if v else 0)
            parts.append(f'<rect x="{LABEL_W}" y="{y + i * ROW + 3}" width="{w:.1f}" '
                         f'height="{ROW - 6}" fill="{SERIES[i % 6]}"/>'
                         f'<text x="{LABEL_W + w + 4:.1f}" y="{y + i * ROW + ROW - 7}" '
                         f'{FONT} fill="currentColor">{_num(v)}</text>')
        y += ROW * per + 6
    desc = "; ".join(f"{label}: " + ", ".join(f"{s} {_num(v)}" for s, v in zip(
        series, vals, strict=False)) for label, vals in rows)
    return _svg(LABEL_W + BAR_W + 60, height, title, desc, "".join(parts))


def lines(title: str, xs: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]],
          unit: str) -> str:
    """One polyline per series over the x labels (months); gaps where a value is None."""
    width, height, left, bottom, top_pad = 640, 240, 56, 40, 28
    plot_w, plot_h = width - left - 48, height - bottom - top_pad  # room for the last label
    top = max((v for _, vals in series for v in vals if v is not None), default=0) or 1
    step = plot_w / max(len(xs) - 1, 1)
    parts = [f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
             f'y2="{top_pad + plot_h}" stroke="currentColor" stroke-opacity="0.5"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" {FONT} '
             f'fill="currentColor">{_num(top)} {escape(unit)}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" {FONT} '
             f'fill="currentColor">0</text>']
    for i, x in enumerate(xs):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle" {FONT} fill="currentColor">{escape(x)}</text>')
    for n, (name, vals) in enumerate(series):
        colour = SERIES[n % 6]
        parts.append(f'<rect x="{left + n * 90}" y="6" width="10" height="10" '
                     f'fill="{colour}"/><text x="{left + n * 90 + 14}" y="15" {FONT} '
                     f'fill="currentColor">{escape(name)}</text>')
        points = [(left + i * step, top_pad + plot_h - plot_h * v / top)
                  for i, v in enumerate(vals) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                         f'stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'
                  for x, y in points]
    desc = "; ".join(f"{name}: " + ", ".join(f"{x} {_num(v) if v is not None else '–'}"
                                             for x, v in zip(xs, vals, strict=False))
                     for name, vals in series)
    return _svg(width, height, title, desc, "".join(parts))


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
