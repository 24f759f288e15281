"""Usage charts as small server-side SVG: no chart library, no CDN, nothing to run in the page.

Each function takes plain counts and returns one self-contained SVG document. Every label is
XML-escaped (a group's text is what a user typed). Colours are fixed per series so a
language or a reply kind looks the same in every chart; each chart also says its numbers in
<title> elements (shown on hover, read by screen readers) and in a legend.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

PALETTE = ["#2f6fb3", "#e07b39", "#3a9d5d", "#9b59b6", "#c0392b", "#7f8c8d", "#d4ac0d"]
FAMILY = 'font-family="system-ui, sans-serif"'
FONT = f'{FAMILY} font-size="11"'
WIDTH = 640


def _colours(series: Sequence[str]) -> dict[str, str]:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(series)}


def _svg(height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">'
            f'<rect width="100%" height="100%" fill="#fff"/>'
            f'<text x="8" y="16" {FAMILY} font-size="13" font-weight="bold">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def _legend(colours: dict[str, str], labels: dict[str, str], y: int) -> list[str]:
    out, x = [], 8
    for key, colour in colours.items():
        name = escape(labels.get(key, key))
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="{y}" {FONT}>{name}</text>')
        x += 24 + 7 * len(labels.get(key, key))
    return out


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def stacked_days(title: str, days: Sequence[date], counts: dict[date, Counter],
                 labels: dict[str, str] | None = None, share: bool = False,
                 series: Sequence[str] | None = None) -> str:
    """One bar per day, stacked by series; `share` draws each day as 100 %."""
    labels = labels or {}
    keys = list(series or sorted({k for c in counts.values() for k in c}))
    colours = _colours(keys)
    top, bottom, left = 48, 28, 40
    height = 220
    plot_h = height - top - bottom
    peak = max([sum(counts.get(d, Counter()).values()) for d in days] + [1])
    step = (WIDTH - left - 10) / max(len(days), 1)
    bar = max(step * 0.7, 2)
    body = _legend(colours, labels, 34)
    axis_top = "100%" if share else str(peak)
    body.append(f'<text x="4" y="{top + 4}" {FONT}>{axis_top}</text>'
                f'<text x="4" y="{top + plot_h}" {FONT}>0</text>'
                f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - 10}" y2="{top + plot_h}" '
                f'stroke="#999"/>')
    for i, day in enumerate(days):
        c = counts.get(day, Counter())
        total = sum(c.values())
        x = left + i * step
        y = top + plot_h
        for key in keys:
            n = c.get(key, 0)
            if not n:
                continue
            h = plot_h * (n / total if share else n / peak)
            y -= h
            pct = f" ({round(100 * n / total)} %)" if share else ""
            body.append(f'<rect class="bar" data-day="{day.isoformat()}" data-series="'
                        f'{escape(key)}" data-count="{n}" x="{x:.1f}" y="{y:.1f}" '
                        f'width="{bar:.1f}" height="{h:.1f}" fill="{colours[key]}"><title>'
                        f'{day.isoformat()} {escape(labels.get(key, key))}: {n}{pct}</title>'
                        f'</rect>')
        if len(days) <= 16 or i % max(len(days) // 8, 1) == 0:
            body.append(f'<text x="{x:.1f}" y="{height - 10}" {FONT}>{day.strftime("%m-%d")}'
                        f'</text>')
    return _svg(height, body, title)


def top_bars(title: str, items: Sequence[tuple[str, int]], empty: str = "—") -> str:
    """Horizontal bars, largest first, each labelled with its name and count."""
    row, top = 22, 30
    height = top + row * max(len(items), 1) + 10
    peak = max([n for _, n in items] + [1])
    body = []
    if not items:
        body.append(f'<text x="8" y="{top + 14}" {FONT}>{escape(empty)}</text>')
    for i, (name, n) in enumerate(items):
        y = top + i * row
        w = (WIDTH - 330) * n / peak
        short = name if len(name) <= 40 else name[:39] + "…"
        body.append(f'<text x="8" y="{y + 14}" {FONT}>{escape(short)}</text>'
                    f'<rect class="bar" data-series="{escape(name)}" data-count="{n}" x="300" '
                    f'y="{y + 3}" width="{w:.1f}" height="15" fill="{PALETTE[0]}">'
                    f'<title>{escape(name)}: {n}</title></rect>'
                    f'<text x="{304 + w:.1f}" y="{y + 14}" {FONT}>{n}</text>')
    return _svg(height, body, title)


def by_day(rows: Sequence[tuple], index: int) -> dict[date, Counter]:
    """Counts per day of column `index` of usage rows (day first)."""
    out: dict[date, Counter] = defaultdict(Counter)
    for row in rows:
        out[row[0]][row[index]] += 1
    return out
