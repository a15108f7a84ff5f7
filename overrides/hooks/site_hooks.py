"""MkDocs hooks for Medical AI Daily.

* A page may name its own ``edit_url`` in front matter: generated issue pages
  point "edit this page" at their canonical record in data/, not at the page.
* Issue pages keep their (already escaped) entry HTML in a sidecar file named by the
  ``fragments`` front-matter key; each fragment replaces its placeholder comment after
  Markdown has run, so Markdown never parses thousands of raw HTML blocks.
* Links in a page's content to the site's own address become relative to the page, so a copy served elsewhere
  (the demo on another port) keeps working.
* After the build, the feeds (generated into ./feeds next to mkdocs.yml) are
  copied into the site so they are published with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from generator import layout  # the markers and the feeds folder, as render writes them


def on_page_markdown(markdown, page, config, files):
    url = page.meta.get("edit_url")
    if url:
        page.edit_url = url
    return markdown


def on_page_content(html, page, config, files):
    name = page.meta.get("fragments")
    if name:
        path = Path(page.file.abs_src_path).parent / name
        parts = layout.FRAGMENT_RE.split(path.read_text(encoding="utf-8"))
        fragments = dict(zip(parts[1::2], parts[2::2]))
        html = layout.PLACEHOLDER_RE.sub(lambda m: fragments.get(m.group(1), ""), html)
    return layout.relative_to_page(html, config.site_url or "", page.url)


def on_post_build(config):
    feeds = Path(config.config_file_path).parent / layout.FEEDS
    if feeds.is_dir():
        shutil.copytree(feeds, Path(config.site_dir) / layout.FEEDS, dirs_exist_ok=True)
