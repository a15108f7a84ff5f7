"""Records that cannot hurt: what an editor's pull request puts in data/ is either refused by `validate` with a line
naming the file and field, or it loads and renders.  No record makes a command hang, eat memory or end in a traceback.
"""

from __future__ import annotations

import copy
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.config import load_config
from generator.model import Entry, JournalEntry
from generator.render import exports as exports_mod
from generator.render import search_index
from generator.render.site import Snapshot, build_all_feeds, compute_pages
from generator.store import MAX_RECORD_BYTES, RecordError, Store, dump_yaml, safe_load_record
from generator.validate import check_record, check_records
from generator.kinds.registry import DAILY, JOURNAL

ROOT = Path(__file__).resolve().parents[1]
DAY, WEEK_END = "2025-06-09", "2025-06-13"
ISSUE_REL, JOURNAL_REL = f"data/issues/2025/{DAY}.yaml", f"data/journal/2025/{WEEK_END}.yaml"


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


def paper(pid: str = "2506.05361", topic: str = "imaging") -> dict:
    """A daily entry with every field a run writes."""
    return {"id": pid, "version": 1, "announce_type": "new", "title": "Segmenting $x^2$ livers", "authors": ["A. Author"],
            "categories": ["cs.CV", "eess.IV"], "primary_category": "cs.CV", "abstract": "We segment livers.",
            "comment": "10 pages", "journal_ref": "Radiology 2025", "doi": "10.1000/xyz", "license": None,
            "topic": topic, "relevance": 80, "score": 6.0, "reason_zh": "医学影像", "reason_en": "Medical imaging",
            "title_zh": "肝脏分割", "summary_zh": "", "summary_en": "", "abstract_zh": "", "institutions": ["MIT"],
            "institutions_zh": ["麻省理工学院"], "code_links": ["https://github.com/a/b"], "editor_note": "",
            "llm_topic": "", "llm_relevance": None, "reason_llm_zh": "", "enriched_by": "", "glossary_missing": [],
            "hf_upvotes": 3, "hf_repo": "", "edited": []}


def issue_record(**top) -> dict:
    rec = {"schema": 1, "kind": "arxiv", "date": DAY, "number": 3, "editor_note": {"zh": "", "en": ""},
           "source": {"categories": ["cs.CV"], "candidates": 10}, "removed": [],
           "sections": [{"topic": "imaging", "papers": [paper()]}]}
    rec.update(top)
    return rec


def article(pmid: str = "39912345", topic: str = "imaging") -> dict:
    """A journal entry with every field a run writes."""
    return {"pmid": pmid, "title": "Deep learning for CT", "journal": "Radiology", "journal_iso": "Radiology",
            "authors": ["Li X"], "affiliations": ["Peking University"],
            "abstract": [{"label": "RESULTS", "category": "RESULTS", "text": "AUC 0.91 (n = 120)."}],
            "doi": "10.1148/radiol.1", "pmcid": None, "published": "2025-06-10", "citation": "2025;1(1):1-9",
            "publication_types": ["Journal Article"], "topic": topic, "relevance": 70, "reason_zh": "影像",
            "reason_en": "imaging", "title_zh": "", "objective_zh": "", "methods_zh": "", "results_zh": "",
            "conclusion_zh": "", "comment_ai_zh": "", "editor_comment": "", "llm_topic": "", "enriched_by": "",
            "numbers_missing": [], "edited": []}


def journal_record(**top) -> dict:
    rec = {"schema": 1, "kind": "journal", "date": WEEK_END, "start": "2025-06-07", "number": 1,
           "editor_note": {"zh": "", "en": ""}, "source": {"journals": ["Radiology"], "found": 1}, "removed": [],
           "also_on_arxiv": [{"pmid": "39900001", "doi": "10.1/a", "title": "T", "journal": "Radiology",
                              "arxiv_id": "2506.05361", "arxiv_date": DAY}],
           "sections": [{"topic": "imaging", "articles": [article()]}]}
    rec.update(top)
    return rec


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def render_everything(cfg, store: Store) -> None:
    """Every generated output, in memory: pages, feeds, the search index and the exports."""
    issues, journals = list(store.series(DAILY).all()), list(store.series(JOURNAL).all())
    snap = Snapshot.load(store)
    compute_pages(cfg, snap)
    build_all_feeds(cfg, snap)
    search_index.build_index(cfg, issues, journals)
    exports_mod.build_exports(cfg, issues, journals)


