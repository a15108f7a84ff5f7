"""Every reader-facing phrase that differs between the Chinese and the English interface, in one place.

Templates get one language's catalogue (``catalogue(lang)``, also a template global) instead of switching on the
language at each phrase.  Bilingual labels shown in both languages at once ("本刊点评 · Editor's note") are written in
the templates themselves.  Values are trusted project text, already in the form of their context (Markdown or HTML
text), so they are ``Markup``; ``{n}``-style fields are filled with ``.format``, which escapes its arguments.
"""

from __future__ import annotations

from markupsafe import Markup

_MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        # site pages
        "home": "首页", "issue": "第 {n} 期", "papers": "篇", "latest": "最新一期", "recent": "近期各期",
        "archive": "往期归档", "all_issues": "全部往期", "topics": "专题", "subscribe": "订阅",
        "read": "阅读本期", "no_issues": "还没有发布任何一期。", "date": "日期", "number": "期号",
        "count": "论文数", "status": "最近一次运行", "no_announcement": "{d}：arXiv 当日无新公告（周末或假日），未出刊。",
        "nothing_kept": "{d}：arXiv 公告 {c} 篇，无一入选。", "published": "{d}：第 {n} 期已发布，收录 {k} 篇（候选 {c} 篇）。",
        "topic_recent": "最近收录的论文", "topic_none": "该专题暂无论文。", "more_in_archive": "更早的论文请见[往期归档]({href})。",
        "feeds": "订阅源", "issues_in_month": "{m}（{k} 期）", "relevance": "相关度",
        # feed items
        "why": "推荐理由", "ai_summary": "AI 总结", "editor": "本刊点评", "ai_comment": "AI 草拟点评",
        # search
        "search": "搜索", "search_title": "搜索论文", "search_root": "../", "search_prefix": "",
        "search_hint": "中文词、英文词、作者或 arXiv 编号，如：分割、segmentation、Zhang、2506.05361",
        "search_noscript": "搜索需要 JavaScript；也可以在往期归档中按月份浏览。",
        "home_search": "搜索论文：中文词、英文词、作者或 arXiv 编号",
    },
    "en": {
        "home": "Home", "issue": "Issue {n}", "papers": "papers", "latest": "Latest issue", "recent": "Recent issues",
        "archive": "Archive", "all_issues": "All issues", "topics": "Topics", "subscribe": "Subscribe",
        "read": "Read the issue", "no_issues": "No issue has been published yet.", "date": "Date", "number": "Issue",
        "count": "Papers", "status": "Last run", "no_announcement": "{d}: no arXiv announcement (weekend or holiday); no issue.",
        "nothing_kept": "{d}: arXiv announced {c} papers; none was selected.",
        "published": "{d}: issue {n} published with {k} papers (of {c} candidates).",
        "topic_recent": "Recently listed papers", "topic_none": "No paper in this topic yet.",
        "more_in_archive": "Older papers are in the [archive]({href}).", "feeds": "Feeds",
        "issues_in_month": "{m} ({k} issues)", "relevance": "relevance",
        "why": "Why", "ai_summary": "AI summary", "editor": "Editor", "ai_comment": "AI-drafted comment",
        "search": "Search", "search_title": "Search papers", "search_root": "../../", "search_prefix": "en/",
        "search_hint": "English or Chinese words, an author, an arXiv id — e.g. segmentation, 病理, Zhang, 2506.05361",
        "search_noscript": "Search needs JavaScript; the archive lists every issue by month.",
        "home_search": "Search papers: words, authors, arXiv ids",
    },
}

_CATALOGUES = {lang: {k: Markup(v) for k, v in msgs.items()} for lang, msgs in _MESSAGES.items()}
assert all(_CATALOGUES[lang].keys() == _CATALOGUES["zh"].keys() for lang in _CATALOGUES), "a phrase lacks a language"


def catalogue(lang: str) -> dict[str, Markup]:
    """The phrases of one interface language."""
    return _CATALOGUES[lang]
