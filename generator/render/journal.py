"""Pages and feeds of the journal digest (文献快递).  Pure functions: same records, same bytes.

An issue page follows the journal-digest layout: items numbered 1..n across the topic sections, each with the
journal, the English and Chinese titles, the structured Chinese summary (目的 / 方法 / 结果 / 结论), the comment
(本刊点评 by an editor, or an AI draft labelled as such), the English abstract with its section labels and the DOI;
a numbered reference list [n] -> doi.org at the end, then the articles that were already on the site from arXiv.
Article text reaches the page only through ``text.to_html`` / ``text.esc`` (entries live in a sidecar fragment
file like the daily issue pages), an editor's comment only through ``sanitize.render``, and the feeds only through
``esc``.
"""

from __future__ import annotations

from .. import layout
from ..layout import data_path
from ..config import Config
from ..model import SOURCES, JournalEntry, JournalIssue
from . import feeds as feeds_mod
from .exports import article_export
from .messages import catalogue
from .pages import GENERATED, IssuePage, Neighbours, export_urls, named_sections, source_url
from .templating import front_matter, render
from .text import authors_short, clean, md_escape

SUMMARY_LABELS = (("objective_zh", "目的", "Objective"), ("methods_zh", "方法", "Methods"),
                  ("results_zh", "结果", "Results"), ("conclusion_zh", "结论", "Conclusion"))


def journal_page_path(day: str, lang: str = "zh") -> str:
    return layout.page(layout.JOURNAL, day, lang)


def journal_fragments_path(day: str, lang: str = "zh") -> str:
    return layout.fragments(layout.JOURNAL, day, lang)


# Full names of the configured journals, by their MEDLINE abbreviation (what PubMed's ISOAbbreviation holds).  PubMed's
# own <Title> is the NLM catalogue's, in sentence case with qualifiers ("European radiology", "Journal of nuclear
# medicine : official publication, …"), so a journal not listed here is shown as that title, tidied (journal_name).
JOURNAL_NAMES = {
    "Radiology": "Radiology",
    "Eur Radiol": "European Radiology",
    "NPJ Digit Med": "npj Digital Medicine",
    "Lancet Digit Health": "The Lancet Digital Health",
    "Med Image Anal": "Medical Image Analysis",
    "IEEE Trans Med Imaging": "IEEE Transactions on Medical Imaging",
    "Eur J Nucl Med Mol Imaging": "European Journal of Nuclear Medicine and Molecular Imaging",
    "J Nucl Med": "Journal of Nuclear Medicine",
    "Nat Med": "Nature Medicine",
    "JAMA": "JAMA",
    "Lancet": "The Lancet",
    "N Engl J Med": "The New England Journal of Medicine",
    "Nature": "Nature",
    "Sci Rep": "Scientific Reports",
    "Nat Commun": "Nature Communications",
}
_SMALL = {"a", "an", "and", "at", "by", "de", "der", "du", "et", "for", "in", "la", "of", "on", "the", "to", "und"}


def journal_name(e: JournalEntry) -> str:
    """The journal's full name: the table above, else the NLM title without its qualifiers, in title case."""
    known = JOURNAL_NAMES.get(clean(e.journal_iso))
    if known:
        return known
    title = clean(e.journal).split(" : ")[0]
    if title.endswith(")") and " (" in title:  # "Journal of magnetic resonance (San Diego, Calif. : 1997)"
        title = title[:title.rindex(" (")]
    words = title.split(" ")
    return " ".join(w if (k and w.lower() in _SMALL) or not w[:1].islower() else w[:1].upper() + w[1:]
                    for k, w in enumerate(words)) or clean(e.journal_iso)


def journal_url(cfg: Config, day: str, lang: str = "zh", anchor: str = "") -> str:
    return layout.url(cfg.site.url, layout.JOURNAL, day, lang, anchor)


def numbered(issue: JournalIssue) -> list[tuple[int, JournalEntry]]:
    """Items in page order, numbered from 1 across the sections."""
    return list(enumerate(issue.entries, 1))


