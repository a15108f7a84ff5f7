"""The figures check for structured Chinese summaries: every result number of the English abstract must reappear.

A *result number* is a decimal (AUC 0.91, OR 1.72, p=.048 -> 0.048), a percentage (95%), a whole number of at
least 10 that is not a year (cohort sizes, counts), or any number written right after ``n =``.  Small integers
(enumerations "(1)", "3 readers") and years are left out: summaries legitimately reword them.  Numbers glued to
letters (rs401681, T2, p_trend) are identifiers, not figures.  Thousands separators are ignored (1,282 = 1282)
and full-width digits count (NFKC).
"""

from __future__ import annotations

import re
import unicodedata

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?|\.\d+)(\s*%)?")
_N_EQUALS = re.compile(r"\bn\s*[=:]\s*$", re.I)
_THOUSANDS = re.compile(r"(?<=\d)[,\u2009\u202f ](?=\d{3}(?!\d))")


def _normalise(text: str) -> str:
    return _THOUSANDS.sub("", unicodedata.normalize("NFKC", text))


def _canonical(num: str) -> str:
    return "0" + num if num.startswith(".") else num


def result_numbers(text: str) -> list[str]:
    """The figures of an English text, in order of appearance, once each."""
    text = _normalise(text)
    out: list[str] = []
    for m in _NUMBER.finditer(text):
        num, pct = _canonical(m.group(1)), bool(m.group(2))
        after_n = bool(_N_EQUALS.search(text[max(0, m.start() - 8) : m.start()]))
        if "." in num or pct or after_n:
            keep = True
        else:
            value = int(num)
            keep = value >= 10 and not 1900 <= value <= 2099
        if keep and num not in out:
            out.append(num)
    return out


def all_numbers(text: str) -> set[str]:
    """Every number written in a (Chinese or English) text."""
    return {_canonical(m.group(1)) for m in re.finditer(r"(\d+(?:\.\d+)?|\.\d+)", _normalise(text))}


def missing_numbers(english: str, chinese: str) -> list[str]:
    """Result numbers of ``english`` that ``chinese`` does not contain."""
    have = all_numbers(chinese)
    return [n for n in result_numbers(english) if n not in have]
