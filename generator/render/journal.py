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
from ..model import JournalEntry, JournalIssue
from . import feeds as feeds_mod
from .exports import article_export, export_url
from . import sanitize
from .pages import (FRAGMENT, GENERATED, PLACEHOLDER, IssuePage, _front_matter, editor_note_block, export_links,
                    source_url, topic_sections)
from .text import authors_short, clean, esc, md_escape, to_html, truncate

SUMMARY_LABELS = (("objective_zh", "目的", "Objective"), ("methods_zh", "方法", "Methods"),
                  ("results_zh", "结果", "Results"), ("conclusion_zh", "结论", "Conclusion"))


def journal_page_path(day: str) -> str:
    return layout.page(layout.JOURNAL, day)


def journal_fragments_path(day: str) -> str:
    return layout.fragments(layout.JOURNAL, day)


def journal_url(cfg: Config, day: str, lang: str = "zh", anchor: str = "") -> str:
    return layout.url(cfg.site.url, layout.JOURNAL, day, lang, anchor)


def numbered(issue: JournalIssue) -> list[tuple[int, JournalEntry]]:
    """Items in page order, numbered from 1 across the sections."""
    return list(enumerate(issue.entries, 1))


def _item_html(n: int, e: JournalEntry, cfg: Config) -> str:
    parts = [f'<div class="paper journal-item" data-pmid="{esc(e.pmid)}">']
    meta = [f'<span class="journal-name">{esc(e.journal_iso or e.journal)}</span>']
    if e.published:
        meta.append(f'<span class="paper-date">{esc(e.published)}</span>')
    if e.citation:
        meta.append(f'<span class="journal-citation">{esc(e.citation)}</span>')
    meta.append(f'<a class="paper-id" href="{esc(e.pubmed_url)}">PMID {esc(e.pmid)}</a>')
    types = [t for t in e.publication_types if t != "Journal Article" and not t.startswith("Research Support")]
    if types:
        meta.append(f'<span class="badge">{esc(", ".join(types))}</span>')
    meta.append(f'<span class="badge badge-relevance" title="keyword relevance">相关度 {e.relevance}%</span>')
    parts.append('<p class="paper-meta">' + " ".join(meta) + "</p>")
    heading = to_html(e.title_zh) if e.title_zh.strip() else to_html(e.title)
    parts.append(f'<h3 class="paper-title" id="{esc(e.anchor)}"><span class="item-number">{n}.</span> {heading} '
                 f'<a class="ref-mark" href="#ref-{n}">[{n}]</a></h3>')
    if e.title_zh.strip():
        parts.append(f'<p class="paper-title-en" lang="en">{to_html(e.title)}</p>')
    else:
        parts.append('<p class="paper-title-zh pending"><span class="badge badge-pending">待翻译 · translation pending</span></p>')
    if e.authors:
        parts.append(f'<p class="paper-authors">{esc(authors_short(e.authors))}</p>')
    if e.affiliations:
        parts.append('<details class="paper-institutions"><summary>作者单位 · Affiliations '
                     f'({len(e.affiliations)})</summary><ol>'
                     + "".join(f"<li>{esc(a)}</li>" for a in e.affiliations) + "</ol></details>")
    parts.append(f'<p class="paper-reason"><strong>分类 · Topic</strong> <span lang="zh">{esc(e.reason_zh)}</span>'
                 f' <span class="reason-en" lang="en">{esc(e.reason_en)}</span></p>')
    rows = [(zh, en, getattr(e, name)) for name, zh, en in SUMMARY_LABELS if getattr(e, name).strip()]
    if rows:
        by = f' <span class="enriched-by">AI 生成 · {esc(e.enriched_by)}</span>' if e.enriched_by else ""
        edited = [zh for name, zh, _ in SUMMARY_LABELS if name in e.edited]
        if edited:
            by += f' <span class="badge">编辑修订 · edited: {esc("、".join(edited))}</span>'
        parts.append(f'<div class="structured-summary"><p class="summary-label"><strong>中文结构化摘要 · Structured summary</strong>{by}</p><dl>'
                     + "".join(f'<dt>{zh} · {en}</dt><dd lang="zh">{to_html(text)}</dd>' for zh, en, text in rows)
                     + "</dl></div>")
    if e.numbers_missing:
        parts.append('<p class="numbers-check"><span class="badge badge-pending">数字核对 · figures check</span> '
                     f'结果中未见英文结果的数字 · not found in 结果: {esc(", ".join(e.numbers_missing))}</p>')
    if e.editor_comment.strip():
        parts.append('<div class="paper-editor-note"><p class="editor-label"><strong>本刊点评 · Editor\'s comment</strong></p>'
                     + sanitize.render(e.editor_comment) + "</div>")
    elif e.comment_ai_zh.strip():
        parts.append('<div class="paper-editor-note ai-drafted"><p class="editor-label"><strong>AI 草拟点评 · AI-drafted comment'
                     '</strong> <span class="enriched-by">未经编辑审阅 · not reviewed by an editor</span></p>'
                     f'<p lang="zh">{to_html(e.comment_ai_zh)}</p></div>')
    if e.abstract:
        body = "".join(
            f'<p lang="en">' + (f"<strong>{esc(s.get('label'))}</strong> " if s.get("label") else "") + f"{to_html(s['text'])}</p>"
            for s in e.abstract)
        parts.append(f'<details class="abstract abstract-en"><summary>英文摘要 · English abstract</summary>{body}</details>')
    else:
        parts.append('<p class="no-abstract">PubMed 未收录摘要 · No abstract in PubMed</p>')
    links = []
    if e.doi_url:
        links.append(f'<a href="{esc(e.doi_url)}">DOI {esc(e.doi)}</a>')
    links.append(f'<a href="{esc(e.pubmed_url)}">PubMed</a>')
    if e.pmcid:
        links.append(f'<a href="https://pmc.ncbi.nlm.nih.gov/articles/{esc(e.pmcid)}/">{esc(e.pmcid)}</a>')
    links.append(f'<a href="{esc(export_url(cfg, article_export(e.pmid, "bib")))}" download>BibTeX</a>')
    links.append(f'<a href="{esc(export_url(cfg, article_export(e.pmid, "ris")))}" download>RIS</a>')
    parts.append('<p class="paper-links">' + " · ".join(links) + "</p>")
    parts.append("</div>")
    return "\n".join(parts)


