"""MkDocs hooks for Medical AI Daily.

* A page may name its own ``edit_url`` in front matter: generated issue pages
  point "edit this page" at their canonical record in data/, not at the page.
* After the build, the feeds (generated into ./feeds next to mkdocs.yml) are
  copied into the site so they are published with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def on_page_markdown(markdown, page, config, files):
    url = page.meta.get("edit_url")
    if url:
        page.edit_url = url
    return markdown


def on_post_build(config):
    feeds = Path(config.config_file_path).parent / "feeds"
    if feeds.is_dir():
        shutil.copytree(feeds, Path(config.site_dir) / "feeds", dirs_exist_ok=True)
