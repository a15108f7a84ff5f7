"""Code and data links found in a paper's abstract and comments: GitHub, GitLab, Hugging Face, Zenodo.

Pure and strict: a link is kept only when it matches one of the known shapes, and it is rebuilt from the parts
that matched (``https://github.com/<owner>/<repo>``), so nothing else from the paper text reaches an ``href``.
"""

from __future__ import annotations

import re

_SEG = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9_])?"
_PATTERNS = [
    ("github", re.compile(rf"(?:https?://)?(?:www\.)?github\.com/({_SEG})/({_SEG})", re.I)),
    ("gitlab", re.compile(rf"(?:https?://)?(?:www\.)?gitlab\.com/({_SEG})/({_SEG})", re.I)),
    ("hf_dataset", re.compile(rf"(?:https?://)?huggingface\.co/datasets/({_SEG})/({_SEG})", re.I)),
    ("hf_space", re.compile(rf"(?:https?://)?huggingface\.co/spaces/({_SEG})/({_SEG})", re.I)),
    ("hf_model", re.compile(rf"(?:https?://)?huggingface\.co/(?!datasets/|spaces/|papers/|docs/|blog/)({_SEG})/({_SEG})", re.I)),
    ("zenodo", re.compile(r"(?:https?://)?(?:doi\.org/10\.5281/zenodo\.|zenodo\.org/(?:records?|doi/10\.5281/zenodo\.)/?)(\d{3,10})", re.I)),
]
_HOSTS = {"github": "github.com", "gitlab": "gitlab.com", "hf_dataset": "huggingface.co/datasets",
          "hf_space": "huggingface.co/spaces", "hf_model": "huggingface.co"}
LABELS = {"github": "GitHub", "gitlab": "GitLab", "hf_model": "HF model", "hf_dataset": "HF dataset",
          "hf_space": "HF Space", "zenodo": "Zenodo"}
_NOT_REPOS = {"features", "about", "orgs", "topics", "collections", "sponsors", "marketplace", "settings"}


def find_links(*texts: str | None) -> list[str]:
    """Canonical code/data URLs in the texts, in order of appearance, once each."""
    found: list[tuple[int, str]] = []
    seen: set[str] = set()
    for t_index, text in enumerate(texts):
        if not text:
            continue
        for kind, pattern in _PATTERNS:
            for m in pattern.finditer(text):
                if kind == "zenodo":
                    url = f"https://zenodo.org/records/{m.group(1)}"
                else:
                    owner, name = m.group(1), re.sub(r"\.git$", "", m.group(2))
                    if owner.lower() in _NOT_REPOS:
                        continue
                    url = f"https://{_HOSTS[kind]}/{owner}/{name}"
                key = url.lower()
                if key not in seen:
                    seen.add(key)
                    found.append((t_index * 1_000_000 + m.start(), url))
    return [url for _, url in sorted(found)]


def kind_of(url: str) -> str:
    for kind, host in sorted(_HOSTS.items(), key=lambda kv: -len(kv[1])):
        if url.startswith(f"https://{host}/"):
            return kind
    return "zenodo" if url.startswith("https://zenodo.org/") else "link"


def label_of(url: str) -> str:
    return LABELS.get(kind_of(url), "Link")