def _references_html(items: list[tuple[int, JournalEntry]]) -> str:
    rows = []
    for n, e in items:
        target = e.doi_url or e.pubmed_url
        cite = f"{esc(authors_short(e.authors, 3))}. " if e.authors else ""
        tail = f" {esc(e.citation)}." if e.citation else ""
        ident = f'doi:{esc(e.doi)}' if e.doi else f"PMID {esc(e.pmid)}"
        rows.append(f'<li id="ref-{n}" value="{n}">{cite}{to_html(e.title)} <em>{esc(e.journal_iso or e.journal)}</em>.'
                    f'{tail} <a href="{esc(target)}">{ident}</a> <a href="#{esc(e.anchor)}" title="back">↩</a></li>')
    return '<ol class="references">\n' + "\n".join(rows) + "\n</ol>"


def _also_html(cfg: Config, also: list[dict[str, str]]) -> str:
    rows = []
    for a in also:
        day = a.get("arxiv_date", "")
        href = f"../../../issues/{day[:4]}/{day}/#arxiv-{str(a.get('arxiv_id', '')).replace('/', '-')}"
        doi = f' · <a href="https://doi.org/{esc(a["doi"])}">DOI</a>' if a.get("doi") else ""
        rows.append(f'<li>{to_html(a.get("title", ""))} <em>{esc(a.get("journal", ""))}</em>{doi} → '
                    f'<a href="{esc(href)}">arXiv:{esc(a.get("arxiv_id"))}（{esc(day)} 已收录 · listed {esc(day)}）</a></li>')
    return ('<p>这些期刊论文此前已作为 arXiv 预印本收录，不再重复列出。 '
            'These articles were already listed from arXiv; they link to that entry instead of appearing again.</p>\n'
            '<ul class="also-on-arxiv">\n' + "\n".join(rows) + "\n</ul>")


def journal_title(cfg: Config, issue: JournalIssue) -> str:
    return f"{cfg.journal.title_zh} 第 {issue.number} 期"


