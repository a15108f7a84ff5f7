from datetime import date, datetime, timezone

import pytest

from generator.http import FetchError
from generator.model import Paper
from generator.sources import arxiv as src
from generator.standin import rss_document

from .conftest import SHARED, require_shared


def P(pid, cats=("cs.CV",), atype="new", **kw):
    return Paper(id=pid, version=kw.pop("version", 1), title=kw.pop("title", f"Title {pid}"),
                 abstract=kw.pop("abstract", "An abstract."), authors=kw.pop("authors", ["Ann One", "Bo Two"]),
                 categories=list(cats), announce_type=atype, **kw)


def test_rss_url_appends_categories(project):
    cfg = project.cfg()
    assert src.rss_url(cfg.arxiv) == project.server.rss_base + "+".join(cfg.arxiv.categories)


def test_parse_rss_fields():
    doc = rss_document([P("2506.00001", ("eess.IV", "cs.CV"), "cross", license="http://creativecommons.org/licenses/by/4.0/",
                          doi="10.1000/x", journal_ref="J. Test 1 (2025)", title="A & B <i>", abstract="x < y & $a_b$")],
                       "2025-06-09", ["cs.CV"])
    ann = src.parse_feed(doc)
    assert ann.date == "2025-06-09"
    [p] = ann.papers
    assert (p.id, p.version, p.announce_type) == ("2506.00001", 1, "cross")
    assert p.title == "A & B <i>"  # literal, escaped only when rendered
    assert p.abstract == "x < y & $a_b$"
    assert p.authors == ["Ann One", "Bo Two"]
    assert p.categories == ["eess.IV", "cs.CV"]
    assert p.license.endswith("by/4.0/") and p.doi == "10.1000/x" and p.journal_ref == "J. Test 1 (2025)"


def test_parse_real_atom_variant_sample():
    require_shared()
    ann = src.parse_feed((SHARED / "corpus/raw/rss-atom-cs.AI-2025-08-20.xml").read_bytes())
    assert ann.date == "2025-08-20"
    first = ann.papers[0]
    assert first.id == "2508.13426" and first.version == 1 and first.announce_type == "cross"
    assert first.abstract.startswith("As large language models")
    assert first.authors[0] == "Chunhua Liu"
    assert first.categories == ["cs.CL", "cs.AI"]


def test_repeated_item_is_listed_once_newest_version():
    doc = rss_document([P("2506.00001", version=1), P("2506.00001", version=2), P("2506.00002")], "2025-06-09", ["cs.CV"])
    ann = src.parse_feed(doc)
    assert ann.raw_items == 3
    assert [(p.id, p.version) for p in ann.papers] == [("2506.00001", 2), ("2506.00002", 1)]


def test_empty_feed_is_an_announcement_without_papers():
    ann = src.parse_feed(rss_document([], "2025-06-07", ["cs.CV"]))
    assert ann.papers == [] and ann.date == "2025-06-07"


def test_not_a_feed_raises():
    with pytest.raises(ValueError):
        src.parse_feed(b"<html><body>Service unavailable</body></html>")


def test_fetch_is_one_request_and_retries_503(project):
    project.server.set_day("2025-06-09", [P("2506.00001"), P("2506.00002", ("q-bio.QM",)), P("2506.00003", ("math.AG",))])
    project.server.faults["/rss"] = [503, 503]
    cfg = project.cfg()
    ann = src.fetch_announcement(cfg.arxiv, session=None)
    assert sorted(p.id for p in ann.papers) == ["2506.00001", "2506.00002"]  # math.AG is not configured
    rss_requests = [r for r in project.server.requests if r.startswith("/rss/")]
    assert len(rss_requests) == 3  # two 503s, then the one real request


def test_fetch_gives_up_after_retries(project):
    project.server.faults["/rss"] = [503] * 10
    with pytest.raises(FetchError, match="HTTP 503"):
        src.fetch_announcement(project.cfg().arxiv)


def test_fetch_times_out(project):
    project.server.faults["/rss"] = ["hang"]
    cfg = project.cfg(timeout_seconds=0.5, retries=0)
    t = datetime.now(timezone.utc)
    with pytest.raises(FetchError):
        src.fetch_announcement(cfg.arxiv)
    assert (datetime.now(timezone.utc) - t).total_seconds() < 10


def test_metadata_lookup_in_batches(project):
    papers = [P(f"2506.{i:05d}", comment=f"c{i}", primary_category="eess.IV", cats=("cs.CV", "eess.IV")) for i in range(7)]
    project.server.set_day("2025-06-09", papers)
    cfg = project.cfg(api_batch_size=3)
    meta = src.fetch_metadata(cfg.arxiv, [p.id for p in papers])
    assert sorted(meta) == [p.id for p in papers]
    assert meta["2506.00004"].comment == "c4" and meta["2506.00004"].primary_category == "eess.IV"
    api = [r for r in project.server.requests if r.startswith("/api/")]
    assert len(api) == 3  # 3 + 3 + 1


def test_metadata_retries_503_and_empty_pages(project):
    papers = [P("2506.00001", comment="kept")]
    project.server.set_day("2025-06-09", papers)
    project.server.faults["/api"] = [503, "empty"]
    meta = src.fetch_metadata(project.cfg().arxiv, ["2506.00001"])
    assert meta["2506.00001"].comment == "kept"


def test_metadata_failure_leaves_papers_out_quietly(project):
    project.server.set_day("2025-06-09", [P("2506.00001")])
    project.server.faults["/api"] = [503] * 20
    assert src.fetch_metadata(project.cfg(retries=1).arxiv, ["2506.00001", "2506.99999"]) == {}


def test_submission_window_for_monday_and_wednesday():
    start, end = src.submission_window(date(2025, 6, 9))  # Monday: Thu 14:00 ET .. Fri 14:00 ET
    assert (start.isoformat(), end.isoformat()) == ("2025-06-05T18:00:00+00:00", "2025-06-06T18:00:00+00:00")
    start, end = src.submission_window(date(2025, 1, 8))  # Wednesday in winter (EST)
    assert (start.isoformat(), end.isoformat()) == ("2025-01-06T19:00:00+00:00", "2025-01-07T19:00:00+00:00")


def test_backfill_through_api(project):
    project.server.set_day("2025-06-09", [P("2506.00001", primary_category="cs.CV"), P("2506.00002", ("stat.ME", "cs.LG"), primary_category="stat.ME")])
    ann = src.search_day(project.cfg().arxiv, date(2025, 6, 9))
    assert ann.date == "2025-06-09"
    types = {p.id: p.announce_type for p in ann.papers}
    assert types == {"2506.00001": "new", "2506.00002": "cross"}
    q = [r for r in project.server.requests if "search_query" in r][0]
    assert "submittedDate" in q