def _shown_types(e: JournalEntry) -> list[str]:
    """Publication types worth a badge (not the ones every research article has)."""
    return [t for t in e.publication_types if t != "Journal Article" and not t.startswith("Research Support")]


def _summary_rows(e: JournalEntry) -> list[tuple[str, str, str]]:
    return [(zh, en, getattr(e, name)) for name, zh, en in SUMMARY_LABELS if getattr(e, name).strip()]


def _summary_edited(e: JournalEntry) -> list[str]:
    return [zh for name, zh, _ in SUMMARY_LABELS if name in e.edited]


def journal_title(cfg: Config, issue: JournalIssue, lang: str = "zh") -> str:
    if lang == "zh":
        return f"{cfg.journal.title_zh} 第 {issue.number} 期"
    return f"{cfg.journal.title_en}, issue {issue.number}"


def journal_page(issue: JournalIssue, cfg: Config, lang: str = "zh", nav: Neighbours = Neighbours()) -> IssuePage:
    """One interface's page of a journal digest issue."""
    items = numbered(issue)
    total = len(items)
    named = named_sections(cfg, issue.sections)
    record = data_path(cfg, layout.record(layout.JOURNAL, issue.date))
    heading = journal_title(cfg, issue, lang)
    description = (f"{heading}（{issue.start} 至 {issue.date}），{total} 篇" if lang == "zh" else
                   f"{heading} ({issue.start} to {issue.date}), {total} articles")
    root = layout.root_from_issue(lang)
    m = catalogue(lang)
    markdown = render(
        "journal_page.md.j2", cfg=cfg, issue=issue, total=total, named=named, heading=heading, lang=lang, m=m,
        title=f"{heading} · {issue.date}", description=description, nav=nav.links(layout.JOURNAL, lang),
        edit_url=source_url(cfg, record), fragments=journal_fragments_path(issue.date, lang).rsplit("/", 1)[1],
        src=record, exports=export_urls(issue.date, "journal", lang))
    fragments = render(
        "journal_fragments.html.j2", issue=issue, named=named, items=items, index={e.pmid: n for n, e in items},
        shown_types=_shown_types, summary_rows=_summary_rows, summary_edited=_summary_edited, sources=SOURCES,
        lang=lang, m=m, journal_name=journal_name,
        authors_short=authors_short, article_export_url=lambda pmid, ext: root + article_export(pmid, ext))
    return IssuePage(markdown, fragments or "\n")


def journal_index_page(cfg: Config, lang: str, issues: list[JournalIssue]) -> str:
    zh = lang == "zh"
    title = cfg.journal.title_zh if zh else cfg.journal.title_en
    intro = (
        f"每周从 {len(cfg.journal.journals)} 种期刊（{'、'.join(cfg.journal.journals)}）的 PubMed 新收录中检索人工智能研究，"
        "按专题编号列出，附中文结构化摘要（目的、方法、结果、结论）、本刊点评与 DOI 链接。"
        if zh else
        f"Every week, the AI articles newly indexed in PubMed from {len(cfg.journal.journals)} journals "
        f"({', '.join(cfg.journal.journals)}), numbered by topic, with a structured Chinese summary "
        "(objective, methods, results, conclusion), a comment and the DOI."
    )
    base = f"{cfg.site.url}feeds/{lang}/"
    out = [front_matter(title="文献快递" if zh else "Journal digest", edit_url=source_url(cfg, data_path(cfg, "journal/"))),
           GENERATED.format(src=data_path(cfg, "journal/")), "", f"# {md_escape(title)}", "", md_escape(intro), "",
           f"{'订阅' if zh else 'Feeds'}: [RSS]({base}journal.rss.xml) · [Atom]({base}journal.atom.xml) · "
           f"{'每期一条' if zh else 'one item per issue'} [RSS]({base}journal-issues.rss.xml) · "
           f"[Atom]({base}journal-issues.atom.xml)", ""]
    if not issues:
        return "\n".join(out + ["还没有发布任何一期。" if zh else "No issue has been published yet.", ""])
    out += [f"| {'期号' if zh else 'Issue'} | {'时间窗' if zh else 'Window'} | {'篇数' if zh else 'Articles'} |",
            "|---|---|---|"]
    for issue in sorted(issues, key=lambda i: i.date, reverse=True):
        label = f"第 {issue.number} 期" if zh else f"Issue {issue.number}"
        href = f"{issue.date[:4]}/{issue.date}.md"
        out.append(f"| [{label}]({href}) | {issue.start} – {issue.date} | {len(issue.entries)} |")
    out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------ feeds