def journal_page(issue: JournalIssue, cfg: Config) -> IssuePage:
    items = numbered(issue)
    index = {e.pmid: n for n, e in items}
    total = len(items)
    out = [
        _front_matter(
            title=f"{journal_title(cfg, issue)} · {issue.date}",
            description=f"{journal_title(cfg, issue)}（{issue.start} 至 {issue.date}），{total} 篇 · "
            f"{cfg.journal.title_en}, issue {issue.number} ({issue.start} to {issue.date}), {total} articles",
            edit_url=source_url(cfg, data_path(cfg, layout.record(layout.JOURNAL, issue.date))),
            fragments=journal_fragments_path(issue.date).rsplit("/", 1)[1],
        ),
        GENERATED.format(src=data_path(cfg, layout.record(layout.JOURNAL, issue.date))),
        "",
        f"# {md_escape(journal_title(cfg, issue))} {{ .issue-title }}",
        "",
        f'<p class="issue-subtitle">{esc(cfg.journal.title_en)} · Issue {issue.number} · '
        f"PubMed {issue.start} – {issue.date} · {total} 篇 articles</p>",
        "",
        export_links(cfg, issue.date, "journal"),
        "",
    ]
    out += editor_note_block(issue.editor_note_zh, issue.editor_note_en)
    md_lines, frags = topic_sections(cfg, issue.sections, "本期没有新的期刊论文。 No new journal article in this issue.",
                                     lambda e: _item_html(index[e.pmid], e, cfg))
    out += md_lines
    if items:
        out += ["## 参考文献 · References { #references }", "", PLACEHOLDER.format(name="references"), ""]
        frags += [FRAGMENT.format(name="references"), _references_html(items)]
    if issue.also_on_arxiv:
        out += [f"## 也见于 arXiv · Also on arXiv（{len(issue.also_on_arxiv)}） {{ #also-on-arxiv }}", "",
                PLACEHOLDER.format(name="also"), ""]
        frags += [FRAGMENT.format(name="also"), _also_html(cfg, issue.also_on_arxiv)]
    return IssuePage("\n".join(out), "\n".join(frags) + "\n")


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
    out = [_front_matter(title="文献快递" if zh else "Journal digest", edit_url=source_url(cfg, data_path(cfg, "journal/"))),
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
    zh = lang == "zh"
    rows = [f"<p><strong>{esc(e.title)}</strong></p>"]
    rows.append(f"<p>{esc(e.title_zh)}</p>" if e.title_zh.strip() else "<p><em>待翻译 · translation pending</em></p>")
    topic = cfg.topic(e.topic) if e.topic in cfg.topic_ids else None
    meta = [esc(e.journal_iso or e.journal), esc(e.published), f"PMID {esc(e.pmid)}"]
    if topic:
        meta.insert(0, esc(topic.name_zh if zh else topic.name_en))
    rows.append("<p>" + " · ".join(m for m in meta if m) + "</p>")
    if e.authors:
        rows.append(f"<p>{esc(truncate(authors_short(e.authors), 400))}</p>")
    for name, label_zh, label_en in SUMMARY_LABELS:
        text = getattr(e, name)
        if text.strip():
            rows.append(f"<p><strong>{label_zh if zh else label_en}:</strong> {esc(text)}</p>")
    if e.editor_comment.strip():
        rows.append(f"<p><strong>{'本刊点评' if zh else 'Editor'}:</strong> {esc(e.editor_comment)}</p>")
    elif e.comment_ai_zh.strip():
        rows.append(f"<p><strong>{'AI 草拟点评' if zh else 'AI-drafted comment'}:</strong> {esc(e.comment_ai_zh)}</p>")
    links = ([f'<a href="{esc(e.doi_url)}">DOI {esc(e.doi)}</a>'] if e.doi_url else []) + [f'<a href="{esc(e.pubmed_url)}">PubMed</a>']
    rows.append("<p>" + " · ".join(links) + "</p>")
    return "\n".join(rows)


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
            body = []
            note = issue.editor_note_zh if zh else issue.editor_note_en
            if note.strip():
                body.append(f"<p>{esc(note)}</p>")
            body.append("<ol>")
            for num, e in numbered(issue):
                label = (clean(e.title_zh) if zh else "") or clean(e.title) or f"PMID {e.pmid}"
                body.append(f'<li value="{num}"><a href="{esc(journal_url(cfg, issue.date, lang, e.anchor))}">{esc(label)}</a>'
                            f" <em>{esc(e.journal_iso)}</em></li>")
            body.append("</ol>")
            fe.content("\n".join(body), type="html")
            fe.published(feeds_mod._stamp(issue.date))
            fe.updated(feeds_mod._stamp(issue.date))
            fe.guid(tag, permalink=False)
        files += feeds_mod._write_pair(fg, cfg, lang, "journal-issues")
    return files
