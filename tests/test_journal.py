"""The journal digest (文献快递): real PubMed XML replayed through a loopback E-utilities server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml

from generator.config import load_config
from generator.model import JournalIssue
from generator.numbers import missing_numbers, result_numbers
from generator.sources.pubmed import build_query, parse_articles, parse_search
from generator.standin import PubMedStandIn
from generator.validate import check_record

from .conftest import SHARED, require_shared, setup_project, snapshot
from .fake_llm import FakeLLM
from .test_editing import HUMAN, git_project, sh
from generator.kinds.registry import DAILY, JOURNAL

ROOT = Path(__file__).resolve().parents[1]
PUBMED = SHARED / "corpus" / "raw" / "pubmed"
END = "2025-03-07"  # the week 2025-03-01 .. 2025-03-07
KEY = "sk-SENTINEL-journal-4242"
# recorded efetch files and the day their articles "entered PubMed" in the replayed week
WEEK = {"pubmed4.xml": "2025-03-03", "pubmed5.xml": "2025-03-04", "pubmed6.xml": "2025-03-05",
        "pubmed7.xml": "2025-03-06", "pubmed2.xml": "2025-03-07", "pubmed1.xml": "2025-03-02"}
OUTSIDE = "9997"  # entered before the window: must not be listed


def raw(name: str) -> bytes:
    require_shared()
    return (PUBMED / name).read_bytes()


# ------------------------------------------------------------------ parsing real records


def test_structured_abstract_doi_dates_and_the_articles_own_pmid():
    [a] = parse_articles(raw("pubmed4.xml"))
    assert a.pmid == "27797938"  # not one of the PMIDs in its reference list
    assert a.doi == "10.1136/gutjnl-2016-312510" and a.pmcid == "PMC5442267"
    assert a.journal == "Gut" and a.journal_iso == "Gut"
    assert a.published == "2016-10-21" and a.citation == "2017;66(6):1116-1122"
    assert [s["label"] for s in a.abstract] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert a.authors[0] == "Ying Bao" and len(a.authors) == 22 and len(a.affiliations) >= 10
    assert a.title == "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    assert "p_trend=0.048" in a.results_text and "r²<0.25" in a.results_text  # <sub>/<sup> flattened, not dropped
    assert a.results_text.startswith("Shorter prediagnostic")  # only the RESULTS section


def test_mathml_collective_author_and_several_affiliations():
    [a] = parse_articles(raw("pubmed7.xml"))
    text = a.abstract_text
    assert "inhaled ³He/¹²⁹Xe MRI ventilation" in text and "mml" not in text and "  " not in text
    assert a.authors[-1] == "Canadian Respiratory Research Network"
    assert len(a.affiliations) >= 5 and a.doi == "10.1117/1.JMI.5.2.026002"
    assert a.journal_iso == "J Med Imaging (Bellingham)" and a.abstract[0]["label"] == ""


def test_no_abstract_unstructured_and_nlm_categories():
    no_abstract, unstructured = parse_articles(raw("pubmed1.xml"))
    assert no_abstract.pmid == "12091962" and no_abstract.abstract == [] and no_abstract.published == "1990"
    assert unstructured.abstract[0]["label"] == "" and unstructured.doi == "10.1016/0005-2795(76)90109-4"
    [occ] = parse_articles(raw("pubmed5.xml"))
    assert [s["category"] for s in occ.abstract] == ["OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"]


def test_esearch_answers_and_errors():
    found = parse_search(raw("esearch2.xml"))
    assert found.count == 42249 and len(found.ids) == 100 and found.ids[0] == "41297076"
    with pytest.raises(ValueError, match="Search Backend failed"):
        parse_search(b"<eSearchResult><ERROR>Search Backend failed</ERROR></eSearchResult>")
    with pytest.raises(ValueError, match="not XML"):
        parse_articles(raw("pubmed4.xml")[:5000])


def test_numbers_check_finds_dropped_and_changed_figures():
    [a] = parse_articles(raw("pubmed4.xml"))
    nums = result_numbers(a.results_text)
    assert {"1.72", "95", "1.07", "2.78", "0.048", "0.002", "0.023"} <= set(nums)
    assert "401681" not in nums  # rs401681 is an identifier
    assert missing_numbers("AUC 0.91 (95% CI 0.88-0.94) in 1,282 patients; p < .001",
                           "1282 例患者中 AUC 为 0.91（95％ 置信区间 0.88～0.94），P<0.001") == []
    assert missing_numbers("AUC 0.91 (95% CI 0.88-0.94)", "AUC 为 0.9（95% 置信区间 0.88-0.94）") == ["0.91"]


# ------------------------------------------------------------------ the replayed week


@pytest.fixture
def pubmed():
    with PubMedStandIn() as server:
        yield server


@pytest.fixture
def llm():
    with FakeLLM() as server:
        yield server


def load_week(server: PubMedStandIn, extra: dict[str, bytes] | None = None) -> None:
    for name, day in WEEK.items():
        server.add_xml(raw(name), day)
    server.entered[OUTSIDE] = "2025-02-20"
    for day, xml in (extra or {}).items():
        server.add_xml(xml, day)


def journal_project(tmp_path, arxiv_server, pubmed):
    project = setup_project(tmp_path, arxiv_server)
    data = yaml.safe_load(project.config.read_text())
    data["journal"].update(retries=2, timeout_seconds=5)
    project.config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    project.env["NCBI_EUTILS_URL"] = pubmed.eutils_url
    return project


def cli(project, *args, llm=None, key=True, env=None, check=True):
    e = dict(os.environ, **project.env, PYTHONPATH=str(ROOT))
    for var in ("LLM_API_KEY", "NCBI_API_KEY"):
        e.pop(var, None)
    if llm is not None:
        e["LLM_BASE_URL"] = llm.base_url
        if key:
            e["LLM_API_KEY"] = KEY
    e.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "generator", "-c", str(project.config), *args], cwd=project.root,
                          env=e, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def record(project, day=END) -> dict:
    return yaml.safe_load((project.root / f"data/journal/{day[:4]}/{day}.yaml").read_text())


def articles(rec: dict) -> dict[str, dict]:
    return {a["pmid"]: a for s in rec["sections"] for a in s["articles"]}


@pytest.fixture
def week(tmp_path, arxiv_server, pubmed):
    load_week(pubmed)
    return journal_project(tmp_path, arxiv_server, pubmed)


def test_replayed_week_makes_a_numbered_journal_issue(week, pubmed, llm):
    out = cli(week, "journal", "--date", END, llm=llm).stdout
    assert "PubMed 2025-03-01 to 2025-03-07: 7 articles found" in out
    assert "文献快递第 1 期" in out and "every result number" in out

    # the query: journals x AI terms x the entry-date window, named tool, no key without one
    [search] = pubmed.searches
    assert search["mindate"] == "2025/03/01" and search["maxdate"] == "2025/03/07" and search["datetype"] == "edat"
    assert '"Radiology"[ta]' in search["term"] and '"Nat Med"[ta]' in search["term"] and "deep learning" in search["term"]
    assert 'NOT ("Editorial"[pt]' in search["term"] and search["tool"] == "medical-ai-daily" and "api_key" not in search

    rec = record(week)
    listed = articles(rec)
    assert rec["number"] == 1 and rec["start"] == "2025-03-01" and rec["kind"] == "journal"
    assert OUTSIDE not in listed and len(listed) == 7
    gut = listed["27797938"]
    assert gut["title_zh"].startswith("关于") and gut["objective_zh"] and gut["methods_zh"] and gut["conclusion_zh"]
    assert "1.72" in gut["results_zh"] and gut["numbers_missing"] == [] and gut["comment_ai_zh"]
    assert listed["12091962"]["abstract"] == []  # no abstract: still listed

    page = (week.root / f"docs/journal/2025/{END}.md").read_text()
    items = (week.root / f"docs/journal/2025/{END}.entries.html").read_text()
    en_items = (week.root / f"docs/journal/2025/{END}.en.entries.html").read_text()
    assert "医学影像与AI文献快递 第 1 期" in page and "## 参考文献 { #references }" in page
    for label in ("<dt>目的</dt>", "<dt>方法</dt>", "<dt>结果</dt>", "<dt>结论</dt>", "AI 草拟点评"):
        assert label in items
    for label in ("目的 · Objective", "结论 · Conclusion", "AI-drafted comment"):  # en: the Chinese summary, collapsed
        assert label in en_items
    assert "<em>Gut</em>" in items  # the full journal name in the reference list
    assert '<a href="https://doi.org/10.1136/gutjnl-2016-312510">' in items
    assert 'id="ref-1"' in items and 'href="#ref-7"' in items and "PubMed 未收录摘要" in items
    numbers = [int(n) for n in __import__("re").findall(r'<span class="item-number">(\d+)\.</span>', items)]
    assert numbers == list(range(1, 8))

    for lang in ("zh", "en"):
        for name, count in (("journal", 7), ("journal-issues", 1)):
            for fmt in ("rss", "atom"):
                feed = feedparser.parse((week.root / f"feeds/{lang}/{name}.{fmt}.xml").read_bytes())
                assert not feed.bozo and len(feed.entries) == count, (lang, name, fmt)
    zh = feedparser.parse((week.root / "feeds/zh/journal.rss.xml").read_bytes())
    assert any("结果" in e.content[0].value and "doi.org/10.1136/gutjnl-2016-312510" in e.content[0].value for e in zh.entries)

    # the same week again: no new call, no changed byte
    before, calls = snapshot(week.root), len(llm.requests)
    cli(week, "journal", "--date", END, llm=llm)
    assert len(llm.requests) == calls and snapshot(week.root) == before

    cli(week, "build")
    html = (week.root / f"site/journal/2025/{END}/index.html").read_text()
    assert "结构化摘要" in html and "maid:" not in html
    assert (week.root / "site/en/journal/index.html").exists()
    assert "文献快递" in (week.root / "site/index.html").read_text()
    assert cli(week, "validate").returncode == 0


def test_the_next_week_is_number_two_and_skips_articles_already_listed(week, pubmed, llm):
    cli(week, "journal", "--date", END, llm=llm)
    pubmed.add_xml(raw("pubmed4.xml"), "2025-03-10")  # the same article entered again (a correction)
    pubmed.entered["28775130"] = "2025-03-11"
    out = cli(week, "journal", "--date", "2025-03-14", llm=llm).stdout
    assert "already in an earlier journal issue 2" in out
    assert "no new article this week" in out and not (week.root / "data/journal/2025/2025-03-14.yaml").exists()
    pubmed.add_xml(raw("pubmed6.xml").replace(b">30108519<", b">30108520<"), "2025-03-12")
    cli(week, "journal", "--date", "2025-03-14", llm=llm)
    rec = record(week, "2025-03-14")
    assert rec["number"] == 2 and list(articles(rec)) == ["30108520"]


def test_editor_comment_and_corrected_conclusion_survive_later_runs(week, pubmed, llm, tmp_path):
    git_project(week, tmp_path)
    cli(week, "journal", "--date", END, llm=llm)
    cli(week, "publish")
    path = week.root / f"data/journal/2025/{END}.yaml"
    rec = yaml.safe_load(path.read_text())
    gut = next(a for s in rec["sections"] for a in s["articles"] if a["pmid"] == "27797938")
    gut["editor_comment"] = "本刊点评：队列设计严谨，但未纳入亚洲人群。"
    gut["conclusion_zh"] = "白细胞端粒长度与胰腺癌风险相关（编辑修订）。"
    rec["editor_note"]["zh"] = "本期关注端粒与影像生物标志物。"
    path.write_text(yaml.safe_dump(rec, allow_unicode=True, sort_keys=False))
    sh(week.root, "git", "add", "-A")
    sh(week.root, "git", *HUMAN, "commit", "-q", "-m", "Editor: comment and corrected conclusion")

    out = cli(week, "mark-edits").stdout
    assert "PMID 27797938: conclusion_zh" in out and "PMID 27797938: editor_comment" in out
    llm.topic["27797938"] = "biomed"  # the model changes its mind later: the edits still stand
    for _ in range(2):
        cli(week, "journal", "--date", END, llm=llm)
    cli(week, "render")
    cli(week, "build")

    gut = articles(record(week))["27797938"]
    assert gut["editor_comment"] == "本刊点评：队列设计严谨，但未纳入亚洲人群。"
    assert gut["conclusion_zh"] == "白细胞端粒长度与胰腺癌风险相关（编辑修订）。"
    assert {"conclusion_zh", "editor_comment"} <= set(gut["edited"])
    html = (week.root / f"site/journal/2025/{END}/index.html").read_text()
    assert "队列设计严谨，但未纳入亚洲人群" in html and "编辑修订" in html and "本期关注端粒" in html
    item = html[html.index('id="pmid-27797938"'):]
    item = item[: item.index('class="paper journal-item"')] if 'class="paper journal-item"' in item else item
    assert "AI 草拟点评" not in item  # the editor's comment replaces the AI draft
    feed = feedparser.parse((week.root / "site/feeds/zh/journal.rss.xml").read_bytes())
    entry = next(e for e in feed.entries if e.id.endswith("pmid:27797938"))
    assert "队列设计严谨" in entry.content[0].value and "编辑修订" in entry.content[0].value
    assert cli(week, "validate").returncode == 0


def test_numbers_check_asks_again_then_reports_per_item(week, llm):
    llm.script["28775130"] = ["dropnumbers", "dropnumbers"]  # never keeps the figures
    llm.script["27797938"] = ["dropnumbers"]  # fixed on the second request
    out = cli(week, "journal", "--date", END, llm=llm).stdout
    listed = articles(record(week))
    assert llm.calls_for("27797938") == 2 and listed["27797938"]["numbers_missing"] == []
    missing = listed["28775130"]["numbers_missing"]
    assert llm.calls_for("28775130") == 2 and {"4.15", "0.01"} <= set(missing)
    assert "numbers check: PMID 28775130: 结果 lacks 4.15" in out
    items = (week.root / f"docs/journal/2025/{END}.entries.html").read_text()
    assert "数字核对" in items and "4.15" in items


def test_article_already_on_arxiv_links_there_instead(week, llm):
    from generator.model import Entry, DailyIssue, Section
    from generator.store import Store

    def paper(pid, title, doi):
        return Entry(id=pid, version=1, announce_type="new", title=title, authors=["A"], categories=["eess.IV"],
                     primary_category="eess.IV", abstract="x", comment=None, journal_ref=None, doi=doi, license=None,
                     topic="imaging", relevance=80, score=5.0, reason_zh="r", reason_en="r")

    store = Store(week.root / "data")
    store.series(DAILY).save(DailyIssue("2025-02-10", 1, [Section("imaging", [
        paper("2502.00001", "Development of a pulmonary imaging biomarker pipeline for phenotyping of chronic lung "
                            "disease", None),
        paper("2502.00002", "Some other title", "10.1136/gutjnl-2016-312510"),
    ])]))
    cli(week, "journal", "--date", END, llm=llm)
    rec = record(week)
    listed = articles(rec)
    assert "29963580" not in listed and "27797938" not in listed
    also = {a["pmid"]: a for a in rec["also_on_arxiv"]}
    assert also["29963580"]["arxiv_id"] == "2502.00001" and also["27797938"]["arxiv_id"] == "2502.00002"
    items = (week.root / f"docs/journal/2025/{END}.entries.html").read_text()
    assert "也见于 arXiv" in (week.root / f"docs/journal/2025/{END}.md").read_text()
    assert 'href="../../../issues/2025/2025-02-10/#arxiv-2502.00001"' in items
    assert llm.calls_for("29963580") == 0


def test_article_already_listed_as_a_medrxiv_preprint_links_there_instead(week, llm):
    """The journal digest's dedup covers every source of the daily issue: a journal article whose DOI a medRxiv
    preprint of the archive names as its published version is linked to that entry, not listed again."""
    from generator.model import Entry, DailyIssue, Section
    from generator.store import Store

    pre = Entry(id="10.1101/2025.01.20.25320001", version=2, announce_type="new", title="A preprint title",
                authors=["A"], categories=["health informatics"], primary_category="health informatics",
                abstract="x", comment=None, journal_ref=None, doi="10.1136/gutjnl-2016-312510", license=None,
                topic="imaging", relevance=80, score=5.0, reason_zh="r", reason_en="r", source="medrxiv")
    Store(week.root / "data").series(DAILY).save(DailyIssue("2025-02-10", 1, [Section("imaging", [pre])]))
    cli(week, "journal", "--date", END, llm=llm)
    rec = record(week)
    assert "27797938" not in articles(rec)
    also = {a["pmid"]: a for a in rec["also_on_arxiv"]}
    assert also["27797938"]["arxiv_id"] == pre.id and also["27797938"]["source"] == "medrxiv"
    page = (week.root / f"docs/journal/2025/{END}.md").read_text()
    items = (week.root / f"docs/journal/2025/{END}.entries.html").read_text()
    en = (week.root / f"docs/journal/2025/{END}.en.md").read_text()
    assert "也见于 medRxiv" in page and "Also on medRxiv" in en
    assert f'href="../../../issues/2025/2025-02-10/#{pre.anchor}"' in items and f"medRxiv:{pre.id}" in items
    assert cli(week, "validate").returncode == 0
    assert llm.calls_for("27797938") == 0


def test_without_a_key_articles_are_listed_untranslated_then_filled(week, llm):
    out = cli(week, "journal", "--date", END, llm=llm, key=False).stdout
    assert "LLM_API_KEY is not set" in out and not llm.requests
    listed = articles(record(week))
    assert listed and all(not a["title_zh"] and not a["results_zh"] for a in listed.values())
    assert "待翻译" in (week.root / f"docs/journal/2025/{END}.entries.html").read_text()
    cli(week, "journal", "--date", END, llm=llm)
    assert all(a["title_zh"] for a in articles(record(week)).values())


# ------------------------------------------------------------------ faults and hostile text


@pytest.mark.parametrize("path,faults", [
    ("/eutils/esearch.fcgi", [429, 503]),
    ("/eutils/esearch.fcgi", ["error"]),
    ("/eutils/efetch.fcgi", [500]),
    ("/eutils/efetch.fcgi", ["truncated"]),
    ("/eutils/efetch.fcgi", ["reset"]),
])
def test_transient_faults_are_retried(week, pubmed, path, faults):
    pubmed.faults[path] = list(faults)
    out = cli(week, "journal", "--date", END).stdout
    assert "文献快递第 1 期" in out and len(articles(record(week))) == 7
    assert not pubmed.faults[path]


def test_pubmed_down_fails_cleanly_and_writes_nothing(week, pubmed):
    cli(week, "journal", "--date", END)
    before = snapshot(week.root)
    pubmed.faults["/eutils/esearch.fcgi"] = [503] * 20
    proc = cli(week, "journal", "--date", "2025-03-14", check=False)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and last.startswith("error: ") and "esearch.fcgi: HTTP 503 (after 2 retries)" in last
    assert snapshot(week.root) == before


def test_api_key_is_sent_and_never_printed(week, pubmed):
    out = cli(week, "journal", "--date", END, env={"NCBI_API_KEY": "ncbi-SENTINEL-123"})
    assert pubmed.searches[0]["api_key"] == "ncbi-SENTINEL-123"
    assert "SENTINEL" not in out.stdout + out.stderr
    assert not any(b"SENTINEL" in v for v in snapshot(week.root, ("data", "docs", "feeds", ".cache")).values())


def test_non_ascii_names_and_hostile_titles_are_inert(tmp_path, arxiv_server, pubmed, llm):
    xml = raw("pubmed6.xml")
    xml = xml.replace(b"<LastName>Garcia-Tabar</LastName>", "<LastName>García-Tabar 张</LastName>".encode())
    start = xml.index(b"<ArticleTitle>") + len(b"<ArticleTitle>")
    end = xml.index(b"</ArticleTitle>")
    hostile = "&lt;script&gt;alert(1)&lt;/script&gt; **bold** [x](javascript:alert(2)) &amp; {{ page }}".encode()
    pubmed.add_xml(xml[:start] + hostile + xml[end:], "2025-03-05")
    project = journal_project(tmp_path, arxiv_server, pubmed)
    cli(project, "journal", "--date", END, llm=llm)
    [a] = articles(record(project)).values()
    assert a["authors"][0] == "Ibai García-Tabar 张" and a["title"].startswith("<script>")
    cli(project, "build")
    html = (project.root / f"site/journal/2025/{END}/index.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert 'href="javascript:' not in html and "García-Tabar 张" in html
    for lang in ("zh", "en"):
        feed = feedparser.parse((project.root / f"feeds/{lang}/journal.atom.xml").read_bytes())
        assert not feed.bozo and "<script>" not in feed.entries[0].content[0].value


# ------------------------------------------------------------------ config and record validation


def test_query_and_config_errors_name_the_key(tmp_path):
    cfg = load_config(ROOT / "config.yml", env={})
    q = build_query(cfg.journal)
    assert q.startswith('("Radiology"[ta] OR "Eur Radiol"[ta]') and ") AND (" in q
    bad = yaml.safe_load((ROOT / "config.yml").read_text())
    bad["journal"].update(default_topic="astrology", date_type="week", jounals=[])
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True))
    with pytest.raises(Exception) as e:
        load_config(path, env={})
    text = str(e.value)
    assert "journal.default_topic: no such topic 'astrology'" in text
    assert "journal.date_type: expected one of edat, pdat, mdat" in text
    assert "journal.jounals: unknown key (did you mean 'journals'?)" in text
    assert load_config(ROOT / "config.yml", env={"NCBI_EUTILS_URL": "http://127.0.0.1:9/x"}).journal.eutils_url == "http://127.0.0.1:9/x/"


def test_journal_record_problems_name_file_pmid_and_field():
    cfg = load_config(ROOT / "config.yml", env={})
    good = JournalIssue.from_dict({"date": END, "start": "2025-03-01", "number": 1, "sections": []}).to_dict()
    path = f"data/journal/2025/{END}.yaml"
    assert check_record(JOURNAL, good, path, cfg) == []
    good["sections"] = [{"topic": "imaging", "articles": [
        {"pmid": 123, "title": "t", "journal": "J", "topic": "diagnosis", "edited": ["pmid"], "conclusion": "x",
         "relevance": 140}]}]
    problems = "\n".join(check_record(JOURNAL, good, path, cfg))
    assert "field pmid: expected a PMID in quotes" in problems
    assert "unknown field 'conclusion'" in problems
    assert "listed under section 'imaging'" in problems
    assert "edited: 'pmid' is not a field a run could overwrite" in problems
    assert "field relevance: expected a whole number 0-100, got 140" in problems
