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
        # issue and journal pages (entries)
        "e_issue_title": "第 {n} 期 · {d}", "e_papers": "{k} 篇论文", "e_candidates": "候选 {c} 篇",
        "e_relevance": "相关度", "e_keyword": "关键词", "e_relevance_tip": "LLM 判断 {l}% · 关键词规则 {k}%",
        "e_keyword_tip": "关键词规则给出的相关度", "e_pending": "待翻译",
        "e_institutions": "机构", "e_affiliations": "作者单位", "e_reason": "专题命中", "e_summary": "AI总结",
        "e_comments": "备注", "e_journal_ref": "期刊", "e_editor": "本刊点评", "e_details": "详情",
        "e_abstract_zh": "AI中文摘要", "e_machine": "机器翻译，仅供参考；以英文原文为准",
        "e_abstract_en": "英文摘要", "e_other_lang": "English version",
        "e_code": "代码与数据：", "e_cite": "引用：", "e_export": "导出本期：", "e_issue_nav": "前后各期",
        "e_prev": "上一期", "e_next": "下一期", "e_none_selected": "本期没有入选论文。",
        "e_dropped": "未收录的候选（{k} 篇）", "e_dropped_intro": "这些论文命中了部分医学关键词，但未达到入选条件；原因如下。",
        "e_title": "标题", "e_reason_col": "原因", "e_editor_note": "本期编者按", "e_week_note": "编者按",
        "e_no_abstract": "PubMed 未收录摘要", "e_structured": "中文结构化摘要", "e_ai": "AI 生成",
        "e_edited": "编辑修订", "e_figures": "数字核对", "e_figures_text": "结果中未见英文结果的数字：",
        "e_ai_comment": "AI 草拟点评", "e_not_reviewed": "未经编辑审阅", "e_topic": "分类",
        "e_references": "参考文献", "e_also": "也见于 {s}", "e_no_article": "本期没有新的期刊论文。",
        "e_also_intro": "这些期刊论文此前已作为 {s} 预印本收录，不再重复列出。", "e_listed": "{d} 已收录",
        "e_articles": "{k} 篇", "e_journal_issue": "第 {n} 期",
        # the reading page (docs/assets/javascripts/reading.js fills it)
        "reading": "我的阅读", "reading_follows": "我的关注", "reading_for_you": "为你推荐", "reading_list": "阅读列表",
        "reading_intro": "关注专题、关键词、作者或机构，这里就会列出匹配的论文；在任一期的论文下可以收藏或标为已读。"
                         "这些只保存在你的浏览器里（不需要账号，也不会上传）；本页地址可以带上筛选条件分享给别人。",
        "reading_noscript": "我的阅读需要 JavaScript。",
        # site pages
        "home": "首页", "issue": "第 {n} 期", "papers": "篇", "latest": "最新一期", "recent": "近期各期",
        "archive": "往期归档", "all_issues": "全部往期", "topics": "专题", "subscribe": "订阅",
        "read": "阅读本期", "no_issues": "还没有发布任何一期。", "date": "日期", "number": "期号",
        "count": "论文数", "status": "最近一次运行", "no_announcement": "{d}：arXiv 当日无新公告（周末或假日），未出刊。",
        "nothing_kept": "{d}：arXiv 公告 {c} 篇，无一入选。", "published": "{d}：第 {n} 期已发布，收录 {k} 篇（候选 {c} 篇）。",
        "topic_recent": "最近收录的论文", "topic_none": "该专题暂无论文。", "more_in_archive": "更早的论文请见[往期归档]({href})。",
        "feeds": "订阅源", "issues_in_month": "{m}（{k} 期）", "relevance": "相关度",
        "watches": "关注清单", "watch_none": "还没有符合这份清单的论文。",
        "watches_intro": "编辑在 `config.yml` 的 `watches` 中定义的固定检索：每份清单有自己的页面和 RSS/Atom 订阅源。"
                         "一篇论文要满足清单列出的每一项条件；同一项里的多个值满足其一即可。想只在自己的浏览器里关注，请用[我的阅读]({href})。",
        "watches_empty": "还没有定义关注清单：在 `config.yml` 中加入 `watches`（见维护者指南的配置一节）。",
        "watch_rule": "条件", "watch_topics": "专题", "watch_keywords": "关键词", "watch_authors": "作者",
        "watch_institutions": "机构", "watch_min": "相关度至少 {n}%", "watch_any": "（满足其一）",
        # statistics page
        "stats": "统计", "stats_chart": "每周各专题论文数", "stats_recent": "最近 {n} 周", "stats_per_year": "各年合计",
        "stats_intro": "每周（周一起）各专题收录的论文数，最近 {n} 周；共 {t} 篇，{k} 期。",
        "stats_week": "周", "stats_year": "年", "stats_total": "合计",
        # feed items
        "why": "推荐理由", "ai_summary": "AI 总结", "editor": "本刊点评", "ai_comment": "AI 草拟点评",
        # search
        "search": "搜索", "search_title": "搜索论文", "search_root": "../", "search_prefix": "",
        "search_hint": "中文词、英文词、作者、arXiv 编号、DOI 或论文链接，如：分割、segmentation、Zhang、2506.05361v2",
        "search_noscript": "搜索需要 JavaScript；也可以在往期归档中按月份浏览。",
        "home_search": "搜索论文：中文词、英文词、作者、编号或链接",
        # reviews (季度与年度回顾)
        "rv_reviews": "季度与年度回顾", "rv_all_reviews": "全部回顾",
        "rv_archive_link": "按季度和年度回看：[季度与年度回顾]({href})，每篇论文都链接到它所在的一期。",
        "rv_issues": "{n} 期", "rv_papers": "{n} 篇论文", "rv_previous": "上一时期 {p}：{n} 篇",
        "rv_in_progress": "进行中", "rv_in_progress_text": "这一时期尚未结束：所有数字截至 {d} 的一期，之后的各期会计入。",
        "rv_grounded": "本页每篇论文都是本站已收录的条目，每个数字都由记录统计得出。订阅回顾：",
        "rv_overview": "概览：各专题与来源的论文数", "rv_topic": "专题", "rv_source": "来源", "rv_change": "变化",
        "rv_total": "合计", "rv_terms": "升温与降温的术语", "rv_term": "术语",
        "rv_terms_how": "与上一时期（{p}）相比，标题和摘要中提到该术语的论文所占比例变化最大的术语（按入选规则的短语匹配，括号内为占比）。",
        "rv_points": "变化（百分点）", "rv_no_previous": "上一时期（{p}）没有论文，无从比较。",
        "rv_no_trends": "没有术语的占比发生明显变化。", "rv_followed": "最受关注",
        "rv_pinned_in": "精选置顶 {w}", "rv_releases": "新发布的代码与数据",
        "rv_release_counts": "{c} 篇论文公开了代码，{d} 篇公开了数据。",
        "rv_institutions": "论文最多的机构", "rv_institution": "机构", "rv_no_institutions": "这一时期的论文未记录机构。",
        "rv_table": "各专题推荐", "rv_paper": "论文", "rv_contribution": "主要贡献", "rv_pinned": "编辑置顶",
        "rv_ai_theme": "（AI 撰写，引用与数字已核对）",
        "rv_editors": "编辑可在 `{f}` 中撰写导语与专题点评、置顶（pinned）或移除（removed）论文。",
        "rv_index_intro": "每个季度和每年一篇回顾：各专题与来源的论文数及其变化、升温与降温的术语、最受关注的论文、新发布的代码与数据、机构和各专题推荐。所有论文都是本站收录的条目，所有数字都由记录统计得出。",
    },
    "en": {
        "e_issue_title": "Issue {n} · {d}", "e_papers": "{k} papers", "e_candidates": "{c} candidates",
        "e_relevance": "Relevance", "e_keyword": "keyword", "e_relevance_tip": "LLM {l}% · keyword rule {k}%",
        "e_keyword_tip": "relevance from the keyword rule", "e_pending": "translation pending",
        "e_institutions": "Institutions", "e_affiliations": "Affiliations", "e_reason": "Why", "e_summary": "AI summary",
        "e_comments": "Comments", "e_journal_ref": "Journal ref", "e_editor": "Editor's note", "e_details": "Abstract",
        "e_abstract_zh": "AI Chinese abstract", "e_machine": "machine translation; the English original prevails",
        "e_abstract_en": "Abstract", "e_other_lang": "中文版",
        "e_code": "Code & data: ", "e_cite": "Cite: ", "e_export": "Export this issue: ", "e_issue_nav": "Previous and next issue",
        "e_prev": "Previous issue", "e_next": "Next issue", "e_none_selected": "No paper was selected for this issue.",
        "e_dropped": "Candidates not included ({k})",
        "e_dropped_intro": "These papers matched some medical phrases but were not selected; the reason is given for each.",
        "e_title": "Title", "e_reason_col": "Reason", "e_editor_note": "Editor's note", "e_week_note": "Editor's note",
        "e_no_abstract": "No abstract in PubMed", "e_structured": "Structured summary (Chinese)", "e_ai": "AI-generated",
        "e_edited": "edited", "e_figures": "Figures check", "e_figures_text": "numbers of the English results not found in the Chinese results: ",
        "e_ai_comment": "AI-drafted comment (Chinese)", "e_not_reviewed": "not reviewed by an editor", "e_topic": "Topic",
        "e_references": "References", "e_also": "Also on {s}", "e_no_article": "No new journal article in this issue.",
        "e_also_intro": "These articles were already listed from {s}; they link to that entry instead of appearing again.",
        "e_listed": "listed {d}", "e_articles": "{k} articles", "e_journal_issue": "Issue {n}",
        "reading": "My reading", "reading_follows": "Following", "reading_for_you": "For you",
        "reading_list": "Reading list",
        "reading_intro": "Follow topics, keywords, authors or institutions and the matching papers are listed here; under any "
                         "paper of an issue you can save it or mark it read. All of this stays in your browser (no account, "
                         "nothing is uploaded); this page's address can carry the filters, to share a view.",
        "reading_noscript": "My reading needs JavaScript.",
        "home": "Home", "issue": "Issue {n}", "papers": "papers", "latest": "Latest issue", "recent": "Recent issues",
        "archive": "Archive", "all_issues": "All issues", "topics": "Topics", "subscribe": "Subscribe",
        "read": "Read the issue", "no_issues": "No issue has been published yet.", "date": "Date", "number": "Issue",
        "count": "Papers", "status": "Last run", "no_announcement": "{d}: no arXiv announcement (weekend or holiday); no issue.",
        "nothing_kept": "{d}: arXiv announced {c} papers; none was selected.",
        "published": "{d}: issue {n} published with {k} papers (of {c} candidates).",
        "topic_recent": "Recently listed papers", "topic_none": "No paper in this topic yet.",
        "more_in_archive": "Older papers are in the [archive]({href}).", "feeds": "Feeds",
        "watches": "Watches", "watch_none": "No paper matches this watch yet.",
        "watches_intro": "Standing queries the editors define under `watches` in `config.yml`: each has its own page and "
                         "RSS/Atom feeds. A paper must meet every criterion a watch lists; within one criterion any value "
                         "is enough. To follow things in your own browser only, use [My reading]({href}).",
        "watches_empty": "No watch is defined yet: add `watches` to `config.yml` (see the configuration page of the "
                         "maintainer guide).",
        "watch_rule": "Criteria", "watch_topics": "Topics", "watch_keywords": "Keywords", "watch_authors": "Authors",
        "watch_institutions": "Institutions", "watch_min": "relevance at least {n}%", "watch_any": " (any)",
        "issues_in_month": "{m} ({k} issues)", "relevance": "relevance",
        "stats": "Statistics", "stats_chart": "Papers per topic per week", "stats_recent": "The last {n} weeks",
        "stats_per_year": "Per year",
        "stats_intro": "Papers listed per topic in each week (weeks start on Monday), the last {n} weeks; {t} papers in {k} "
                       "issues overall.",
        "stats_week": "Week of", "stats_year": "Year", "stats_total": "Total",
        "why": "Why", "ai_summary": "AI summary", "editor": "Editor", "ai_comment": "AI-drafted comment",
        "search": "Search", "search_title": "Search papers", "search_root": "../../", "search_prefix": "en/",
        "search_hint": "English or Chinese words, an author, an arXiv id, a DOI or a link — e.g. segmentation, 病理, Zhang, 2506.05361v2",
        "search_noscript": "Search needs JavaScript; the archive lists every issue by month.",
        "home_search": "Search papers: words, authors, ids or links",
        "rv_reviews": "Quarterly and yearly reviews", "rv_all_reviews": "All reviews",
        "rv_archive_link": "Looking back by quarter and year: the [quarterly and yearly reviews]({href}), every paper linked to its issue.",
        "rv_issues": "{n} issues", "rv_papers": "{n} papers", "rv_previous": "previous period {p}: {n} papers",
        "rv_in_progress": "In progress",
        "rv_in_progress_text": "This period is not over: every figure counts the issues up to {d}; later issues will be added.",
        "rv_grounded": "Every paper on this page is an entry of the archive and every figure is counted from the records. Follow the reviews:",
        "rv_overview": "Overview: papers per topic and per source", "rv_topic": "Topic", "rv_source": "Source",
        "rv_change": "Change", "rv_total": "Total", "rv_terms": "Rising and falling terms", "rv_term": "Term",
        "rv_terms_how": "The terms whose share of papers (titles and abstracts, matched as selection matches its phrases; share in brackets) changed most against the previous period ({p}).",
        "rv_points": "Change (points)", "rv_no_previous": "The previous period ({p}) has no papers to compare with.",
        "rv_no_trends": "No term's share changed noticeably.", "rv_followed": "Most followed",
        "rv_pinned_in": "pinned in the highlights of {w}", "rv_releases": "New code and data",
        "rv_release_counts": "{c} papers released code and {d} released data.",
        "rv_institutions": "Institutions with the most papers", "rv_institution": "Institution",
        "rv_no_institutions": "No institution was recorded for this period's papers.",
        "rv_table": "Recommendations per topic", "rv_paper": "Paper", "rv_contribution": "Key contribution",
        "rv_pinned": "pinned by an editor", "rv_ai_theme": "(written by AI; citations and figures checked)",
        "rv_editors": "Editors write an introduction and topic comments, and pin or remove papers, in `{f}`.",
        "rv_index_intro": "One review per quarter and per year: papers per topic and source and how they changed, rising and falling terms, the most-followed papers, new code and data, institutions and recommendations per topic. Every paper is an entry of the archive; every figure is counted from the records.",
    },
}

# the plain phrases (str.format into Markdown), for the pages still written as line lists
PHRASES = _MESSAGES
_CATALOGUES = {lang: {k: Markup(v) for k, v in msgs.items()} for lang, msgs in _MESSAGES.items()}
assert all(_CATALOGUES[lang].keys() == _CATALOGUES["zh"].keys() for lang in _CATALOGUES), "a phrase lacks a language"


def catalogue(lang: str) -> dict[str, Markup]:
    """The phrases of one interface language."""
    return _CATALOGUES[lang]
