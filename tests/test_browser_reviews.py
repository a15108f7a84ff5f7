"""The review pages in headless Chromium: both interfaces, desktop and phone widths, light and dark, no console error,
hostile paper text inert, every paper link leading to its entry on an issue page."""

from __future__ import annotations

import pytest

from .test_browser import Page, browser, site  # noqa: F401  (the built site and the browser, shared fixtures)

PAGES = ["review/", "en/review/", "review/2025-Q2/", "en/review/2025-Q2/", "review/2024/", "en/review/2024/"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("path", PAGES)
def test_review_pages_render_in_both_languages_widths_and_schemes(site, browser, path, width, scheme):  # noqa: F811
    p = Page(browser, site, viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = p.goto(path)
        page.wait_for_load_state("load")
        lang = "en" if path.startswith("en/") else "zh"
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
        width_px, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width_px <= client, f"{path}: {width_px}px wide in a {client}px viewport"
        assert page.evaluate("window.__pwned") is None
        assert p.errors == []
    finally:
        p.close()


@pytest.mark.parametrize("path", ["review/2024-Q4/", "en/review/2024-Q4/"])
def test_review_paper_links_open_their_entries(site, browser, path):  # noqa: F811
    p = Page(browser, site)
    try:
        page = p.goto(path)
        page.wait_for_load_state("load")
        heading = "各专题推荐" if not path.startswith("en/") else "Recommendations per topic"
        assert heading in page.inner_text("article")
        hrefs = [a.get_attribute("href") for a in page.query_selector_all("article a[href*='issues/2024/2024-12-02/#']")]
        assert hrefs, "no paper link"
        for href in sorted(set(hrefs)):
            page.goto(p.base + path)
            page.click(f"article a[href='{href}']")
            page.wait_for_load_state("load")
            anchor = href.split("#", 1)[1]
            assert page.evaluate("a => document.getElementById(a) !== null", anchor), href
        assert page.evaluate("window.__pwned") is None and p.errors == []
    finally:
        p.close()
