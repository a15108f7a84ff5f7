"""Code and data links found in abstracts and comments."""

from __future__ import annotations

import re

from generator.links import find_links, label_of
from generator.model import Entry, DailyIssue, Paper, Section, Selection
from generator.render.pages import issue_page

from .conftest import LISTINGS, require_shared


def test_known_hosts_are_found_and_canonicalised():
    text = ("Code: https://github.com/foo/bar-baz. Data at huggingface.co/datasets/org/ds_1 and the model "
            "(https://huggingface.co/org/model-v2), zenodo.org/records/123456, doi.org/10.5281/zenodo.7654321; "
            "not github.com/features/actions or huggingface.co/papers/2506.1; again GitHub.com/Foo/Bar-Baz.git")
    assert find_links(text, "Comment: code at https://gitlab.com/grp/proj") == [
        "https://github.com/foo/bar-baz", "https://huggingface.co/datasets/org/ds_1", "https://huggingface.co/org/model-v2",
        "https://zenodo.org/records/123456", "https://zenodo.org/records/7654321", "https://gitlab.com/grp/proj"]
    assert [label_of(u) for u in find_links(text)][:3] == ["GitHub", "HF dataset", "HF model"]


def test_hostile_text_cannot_shape_an_href():
    links = find_links('see github.com/a/b"onmouseover="alert(1) and javascript://github.com/x/y<script>')
    assert links == ["https://github.com/a/b", "https://github.com/x/y"]
    p = Paper(id="2506.00001", version=1, title="t", abstract='github.com/a/b"><script>x</script>', authors=[],
              categories=["cs.CV"])
    e = Entry.from_paper(p, Selection(True, "imaging", 80, 5.0, "r", "r"))
    from generator.config import load_config
    from pathlib import Path

    cfg = load_config(Path(__file__).resolve().parents[1] / "config.yml", env={})
    html = issue_page(DailyIssue("2025-06-09", 1, [Section("imaging", [e])]), cfg).fragments
    assert '<a class="badge badge-code" href="https://github.com/a/b" title="https://github.com/a/b">GitHub</a>' in html
    assert "<script>x" not in html


def test_every_repository_mentioned_in_the_corpus_is_found():
    require_shared()
    from generator.corpus import load_listing

    missed, found = [], 0
    for path in sorted(LISTINGS.glob("*.jsonl")):
        for p in load_listing(path):
            text = f"{p.abstract} {p.comment or ''}"
            wanted = {f"{o}/{r}".lower().removesuffix(".git") for o, r in
                      re.findall(r"github\.com/([\w.-]+)/([\w-]+(?:\.[\w-]+)*)", text) if o.lower() != "features"}
            got = {u.split("github.com/")[1].lower() for u in find_links(p.abstract, p.comment) if "github.com/" in u}
            found += len(got)
            missed += sorted(w for w in wanted if w.rstrip(".-") not in got)  # "E-" at a broken line end
    assert found > 400 and missed == []


def test_links_to_the_sites_own_address_become_relative_to_the_page():
    from generator.layout import relative_to_page

    html = ('<a href="https://x.org/d/feeds/zh/a.rss.xml">RSS</a> <img src="https://x.org/d/assets/i.png"> '
            '<a href="https://x.org/dx">other site</a> <a href="https://other.org/d/">elsewhere</a>')
    assert relative_to_page(html, "https://x.org/d/", "issues/2025/2025-03-03/") == (
        '<a href="../../../feeds/zh/a.rss.xml">RSS</a> <img src="../../../assets/i.png"> '
        '<a href="https://x.org/dx">other site</a> <a href="https://other.org/d/">elsewhere</a>')
    assert relative_to_page('<a href="https://x.org/d/en/">', "https://x.org/d/", "") == '<a href="./en/">'
    assert relative_to_page('<a href="https://x.org/d/">', "https://x.org/d/", "en/subscribe/") == '<a href="../../">'
    assert relative_to_page('<a href="https://x.org/d/a">', "", "en/") == '<a href="https://x.org/d/a">'
    shown = '<code>href=&quot;https://x.org/d/x&quot;</code> <code>href="https://x.org/d/x"</code>'
    assert relative_to_page(shown, "https://x.org/d/", "en/") == shown  # text showing an attribute is not a link
    assert relative_to_page('<a class="x" title="t" href="https://x.org/d/y">', "https://x.org/d/", "en/") == (
        '<a class="x" title="t" href="../y">')