def _item_content(e: JournalEntry, cfg: Config, lang: str) -> str:
    topic = cfg.topic(e.topic) if e.topic in cfg.topic_ids else None
    name = (topic.name_zh if lang == "zh" else topic.name_en) if topic else None
    return str(feeds_mod.ITEMS.article(e, lang, name, SUMMARY_LABELS))


def build_journal_feeds(cfg: Config, issues: list[JournalIssue]) -> list[feeds_mod.FeedFile]:
    files: list[feeds_mod.FeedFile] = []
    newest = sorted(issues, key=lambda i: i.date, reverse=True)
    for lang in ("zh", "en"):
        zh = lang == "zh"
        title = cfg.journal.title_zh if zh else cfg.journal.title_en
        items = [(i, e) for i in newest for e in i.entries][: cfg.feeds.max_items]
        fg = feeds_mod._new_feed(cfg, lang, "journal", title, "每篇期刊论文一条" if zh else "One item per journal article",
                                 items[0][0].date if items else None)
        for issue, e in reversed(items):
            fe = fg.add_entry()
            tag = feeds_mod._tag(cfg, issue.date, f"pmid:{e.pmid}")
            fe.id(tag)
            name = clean(e.title) or f"PMID {e.pmid}"
            fe.title(f"{clean(e.title_zh)} | {name}" if zh and clean(e.title_zh) else name)
            fe.link(href=journal_url(cfg, issue.date, lang, e.anchor), rel="alternate")
            fe.content(_item_content(e, cfg, lang), type="html")
            fe.summary(clean(e.conclusion_zh if zh and e.conclusion_zh.strip() else e.reason_en) or name)
            fe.published(feeds_mod._stamp(issue.date))
            fe.updated(feeds_mod._stamp(issue.date))
            fe.guid(tag, permalink=False)
            if e.topic in cfg.topic_ids:
                t = cfg.topic(e.topic)
                fe.category(term=e.topic, label=t.name_zh if zh else t.name_en)
        files += feeds_mod._write_pair(fg, cfg, lang, "journal")

        recent = newest[: cfg.feeds.max_issue_items]
        fg = feeds_mod._new_feed(cfg, lang, "journal-issues", f"{title} · {'每期' if zh else 'Issues'}",
                                 "每期一条" if zh else "One item per issue", recent[0].date if recent else None)
        for issue in reversed(recent):
            fe = fg.add_entry()
            tag = feeds_mod._tag(cfg, issue.date, f"journal-issue:{issue.number}")
            fe.id(tag)
            n = len(issue.entries)
            fe.title(f"{journal_title(cfg, issue)} · {issue.date}（{n} 篇）" if zh
                     else f"{cfg.journal.title_en}, issue {issue.number} · {issue.date} ({n} articles)")
            fe.link(href=journal_url(cfg, issue.date, lang), rel="alternate")
            rows = [(num, journal_url(cfg, issue.date, lang, e.anchor),
                     (clean(e.title_zh) if zh else "") or clean(e.title) or f"PMID {e.pmid}", e.journal_iso, None)
                    for num, e in numbered(issue)]
            fe.content(str(feeds_mod.ITEMS.numbered(issue.editor_note_zh if zh else issue.editor_note_en, rows)), type="html")
            fe.published(feeds_mod._stamp(issue.date))
            fe.updated(feeds_mod._stamp(issue.date))
            fe.guid(tag, permalink=False)
        files += feeds_mod._write_pair(fg, cfg, lang, "journal-issues")
    return files
