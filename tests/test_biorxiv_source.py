"""medRxiv/bioRxiv source: the saved API answers (../shared/corpus/raw/medrxiv) replayed through the loopback stand-in.

Byte-for-byte replays check the parser on real framing (``\\/`` escapes, trailing CRLFs, counts as numbers or strings);
the same records re-served in pages of 30 and 100 check the cursor; synthetic strings pin each cleaning rule.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from generator.http import FetchError
from generator.sources.biorxiv import (
    BiorxivClient, Preprint, clean_text, fetch_window, parse_page, parse_record, split_authors,
)
from generator.standin import BiorxivStandIn

from .conftest import require_shared
from .fault_scenarios import MEDRXIV_RAW, SCENARIOS, preprints_config, run_scenario

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "generator" / "sample" / "preprints-2025-03-05.json"

# name -> (server, window); every file holds page 0 (100 records) of a window holding more
CAPTURES = {
    "details_medrxiv_2024-01-01_2024-01-05_cursor0.api-medrxiv-org.json": ("medrxiv", "2024-01-01", "2024-01-05"),
    "details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json": ("medrxiv", "2026-01-01", "2026-04-11"),
    "details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json": ("biorxiv", "2026-01-01", "2026-04-11"),
}
JATS = re.compile(r"[OCM]_(?:LI|ST_ABS|SCPLOW|FIG|TBL|LINKSMALLFIG|FLOATNO|TABLECAPTION)|DTLVardef|FIGDIR|\{[a-z]+\}")


def capture(name: str) -> bytes:
    require_shared()
    return (MEDRXIV_RAW / name).read_bytes()


def records(name: str) -> list[dict]:
    return json.loads(capture(name))["collection"]


@pytest.fixture
def srv():
    with BiorxivStandIn() as server:
        yield server


def fetch(srv: BiorxivStandIn, server: str, lo: str, hi: str, **cfg):
    cfg = preprints_config(srv.api_url, servers=[server], **cfg)
    client = BiorxivClient(cfg, sleep=lambda s: None)
    return fetch_window(client, cfg, date.fromisoformat(lo), date.fromisoformat(hi))


def cursors(srv: BiorxivStandIn) -> list[int]:
    return [int(path.rstrip("/").split("/")[-1]) for path in srv.requests]


# --------------------------------------------------------------------------- the saved answers, byte for byte


@pytest.mark.parametrize("name", list(CAPTURES))
def test_saved_answer_every_record_parsed_and_total_overstated(srv, name):
    server, lo, hi = CAPTURES[name]
    srv.raw_pages[(server, 0)] = capture(name)  # page 0 as saved; the stand-in holds nothing after it
    window = fetch(srv, server, lo, hi)
    count = window.servers[server]
    raw = records(name)
    assert count.records == len(raw) == 100 and count.malformed == 0
    # total (161, 5256, 19585) promised more: the next cursor came back "no posts found" and ended the window
    assert count.total_reported > 100
    assert cursors(srv) == [0, 100] and count.pages == 2
    dois = {r["doi"] for r in raw}
    withdrawn = {r["doi"] for r in raw if r["type"] == "withdrawn"}
    assert {p.doi for p in window.preprints} == dois - withdrawn
    assert count.older_versions == len(raw) - len(dois) and count.withdrawn == len(withdrawn)
    assert count.kept == len(window.preprints) == len(dois) - len(withdrawn)


@pytest.mark.parametrize("name", list(CAPTURES))
def test_versions_deduplicated_highest_kept(srv, name):
    server, lo, hi = CAPTURES[name]
    srv.raw_pages[(server, 0)] = capture(name)
    by_doi = {p.doi: p for p in fetch(srv, server, lo, hi).preprints}
    highest: dict[str, int] = {}
    seen: dict[str, set[int]] = {}
    for r in records(name):
        highest[r["doi"]] = max(highest.get(r["doi"], 0), int(r["version"]))
        seen.setdefault(r["doi"], set()).add(int(r["version"]))
    twice = [d for d, v in seen.items() if len(v) > 1 and d in by_doi]
    assert twice, "each capture holds a DOI in two versions"
    for doi, p in by_doi.items():
        assert p.version == highest[doi]
        assert p.versions_seen == sorted(seen[doi])


def test_both_doi_prefixes_and_their_links(srv):
    name = "details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"
    srv.raw_pages[("medrxiv", 0)] = capture(name)
    preprints = fetch(srv, "medrxiv", "2026-01-01", "2026-04-11").preprints
    prefixes = {p.doi.split("/")[0] for p in preprints}
    assert prefixes == {"10.1101", "10.64898"}
    for p in preprints:
        assert p.server == "medrxiv"
        assert p.url == f"https://www.medrxiv.org/content/{p.doi}v{p.version}"
        assert p.pdf_url == p.url + ".full.pdf"


def test_fields_read_as_the_api_writes_them(srv):
    name = "details_medrxiv_2024-01-01_2024-01-05_cursor0.api-medrxiv-org.json"
    srv.raw_pages[("medrxiv", 0)] = capture(name)
    preprints = fetch(srv, "medrxiv", "2024-01-01", "2024-01-05").preprints
    assert any(p.published_doi for p in preprints) and any(p.published_doi is None for p in preprints)
    for p in preprints:
        r = max((x for x in records(name) if x["doi"] == p.doi), key=lambda x: int(x["version"]))
        assert p.posted == r["date"] and p.license == (r["license"] or None)
        assert p.category == r["category"].lower()
        assert p.published_doi == (None if r["published"] == "NA" else r["published"])
        assert p.corresponding_author == r["author_corresponding"].strip()
        names = [a.strip() for a in r["authors"].split(";") if a.strip()]
        assert len(p.authors) == len(names)
        family, _, given = names[0].partition(", ")
        assert p.authors[0] == (f"{given} {family}" if given and "," not in given else names[0])


def test_institution_cut_at_160_is_kept_and_marked():
    require_shared()
    flagged = kept = 0
    for name, (server, _, _) in CAPTURES.items():
        for r in records(name):
            p = parse_record(r, server)
            cut = len(r["author_corresponding_institution"]) >= 160
            assert p.institution_cut is cut
            assert p.corresponding_institution == " ".join(r["author_corresponding_institution"].split())
            flagged += cut
            kept += not cut
    assert flagged >= 3 and kept > 250


def test_published_journal_doi_from_a_doi_lookup():
    page = parse_page(capture("details_biorxiv_doi_10.1101-2022.09.11.507474.json"))
    [v1, v2] = [parse_record(r, "biorxiv") for r in page.records]
    assert (v1.version, v2.version) == (1, 2)
    assert v2.published_doi == "10.1038/s41564-023-01548-y" and v2.url.startswith("https://www.biorxiv.org/content/")


def test_every_abstract_and_title_is_clean_text():
    require_shared()
    braces = greek = 0
    for name, (server, _, _) in CAPTURES.items():
        for r in records(name):
            p = parse_record(r, server)
            assert not JATS.search(p.abstract), (p.doi, JATS.search(p.abstract).group(0))
            assert not JATS.search(p.title)
            if "{beta}" in r["abstract"]:
                greek += 1
                assert "β" in p.abstract
            braces += bool(re.search(r"\{[a-z]+\}", r["abstract"]))
    assert greek >= 3 and braces >= 10  # the captures do hold what is cleaned


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("page_size,extra,expect", [
    (30, 0, [0, 30, 60, 90]),  # cursor reaches total: no further request
    (100, 0, [0]),
    (30, 61, [0, 30, 60, 90, 100]),  # total overstated: the empty page ends it
    (100, 61, [0, 100]),
])
def test_cursor_advances_by_records_received(srv, page_size, extra, expect):
    name = "details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"
    srv.add_records("biorxiv", records(name))
    srv.page_size, srv.total_extra = page_size, extra
    window = fetch(srv, "biorxiv", "2026-01-01", "2026-04-11")
    assert cursors(srv) == expect
    srv.requests.clear()
    srv.raw_pages[("biorxiv", 0)] = capture(name)
    assert [(p.doi, p.version) for p in window.preprints] == [
        (p.doi, p.version) for p in fetch(srv, "biorxiv", "2026-01-01", "2026-04-11").preprints]


def test_short_page_loses_nothing(srv):
    srv.add_records("medrxiv", records("details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"))
    srv.int_counts = True  # api.medrxiv.org's numbers
    whole = fetch(srv, "medrxiv", "2026-01-01", "2026-04-11")
    srv.requests.clear()
    srv.faults["/details/medrxiv/2026-01-01/2026-04-11/30"] = ["short"]
    shortened = fetch(srv, "medrxiv", "2026-01-01", "2026-04-11")
    assert cursors(srv) == [0, 30, 40, 70, 100] or cursors(srv)[:3] == [0, 30, 40]
    assert [(p.doi, p.version) for p in shortened.preprints] == [(p.doi, p.version) for p in whole.preprints]


def test_window_dates_are_the_request(srv):
    srv.add_records("medrxiv", records("details_medrxiv_2024-01-01_2024-01-05_cursor0.api-medrxiv-org.json"))
    window = fetch(srv, "medrxiv", "2024-01-03", "2024-01-03")
    assert srv.requests[0] == "/details/medrxiv/2024-01-03/2024-01-03/0"
    assert window.preprints and {p.posted for p in window.preprints} == {"2024-01-03"}


def test_max_records_caps_a_runaway_cursor(srv):
    srv.add_records("biorxiv", records("details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"))
    window = fetch(srv, "biorxiv", "2026-01-01", "2026-04-11", max_records=50)
    assert window.servers["biorxiv"].capped and cursors(srv) == [0, 30]


def test_category_filter_and_priors_from_the_project_config(srv):
    from generator.config import load_config

    categories = load_config(ROOT / "config.yml", env={}).preprints.categories
    med = "details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"
    bio = "details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"
    srv.raw_pages[("medrxiv", 0)], srv.raw_pages[("biorxiv", 0)] = capture(med), capture(bio)
    window = fetch(srv, "biorxiv", "2026-01-01", "2026-04-11", categories=categories)
    count = window.servers["biorxiv"]  # bioRxiv: a filter
    assert count.off_category > 0 and count.kept == len(window.preprints) > 0
    for p in window.preprints:
        assert p.category in categories["biorxiv"] and p.prior == categories["biorxiv"][p.category]
    window = fetch(srv, "medrxiv", "2026-01-01", "2026-04-11", categories=categories)
    assert window.servers["medrxiv"].off_category == 0  # medRxiv: "*", every category read, some weighted
    for p in window.preprints:
        assert p.prior == categories["medrxiv"].get(p.category, categories["medrxiv"]["*"])
    assert any(p.category == "health informatics" and p.prior > 0 for p in window.preprints)
    assert any(p.category not in categories["medrxiv"] for p in window.preprints)


def test_both_servers_in_one_window_in_a_stable_order(srv):
    for server, name in (("medrxiv", "details_medrxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json"),
                         ("biorxiv", "details_biorxiv_2026-01-01_2026-04-11_cursor0.api-biorxiv-org.json")):
        srv.add_records(server, records(name))
    cfg = preprints_config(srv.api_url)
    window = fetch_window(BiorxivClient(cfg), cfg, date(2026, 1, 1), date(2026, 4, 11))
    servers = [p.server for p in window.preprints]
    assert servers == sorted(servers, key=["medrxiv", "biorxiv"].index) and set(servers) == {"medrxiv", "biorxiv"}
    for server in ("medrxiv", "biorxiv"):
        mine = [(p.posted, p.doi) for p in window.preprints if p.server == server]
        assert mine == sorted(mine)  # bioRxiv's pages are not in date order; the window is
    assert "medrxiv: 100 records in 4 pages" in window.summary()


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s.level == "source"], ids=lambda s: s.name)
def test_preprint_fault_scenario(scenario):
    require_shared()
    assert run_scenario(scenario) == ""


def test_plain_text_error_inside_200_is_retried_then_one_line(srv):
    srv.add_records("medrxiv", records("details_medrxiv_2024-01-01_2024-01-05_cursor0.api-medrxiv-org.json"))
    srv.faults["/details"] = ["error-text"] * 3
    with pytest.raises(FetchError) as e:
        fetch(srv, "medrxiv", "2024-01-01", "2024-01-05", retries=2)
    assert "\n" not in str(e.value) and "answer is not JSON ('Error : (2002) Connection refused')" in str(e.value)
    assert len(srv.requests) == 3


@pytest.mark.parametrize("body,problem", [
    (b"Error : (2002) Connection refused", "not JSON"),
    (b"<html><body>Service temporarily unavailable</body></html>", "not JSON"),
    (b'{"collection": []}', "no messages"),
    (b'{"messages": [{"status": "error: mysqli timeout"}], "collection": []}', "server says"),
    (b'{"messages": [{"status": "ok"}]}', "no collection"),
    (b'{"messages": [{"status": "ok", "total": "161"}], "collection": [', "not JSON"),
])
def test_a_200_that_is_not_the_page_is_a_value_error(body, problem):
    with pytest.raises(ValueError, match=problem):
        parse_page(body)


def test_no_posts_found_is_an_empty_page():
    page = parse_page(b'{"messages":[{"status":"no posts found"}], "collection":[]}')
    assert page.records == [] and page.status == "no posts found"


# --------------------------------------------------------------------------- cleaning rules, one by one


@pytest.mark.parametrize("raw,clean", [
    ("Effect size {beta} = 0.3, {+/-}2 at 37{degrees}C", "Effect size β = 0.3, ±2 at 37°C"),
    ("an estimated 132{square}000 fewer deaths", "an estimated 132\u2009000 fewer deaths"),
    ("{Delta}AUC {approx} 0.1 {micro}m, {unknownname} kept", "ΔAUC ≈ 0.1 µm, {unknownname} kept"),
    ("AO_SCPLOWBSTRACTC_SCPLOWWe present MO_SCPLOWEDC_SCPLOWPI, a benchmark.", "We present MEDPI, a benchmark."),
    ("SummaryO_ST_ABSBackgroundC_ST_ABSRegional teaching.", "Summary\n\nBackground: Regional teaching."),
    ("ClinicalO_ST_ABSWhat Is New?C_ST_ABSO_LIA trial.\nC_LIO_LIA second.\nC_LI",
     "Clinical\n\nWhat Is New?\n• A trial.\n• A second."),
    ("HighlightsO_LIOne.\nC_LIO_LITwo.\nC_LI\n\nMethodsWe did it.", "Highlights\n• One.\n• Two.\n\nMethods: We did it."),
    ("Text.\n\nGraphical abstract\n\nO_FIG O_LINKSMALLFIG WIDTH=200 SRC=\"FIGDIR/small/x.gif\">\nView larger version "
     "(49K):\norg.highwire.dtl.DTLVardef@735717_HPS_FORMAT_FIGEXP  M_FIG C_FIG", "Text."),
    ("Results.\n\nO_TBL View this table:\norg.highwire.dtl.DTLVardef@67506f M_TBL O_FLOATNOTable 1.C_FLOATNO C_TBL "
     "Next.", "Results.\n\nNext."),
    ("BACKGROUNDCardiorespiratory fitness", "BACKGROUND: Cardiorespiratory fitness"),
    ("Methods and analysisThis protocol", "Methods and analysis: This protocol"),
    ("OpenAI models and DeepMind\n\nPubMed searches", "OpenAI models and DeepMind\n\nPubMed searches"),
])
def test_cleaning_rule(raw, clean):
    assert clean_text(raw) == clean


def test_author_names_in_the_house_order():
    assert split_authors("Watson, O. J.; Tran, T. N.-A.; The COVID Consortium; ") == [
        "O. J. Watson", "T. N.-A. Tran", "The COVID Consortium"]


def test_records_without_what_a_listing_needs_are_skipped():
    good = {"doi": "10.64898/2599.03.05.000001", "title": "T", "version": "2", "date": "2025-03-05"}
    assert isinstance(parse_record(good, "medrxiv"), Preprint)
    for broken in ({**good, "doi": "2599.03.05"}, {**good, "title": " "}, {**good, "version": "v2"},
                   {**good, "date": "March 5"}, "not a record"):
        assert parse_record(broken, "medrxiv") is None


# --------------------------------------------------------------------------- the invented sample


def test_sample_preprints_parse_and_cannot_collide_with_real_dois(srv):
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    by_server: dict[str, list] = {}
    for r in doc["collection"]:
        by_server.setdefault(r["server"].lower(), []).append(r)
        assert re.fullmatch(r"10\.(1101|64898)/2599\.\d\d\.\d\d\.\d+", r["doi"]), r["doi"]  # year 2599: invented
    assert set(by_server) == {"medrxiv", "biorxiv"}
    for server, recs in by_server.items():
        srv.add_records(server, recs)
    cfg = preprints_config(srv.api_url)
    window = fetch_window(BiorxivClient(cfg), cfg, date(2025, 3, 4), date(2025, 3, 5))
    assert len(window.preprints) == len({r["doi"] for r in doc["collection"]})
    assert all(p.abstract and p.title and p.authors for p in window.preprints)
    assert any(p.published_doi for p in window.preprints) and any(p.version > 1 for p in window.preprints)
