"""The statistics page: papers per topic per week, as an SVG chart drawn at render time (no script, no CDN).

The chart is a stacked bar per ISO week (the last ``WEEKS`` weeks that have issues, gaps included), one colour per
topic in config order, with a legend and a y axis; a table under it gives the same numbers for readers and screen
readers, plus per-year totals.  Pure: same records, same bytes.  The geometry is computed here
(``Chart``); templates/stats_chart.svg.j2 and stats_page.md.j2 write it out, phrases from the message catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ..config import Config
from ..layout import data_path
from ..model import Issue
from .messages import catalogue
from .pages import source_url
from .templating import render

WEEKS = 52
RECENT = 12  # weeks in the table under the chart
PALETTE = ["#00897b", "#3949ab", "#f4511e", "#8e24aa", "#7cb342", "#fdd835", "#6d4c41", "#546e7a", "#d81b60", "#039be5"]
W, H, LEFT, BOTTOM, TOP, RIGHT = 760, 300, 44, 40, 16, 12


def week_start(day: str) -> date:
    d = date.fromisoformat(day)
    return d - timedelta(days=d.weekday())


def weekly_counts(issues: list[Issue]) -> dict[date, dict[str, int]]:
    out: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for issue in issues:
        for s in issue.sections:
            out[week_start(issue.date)][s.topic] += len(s.entries)
    return out


def _nice_max(n: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if n <= step * 5:
            return max(step, ((n + step - 1) // step) * step)
    return n


@dataclass(frozen=True)
class Bar:
    """One topic's part of a week's bar."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    name: str  # the topic, in the page's language
    count: int


@dataclass(frozen=True)
class Column:
    """One week: its bars bottom up, and its date under the axis (every fourth week and the last; "" for the rest)."""

    week: str  # the Monday, ISO
    bars: list[Bar]
    tick: str
    middle: float


@dataclass(frozen=True)
class GridLine:
    y: float
    label_y: float
    value: int


@dataclass(frozen=True)
class Key:
    """A legend entry: the colour swatch at (x, y), the topic's name beside it."""

    x: int
    y: int
    text_x: int
    text_y: int
    fill: str
    name: str


@dataclass(frozen=True)
class Chart:
    """Everything the chart template draws, in SVG user units (the template only writes it out)."""

    title: str
    width: int
    height: int
    left: int  # the plot's left edge, where grid lines and the year start
    right: int
    axis_x: int  # where the y axis labels end
    tick_y: int
    year_y: int
    year: int | None
    grid: list[GridLine]
    columns: list[Column]
    legend: list[Key]


def chart(cfg: Config, weeks: list[date], counts: dict[date, dict[str, int]], lang: str) -> Chart:
    """The chart's geometry: bars scaled to a round maximum, stacked in config order, a few weeks wide at most."""
    topics = cfg.topics
    colour = {t.id: PALETTE[i % len(PALETTE)] for i, t in enumerate(topics)}
    name = {t.id: t.name_zh if lang == "zh" else t.name_en for t in topics}
    top = _nice_max(max((sum(counts.get(w, {}).values()) for w in weeks), default=0) or 1)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    bar = min(28.0, plot_w / max(1, len(weeks)))  # a few weeks stay bars, not slabs
    grid = []
    for i in range(6):  # y axis: 0 .. top in five steps
        v = top * i // 5
        y = TOP + plot_h - plot_h * v / top
        grid.append(GridLine(y, y + 4, v))
    columns = []
    for i, w in enumerate(weeks):
        x, y, bars = LEFT + i * bar, TOP + plot_h, []
        week = counts.get(w, {})
        for t in topics:
            n = week.get(t.id, 0)
            if n:
                h = plot_h * n / top
                y -= h
                bars.append(Bar(x + 1, y, max(1.0, bar - 2), h, colour[t.id], name[t.id], n))
        tick = w.strftime("%m-%d") if i % 4 == 0 or i == len(weeks) - 1 else ""
        columns.append(Column(w.isoformat(), bars, tick, x + bar / 2))
    legend = []
    for i, t in enumerate(topics):  # four per row
        x, y = LEFT + (i % 4) * 180, H + 6 + 22 * (i // 4)
        legend.append(Key(x, y, x + 18, y + 10, colour[t.id], name[t.id]))
    return Chart(catalogue(lang)["stats_chart"], W, H + 22 * ((len(topics) + 3) // 4), LEFT, W - RIGHT, LEFT - 6,
                 TOP + plot_h + 14, TOP + plot_h + 28, weeks[0].year if weeks else None, grid, columns, legend)


def _row(label: object, counts: dict[str, int], cfg: Config) -> tuple[object, list[int], int]:
    return label, [counts.get(t.id, 0) for t in cfg.topics], sum(counts.values())


def stats_page(cfg: Config, lang: str, issues: list[Issue]) -> str:
    counts = weekly_counts(issues)
    page = dict(lang=lang, names=[t.name_zh if lang == "zh" else t.name_en for t in cfg.topics], src=data_path(cfg, ""),
                edit_url=source_url(cfg, data_path(cfg, "issues/")))
    if not counts:
        return render("stats_page.md.j2", c=None, **page)
    last = max(counts)
    first = max(min(counts), last - timedelta(weeks=WEEKS - 1))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    years: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for issue in issues:
        for s in issue.sections:
            years[int(issue.year)][s.topic] += len(s.entries)
    return render("stats_page.md.j2", c=chart(cfg, weeks, counts, lang), issues=len(issues),
                  papers=sum(sum(c.values()) for c in counts.values()), recent_weeks=RECENT,
                  recent=[_row(w.isoformat(), counts.get(w, {}), cfg) for w in reversed(weeks[-RECENT:])],
                  years=[_row(y, years[y], cfg) for y in sorted(years, reverse=True)], **page)
