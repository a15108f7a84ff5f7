"""Medical AI Daily (医学 AI 每日速递): the generator behind the bilingual medical-AI digest.

Pipeline: sources (arXiv RSS + API) -> select (keyword scoring) -> store (YAML
records in data/) -> render (Markdown pages, RSS/Atom feeds) -> site (MkDocs).
Run it as ``python -m generator --help``.
"""

__version__ = "0.1.0"
