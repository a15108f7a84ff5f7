"""Problems that fail ``validate`` but cannot hurt a run (see ``Advisory``)."""

from __future__ import annotations


class Advisory(str):
    """A problem that fails ``validate`` (so a pull request is fixed before it is merged) but cannot hurt a run:
    what the sanitiser neutralises in an editor's text, an id a highlights file names in vain.  Commands that write
    report it as a warning and go on - a merged note with a stray tag never costs the day's issue."""


def advisory(lines: list[str]) -> list[str]:
    return [Advisory(line) for line in lines]