def test_the_sample_records_are_valid_and_render(cfg, tmp_path):
    assert check_record(DAILY, issue_record(), ISSUE_REL, cfg) == []
    assert check_record(JOURNAL, journal_record(), JOURNAL_REL, cfg) == []
    store = Store(tmp_path / "data", tmp_path / "cache")
    write(tmp_path / ISSUE_REL, dump_yaml(issue_record()))
    write(tmp_path / JOURNAL_REL, dump_yaml(journal_record()))
    render_everything(cfg, store)


# ------------------------------------------------------------------------------------------ item 8: YAML that expands

def alias_bomb(levels: int = 9) -> str:
    """The "billion laughs": ten references per level, 10**levels strings once expanded, about 5 KB on disk."""
    lines = ['  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return textwrap.dedent(f"""\
        schema: 1
        kind: arxiv
        date: '{DAY}'
        number: 1
        source:
          categories: *l{levels}
        """).replace("source:\n", "source:\n" + "\n".join(lines) + "\n") + "removed: []\nsections: []\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_an_alias_bomb_is_refused_in_a_moment_and_in_little_memory(tmp_path):
    bomb = alias_bomb()
    assert len(bomb) < 6000
    root = tmp_path / "project"
    from generator.demo import copy_skeleton

    copy_skeleton(root)
    write(root / ISSUE_REL, bomb)
    script = textwrap.dedent(f"""\
        import time
        from pathlib import Path
        from generator.config import load_config
        from generator.store import Store
        from generator.validate import check_records
        cfg = load_config(Path({str(root / 'config.yml')!r}), env={{}})
        t = time.monotonic()
        n, problems = check_records(cfg, Store.of(cfg))
        print(f"{{time.monotonic() - t:.3f}}")
        print("\\n".join(problems))
        """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), preexec_fn=_limit_memory)
    assert proc.returncode == 0, proc.stderr[-2000:]
    elapsed, *problems = proc.stdout.splitlines()
    assert float(elapsed) < 2.0
    assert any(p.startswith(ISSUE_REL) and "line 6" in p and "anchor" in p for p in problems), problems


@pytest.mark.parametrize("text,line", [
    ("a: &x 1\nb: *x\n", 1),
    ("a: 1\nb: [1, 2]\nc: &big\n  d: 1\n", 3),
    ("a: 1\n\nb: *undefined\n", 3),
    ("a: !!str &x 1\n", 1),
])
def test_every_anchor_or_alias_is_a_record_error_naming_file_and_line(text, line):
    with pytest.raises(RecordError) as err:
        safe_load_record(text, "data/x.yaml")
    msg = str(err.value)
    assert msg.startswith(f"data/x.yaml: line {line}:") and "\n" not in msg, msg


def test_text_that_only_looks_like_an_anchor_is_loaded():
    text = "a: 'R&D *and* &co'\nb: \"*x\"\nc: a & b * c\nd: |\n  &x *y\n"
    assert safe_load_record(text, "x.yaml") == {"a": "R&D *and* &co", "b": "*x", "c": "a & b * c", "d": "&x *y\n"}


@pytest.mark.parametrize("where", ["issues/2025/2025-06-09.yaml", "journal/2025/2025-06-13.yaml",
                                   "dropped/2025/2025-06-09.yaml", "highlights/2025-W24.yaml", "status.yaml"])
def test_every_loader_of_editor_files_refuses_aliases(tmp_path, where):
    store = Store(tmp_path / "data", tmp_path / "cache")
    write(store.data_dir / where, "date: &d '2025-06-09'\nother: *d\n")
    loaders = {"issues": lambda: store.load_raw(store.series(DAILY).paths()[0]),
               "journal": lambda: store.load_raw(store.series(JOURNAL).paths()[0]),
               "dropped": lambda: store.load_dropped(DAY), "highlights": store.highlight_edits,
               "status.yaml": store.load_status}
    with pytest.raises(RecordError, match="line 1: anchors and aliases"):
        loaders[where.split("/")[0]]()
    assert not list((tmp_path / "cache").rglob("*.json")), "nothing is cached of a refused record"


def test_a_record_file_over_the_size_cap_is_refused_before_it_is_parsed(tmp_path):
    store = Store(tmp_path / "data")
    path = write(store.series(DAILY).path(DAY), "a: '" + "x" * MAX_RECORD_BYTES + "'\n")
    with pytest.raises(RecordError) as err:
        store.load_raw(path)
    assert str(err.value) == f"{path}: {path.stat().st_size:,} bytes, more than the {MAX_RECORD_BYTES:,} a record " \
                             "file may have"
    assert MAX_RECORD_BYTES == 2 * 1024 * 1024


# ------------------------------------------------------------------------------- item 9: what validate let through

def _paper_set(**fields):
    return lambda r: r["sections"][0]["papers"][0].update(fields)


def _article_set(**fields):
    return lambda r: r["sections"][0]["articles"][0].update(fields)


@pytest.mark.parametrize("mutate,expected", [
    (_paper_set(doi=12345), "paper 2506.05361: field doi: expected text or null, got int"),
    (_paper_set(primary_category=5), "paper 2506.05361: field primary_category: expected text or null"),
    (_paper_set(comment=["a"]), "paper 2506.05361: field comment: expected text or null, got list"),
    (_paper_set(journal_ref=2025), "paper 2506.05361: field journal_ref: expected text or null"),
    (_paper_set(license={"url": "x"}), "paper 2506.05361: field license: expected text or null"),
    (_paper_set(score="high"), "paper 2506.05361: field score: expected a number"),
    (_paper_set(score=float("nan")), "paper 2506.05361: field score: expected a number"),
    (_paper_set(version=0), "paper 2506.05361: field version: expected a whole number from 1"),
    (_paper_set(reason_en=None), "paper 2506.05361: field reason_en: expected text"),
    (_paper_set(institutions_zh=[1]), "paper 2506.05361: field institutions_zh: expected a list of text"),
    (_paper_set(title_zh=True), "paper 2506.05361: field title_zh: expected text"),
    (lambda r: r["sections"][0]["papers"][0].pop("score"), "paper 2506.05361: required field 'score' is missing"),
    (lambda r: r.update(source={"candidates": "many"}), "source.candidates: expected a whole number from 0"),
    (lambda r: r.update(source=["cs.CV"]), "source: expected {categories: [...], candidates: N}"),
    (lambda r: r.update(kind="journal"), "kind: expected 'arxiv'"),
    (lambda r: r.update(date="2025-02-30"), "date: 2025-02-30 is not a day of the calendar"),
    (_paper_set(id="2506.05361\n"), "is not an arXiv id"),  # "$" would match before a final newline
])
def test_each_bad_field_of_a_paper_is_named(cfg, mutate, expected):
    rec = issue_record()
    mutate(rec)
    problems = check_record(DAILY, rec, ISSUE_REL, cfg)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(ISSUE_REL) and "\n" not in p for p in problems)


@pytest.mark.parametrize("mutate,expected", [
    (_article_set(doi=12345), "PMID 39912345: field doi: expected text or null, got int"),
    (_article_set(pmid="39912345\n"), "field pmid: expected a PMID"),
    (_article_set(abstract=[{"label": 5, "text": "x"}]), "field abstract: section 1: label: expected text or null"),
    (_article_set(abstract=[{"label": "R", "category": ["x"], "text": "x"}]), "section 1: category: expected text"),
    (_article_set(abstract=[{"label": "R", "text": 5}]), "field abstract: expected a list of"),
    (_article_set(authors="Li X"), "PMID 39912345: field authors: expected a list of text"),
    (_article_set(published=None), "PMID 39912345: field published: expected text"),
    (lambda r: r["sections"][0]["articles"][0].pop("journal_iso"), "required field 'journal_iso' is missing"),
    (lambda r: r["also_on_arxiv"][0].update(title=["x"]), "also_on_arxiv[0]: title: expected text, got list"),
    (lambda r: r["also_on_arxiv"][0].update(journal=5), "also_on_arxiv[0]: journal: expected text, got int"),
    (lambda r: r["also_on_arxiv"][0].update(doi=5), "also_on_arxiv[0]: doi: expected text or null"),
    (lambda r: r["also_on_arxiv"][0].update(arxiv_date=5), "also_on_arxiv[0]: arxiv_date: expected YYYY-MM-DD"),
    (lambda r: r["also_on_arxiv"][0].update(arxiv_id="../../x"), "also_on_arxiv[0]: arxiv_id: expected an arXiv id"),
    (lambda r: r["also_on_arxiv"][0].update(pmid=39900001), "also_on_arxiv[0]: pmid: expected a PMID in quotes"),
    (lambda r: r.update(start="2025-02-30"), "start: 2025-02-30 is not a day of the calendar"),
    (lambda r: r.update(start="2025-06-20"), "start 2025-06-20 is after date 2025-06-13"),
    (lambda r: r.update(source={"journals": "Radiology", "found": 1}), "source.journals: expected a list of text"),
])
def test_each_bad_field_of_a_journal_article_is_named(cfg, mutate, expected):
    rec = journal_record()
    mutate(rec)
    problems = check_record(JOURNAL, rec, JOURNAL_REL, cfg)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(JOURNAL_REL) and "\n" not in p for p in problems)


@pytest.mark.parametrize("mutate", [_paper_set(doi=12345), _paper_set(primary_category=5), _paper_set(comment=["a"]),
                                    _paper_set(journal_ref=2025)])
def test_the_bad_types_validate_let_through_did_crash_the_render(cfg, tmp_path, mutate):
    """Why the checks above matter: each of these values, once loaded, raises somewhere in pages, feeds or exports."""
    rec = issue_record()
    mutate(rec)
    write(tmp_path / ISSUE_REL, dump_yaml(rec))
    with pytest.raises((TypeError, AttributeError, ValueError)):
        render_everything(cfg, Store(tmp_path / "data"))


def test_an_unquoted_impossible_date_is_a_record_error_not_a_traceback(tmp_path):
    store = Store(tmp_path / "data")
    path = write(store.series(DAILY).path(DAY), dump_yaml(issue_record()).replace(f"date: '{DAY}'", "date: 2025-02-30"))
    with pytest.raises(RecordError, match=r"a value cannot be read: day is out of range for month"):
        store.load_raw(path)


def project_with(tmp_path, files: dict[str, object]):
    """A project folder whose data/ holds ``files`` (relative path -> record), checked by check_records."""
    from generator.demo import copy_skeleton

    copy_skeleton(tmp_path)
    for rel, rec in files.items():
        write(tmp_path / rel, rec if isinstance(rec, str) else dump_yaml(rec))
    cfg = load_config(tmp_path / "config.yml", env={})
    return cfg, Store(tmp_path / "data")


def test_a_record_in_the_wrong_year_folder_is_named(tmp_path):
    """Two records for one day (the right one and a copy under 1999/) would both render to one page."""
    wrong = "data/issues/1999/2025-06-09.yaml"
    cfg, store = project_with(tmp_path, {ISSUE_REL: issue_record(), wrong: issue_record(number=4)})
    _, problems = check_records(cfg, store)
    assert problems == [f"{wrong}: date 2025-06-09 does not match the file's name and folder; this record belongs in "
                        f"data/issues/2025/2025-06-09.yaml"]


def test_a_record_outside_the_year_folders_is_named(tmp_path):
    cfg, store = project_with(tmp_path, {"data/issues/2025-06-09.yaml": issue_record()})
    _, problems = check_records(cfg, store)
    assert problems == ["data/issues/2025-06-09.yaml: not read: records are named data/issues/YYYY/YYYY-MM-DD.yaml"]


@pytest.mark.parametrize("edit,expected", [
    ({"pinned": ["2506.99999"]}, "pinned: 2506.99999 is not a paper of any issue (a typo in the id?)"),
    ({"comments": {"2506.99999": "good"}}, "comments: 2506.99999 is not a paper of any issue"),
    ({"removed": ["2506.99999"]}, "removed: 2506.99999 is not a paper of any issue"),
    ({"pinned": ["2506.05361"]}, "pinned: 2506.05361 is a paper of week 2025-W24, not 2025-W25; name it in "
                                 "data/highlights/2025-W24.yaml instead"),
])
def test_unknown_ids_in_a_highlights_file_are_named(tmp_path, edit, expected):
    week = "2025-W25" if "week" in expected else "2025-W24"
    cfg, store = project_with(tmp_path, {ISSUE_REL: issue_record(), f"data/highlights/{week}.yaml": edit})
    _, problems = check_records(cfg, store)
    assert len(problems) == 1 and problems[0].startswith(f"data/highlights/{week}.yaml: {expected}"), problems


def test_highlights_of_the_weeks_own_papers_pass(tmp_path):
    rec = issue_record(removed=["2506.00001"])
    edit = {"pinned": ["2506.05361"], "removed": ["2506.00001"], "comments": {"2506.05361": "必读"}}
    cfg, store = project_with(tmp_path, {ISSUE_REL: rec, "data/highlights/2025-W24.yaml": edit})
    assert check_records(cfg, store)[1] == []


def test_a_bad_dropped_file_is_named(tmp_path):
    dropped = {"date": DAY, "dropped": [{"id": "2506.00002", "title": ["x"], "topic": None, "relevance": "high",
                                         "reason_zh": "", "reason_en": ""}]}
    cfg, store = project_with(tmp_path, {ISSUE_REL: issue_record(), f"data/dropped/2025/{DAY}.yaml": dropped})
    _, problems = check_records(cfg, store)
    rel = f"data/dropped/2025/{DAY}.yaml: dropped[0]"
    assert problems == [f"{rel}: field relevance: expected a whole number 0-100, got 'high'",
                        f"{rel}: field title: expected text (use '' for empty), got list \"['x']\""]


# ----------------------------------------------------------------------- property: accepted means it renders

DELETE = object()
ODD_TEXT = ["", " ", "2025-02-30", DAY, "1999-01-01", "imaging", "diagnosis", "arxiv", "journal", "2506.05361",
            "39912345", "0", "-1", "null", "../../../x", "<script>alert(1)</script>", "javascript:alert(1)",
            "$\\frac{a}{b}$", "a} @misc{x,", "\u202eevil", "x" * 500, "第 1 期", "{{ page }}", "```", "\\"]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.sampled_from(ODD_TEXT)
scalar = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.sampled_from([0, 1, 100, 101, -1])
          | st.floats(allow_nan=True, allow_infinity=True) | text)
value = scalar | st.lists(scalar, max_size=3) | st.dictionaries(text, scalar, max_size=3) | st.just(DELETE)

PAPER = ("sections", 0, "papers", 0)
ARTICLE = ("sections", 0, "articles", 0)
COMMON = [("date",), ("number",), ("kind",), ("schema",), ("editor_note",), ("editor_note", "zh"), ("source",),
          ("removed",), ("sections",), ("sections", 0), ("sections", 0, "topic")]
DAILY_TARGETS = COMMON + [("source", "candidates"), ("source", "categories"), ("sections", 0, "papers"), PAPER] + [
    PAPER + (f,) for f in Entry.field_names()]
JOURNAL_TARGETS = COMMON + [("start",), ("source", "found"), ("source", "journals"), ("also_on_arxiv",),
                            ("also_on_arxiv", 0), ("sections", 0, "articles"), ARTICLE, ARTICLE + ("abstract", 0)] + [
    ARTICLE + (f,) for f in JournalEntry.field_names()] + [
    ARTICLE + ("abstract", 0, k) for k in ("label", "category", "text")] + [
    ("also_on_arxiv", 0, k) for k in ("pmid", "doi", "title", "journal", "arxiv_id", "arxiv_date")]


def typed(hint) -> st.SearchStrategy:
    """Values of the annotated type, odd in content: what an editor who keeps the types could still write."""
    import types
    import typing

    args = [h for h in typing.get_args(hint) if h is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return st.none() | typed(args[0])
    if typing.get_origin(hint) is list:
        return st.lists(typed(args[0]), max_size=3)
    if typing.get_origin(hint) is dict:
        return st.dictionaries(st.sampled_from(["label", "category", "text"]), text, max_size=3)
    return {str: text, int: st.integers(0, 2**70) | st.sampled_from([0, 1, 50, 100]),
            float: st.floats(allow_nan=False, allow_infinity=False)}[hint]


def changes_for(targets: list[tuple], model: type) -> st.SearchStrategy:
    """1-3 (where, new value) pairs; half of the values keep the field's type."""
    import typing

    hints = {k: v for k, v in typing.get_type_hints(model).items() if k in model.field_names()}

    def one(where: tuple) -> st.SearchStrategy:
        field = where[-1] if len(where) == 5 and isinstance(where[-1], str) else None
        kind = typed(hints[field]) if field in hints else text if isinstance(where[-1], str) else value
        return st.tuples(st.just(where), kind | value)

    return st.lists(st.sampled_from(targets).flatmap(one), min_size=1, max_size=3)


def mutated(record: dict, changes: list[tuple[tuple, object]]) -> dict:
    rec = copy.deepcopy(record)
    for where, new in changes:
        parent: object = rec
        for key in where[:-1]:
            try:
                parent = parent[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                break
        else:
            try:
                if new is DELETE:
                    del parent[where[-1]]  # type: ignore[attr-defined]
                else:
                    parent[where[-1]] = new  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                pass
    return rec


def accepted_records_render(cfg, kind: str, changes) -> bool:
    """Write the mutated record as an editor would, validate it as `validate` does, and when it is accepted, load and
    render everything from it.  True when it was accepted."""
    import tempfile

    base, rel, check = ((issue_record(), ISSUE_REL, lambda *a: check_record(DAILY, *a)) if kind == "daily"
                        else (journal_record(), JOURNAL_REL, lambda *a: check_record(JOURNAL, *a)))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        path = write(Path(tmp) / rel, dump_yaml(mutated(base, changes)))
        try:
            raw = store.load_raw(path)
        except RecordError as e:
            assert "\n" not in str(e)
            return False
        problems = check(raw, rel, cfg)
        assert all(p.startswith(rel) and "\n" not in p for p in problems), problems
        if problems:
            return False
        render_everything(cfg, store)
        return True


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@PROPERTY
@given(changes=changes_for(DAILY_TARGETS, Entry))
def test_any_daily_record_validate_accepts_loads_and_renders(cfg, changes):
    event("accepted" if accepted_records_render(cfg, "daily", changes) else "refused")


@PROPERTY
@given(changes=changes_for(JOURNAL_TARGETS, JournalEntry))
def test_any_journal_record_validate_accepts_loads_and_renders(cfg, changes):
    event("accepted" if accepted_records_render(cfg, "journal", changes) else "refused")


@pytest.mark.parametrize("kind,changes", [
    ("daily", [(PAPER + ("title",), "<script>alert(1)</script>"), (PAPER + ("doi",), None)]),
    ("daily", [(PAPER + ("hf_upvotes",), 2**70), (PAPER + ("score",), -1e300), (("number",), 2**70)]),
    ("daily", [(PAPER + ("title_zh",), DELETE), (("source",), DELETE), (("editor_note",), {"zh": None})]),
    ("journal", [(ARTICLE + ("abstract", 0, "label"), None), (("also_on_arxiv", 0, "doi"), None)]),
    ("journal", [(ARTICLE + ("abstract",), []), (("also_on_arxiv",), []), (("start",), DELETE)]),
])
def test_edits_validate_accepts_do_render(cfg, kind, changes):
    """The property's accepted side is not empty: odd but valid edits pass and render."""
    assert accepted_records_render(cfg, kind, changes)


@pytest.mark.parametrize("text", ["a: " + "[" * 200_000 + "]" * 200_000 + "\n",  # libyaml: 65 s
                                  "a: " + "[" * 100_000 + "]" * 100_000 + "\n",  # a full load: the C stack overflows
                                  "a:\n" + "".join("  " * i + "- \n" for i in range(40))])
def test_deep_nesting_is_refused_at_once_not_after_minutes_or_a_crash(tmp_path, text):
    """In a subprocess: before this check the 100,000-deep record killed the interpreter (SIGSEGV)."""
    path = write(tmp_path / ISSUE_REL, text)
    script = textwrap.dedent(f"""\
        import time
        from pathlib import Path
        from generator.store import RecordError, Store
        t = time.monotonic()
        try:
            Store(Path({str(tmp_path / 'data')!r})).load_raw(Path({str(path)!r}))
        except RecordError as e:
            print(f"{{time.monotonic() - t:.3f}}", e)
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), preexec_fn=_limit_memory)
    assert proc.returncode == 0, proc.stderr[-2000:]
    elapsed, message = proc.stdout.split(" ", 1)
    assert float(elapsed) < 1.0
    assert f": line {1 if text.startswith('a: [') else 33}: nested more than 32 levels deep" in message
