"""The statistics page: papers per topic per week, as an SVG chart drawn at render time (no script, no CDN).

The chart is a stacked bar per ISO week (the last ``WEEKS`` weeks that have issues, gaps included), one colour per
topic in config order, with a legend and a y axis; a table under it gives the same numbers for readers and screen
readers, plus per-year totals.  Pure: same records, same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from ..layout import data_path
from ..config import Config
from ..model import Issue
from .pages import GENERATED, _front_matter, source_url
from .text import esc, md_escape

WEEKS = 52
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


def chart_svg(cfg: Config, weeks: list[date], counts: dict[date, dict[str, int]], lang: str) -> str:
    topics = cfg.topics
    colour = {t.id: PALETTE[i % len(PALETTE)] for i, t in enumerate(topics)}
    top = _nice_max(max((sum(counts.get(w, {}).values()) for w in weeks), default=0) or 1)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    bar = min(28.0, plot_w / max(1, len(weeks)))  # a few weeks stay bars, not slabs
    title = "每周各专题论文数" if lang == "zh" else "Papers per topic per week"
    out = [f'<svg class="stats-chart" role="img" aria-labelledby="stats-title" viewBox="0 0 {W} {H + 22 * ((len(topics) + 3) // 4)}" '
           f'xmlns="http://www.w3.org/2000/svg" font-size="11" fill="currentColor">',
           f'<title id="stats-title">{esc(title)}</title>']
    for i in range(6):  # y axis: 0 .. top in five steps
        v = top * i // 5
        y = TOP + plot_h - plot_h * v / top
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="currentColor" stroke-opacity="0.15"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{v}</text>')
    for i, w in enumerate(weeks):
        x = LEFT + i * bar
        y = TOP + plot_h
        week = counts.get(w, {})
        for t in topics:
            n = week.get(t.id, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            name = t.name_zh if lang == "zh" else t.name_en
            out.append(f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(1.0, bar - 2):.1f}" height="{h:.1f}" fill="{colour[t.id]}">'
                       f"<title>{w.isoformat()} · {esc(name)}: {n}</title></rect>")
        if i % 4 == 0 or i == len(weeks) - 1:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{w.strftime("%m-%d")}</text>')
    if weeks:
        out.append(f'<text x="{LEFT}" y="{TOP + plot_h + 28}">{weeks[0].year}</text>')
    for i, t in enumerate(topics):  # legend, four per row
        x, y = LEFT + (i % 4) * 180, H + 6 + 22 * (i // 4)
        name = t.name_zh if lang == "zh" else t.name_en
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour[t.id]}"/>'
                   f'<text x="{x + 18}" y="{y + 10}">{esc(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def stats_page(cfg: Config, lang: str, issues: list[Issue]) -> str:
    zh = lang == "zh"
    title = "统计" if zh else "Statistics"
    counts = weekly_counts(issues)
    out = [_front_matter(title=title, edit_url=source_url(cfg, data_path(cfg, "issues/"))), GENERATED.format(src=data_path(cfg, "")), "",
           f"# {title}", ""]
    if not counts:
        return "\n".join(out + ["还没有发布任何一期。" if zh else "No issue has been published yet.", ""])
    last = max(counts)
    first = max(min(counts), last - timedelta(weeks=WEEKS - 1))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    total = sum(sum(c.values()) for c in counts.values())
    out += [("每周（周一起）各专题收录的论文数，最近 {n} 周；共 {t} 篇，{k} 期。" if zh else
             "Papers listed per topic in each week (weeks start on Monday), the last {n} weeks; {t} papers in {k} issues "
             "overall.").format(n=len(weeks), t=total, k=len(issues)), "",
            f'<div class="stats" markdown="0">{chart_svg(cfg, weeks, counts, lang)}</div>', ""]
    names = [(t.id, t.name_zh if zh else t.name_en) for t in cfg.topics]
    out += [f"## {'最近 12 周' if zh else 'The last 12 weeks'}", "",
            f"| {'周' if zh else 'Week of'} | " + " | ".join(md_escape(n) for _, n in names) + f" | {'合计' if zh else 'Total'} |",
            "|---|" + "---:|" * (len(names) + 1)]
    for w in reversed(weeks[-12:]):
        c = counts.get(w, {})
        out.append(f"| {w.isoformat()} | " + " | ".join(str(c.get(tid, 0)) for tid, _ in names) + f" | {sum(c.values())} |")
    years: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for issue in issues:
        for s in issue.sections:
            years[int(issue.year)][s.topic] += len(s.entries)
    out += ["", f"## {'各年合计' if zh else 'Per year'}", "",
            f"| {'年' if zh else 'Year'} | " + " | ".join(md_escape(n) for _, n in names) + f" | {'合计' if zh else 'Total'} |",
            "|---|" + "---:|" * (len(names) + 1)]
    for y in sorted(years, reverse=True):
        c = years[y]
        out.append(f"| {y} | " + " | ".join(str(c.get(tid, 0)) for tid, _ in names) + f" | {sum(c.values())} |")
    out.append("")
    return "\n".join(out)
