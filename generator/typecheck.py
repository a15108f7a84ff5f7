"""Field types checked from the data model's own annotations, so ``validate`` and ``from_dict`` agree by
construction: a record ``validate`` accepts loads and renders (a property test holds it).  Every message names the
file, the item and the field.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from dataclasses import MISSING, fields
from datetime import date as Date
from typing import Any, Callable

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}\Z")

@functools.cache
def _checker(hint: Any) -> Callable[[Any], bool]:
    """Whether a value (plain YAML data) is of the model's annotated type ``hint``: what from_dict and the renderers
    assume.  Built once per type, as closures: validate runs before every writing command, over the whole archive."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_checker(h) for h in args]
        return lambda v: any(ok(v) for ok in options)
    if origin is list:
        item = _checker(args[0])
        return lambda v: isinstance(v, list) and all(item(x) for x in v)
    if origin is dict:
        key, val = _checker(args[0]), _checker(args[1])
        return lambda v: isinstance(v, dict) and all(key(k) and val(x) for k, x in v.items())
    if hint is type(None):
        return lambda v: v is None
    if hint is float:  # an int is a number too; .nan and .inf are not; YAML's true/false are never numbers
        return lambda v: not isinstance(v, bool) and (isinstance(v, int) or isinstance(v, float) and math.isfinite(v))
    if hint is int:
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    return lambda v: isinstance(v, hint)


def _describe(hint: Any) -> str:
    """The expected type in an editor's words."""
    args = [h for h in typing.get_args(hint) if h is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return ("text" if args == [str] else _describe(args[0])) + " or null"
    if typing.get_origin(hint) is list:
        return "a list of text, like [a, b]" if args == [str] else f"a list of {_describe(args[0])}"
    if typing.get_origin(hint) is dict:
        return "a mapping of text: text" if args == [str, str] else "a mapping"
    return {str: "text (use '' for empty)", int: "a whole number", float: "a number"}.get(hint, hint.__name__)


def _shown(v: Any) -> str:
    return f"{type(v).__name__} {str(v)[:40]!r}"


@functools.cache
def _hints(cls: type) -> tuple[tuple[str, Any, Callable[[Any], bool]], ...]:
    """(field, annotated type, its checker) of a model class, in order (resolved once: get_type_hints costs ~0.5 ms a call)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name], _checker(hints[f.name])) for f in fields(cls))


@functools.cache
def _required_names(cls: type) -> tuple[str, ...]:
    """Fields without a default: from_dict cannot build the item without them."""
    return tuple(f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING)


def _field_types(cls: type, e: dict, where: str, own: set[str]) -> list[str]:
    """Each field of the model class ``cls`` that the item sets must have the annotated type; fields in ``own`` are
    left to the caller, which checks their values too (ranges, id patterns) with a message of its own."""
    return [f"{where}: field {name}: expected {_describe(hint)}, got {_shown(e[name])}"
            for name, hint, ok in _hints(cls) if name in e and name not in own and not ok(e[name])]


def _required(cls: type, e: dict, where: str) -> list[str]:
    return [f"{where}: required field {name!r} is missing" for name in _required_names(cls) if name not in e]


def _whole(e: dict, key: str, where: str, low: int, high: int | None = None, null: bool = False) -> list[str]:
    v = e.get(key)
    if v is None and (null or key not in e):
        return []
    if isinstance(v, bool) or not isinstance(v, int) or v < low or high is not None and v > high:
        span = f"{low}-{high}" if high is not None else f"from {low}"
        return [f"{where}: field {key}: expected a whole number {span}{', or null' if null else ''}, got {v!r}"[:300]]
    return []


def _date_problems(value: Any, what: str, text_only: bool = False) -> list[str]:
    """A real calendar day written YYYY-MM-DD (2025-02-30 is not one).  Unquoted, YAML reads it as a date, which the
    records accept where the model converts it (``text_only`` where it does not)."""
    if isinstance(value, Date) and not text_only and DATE_RE.match(str(value)):
        return []
    if not isinstance(value, str) or not DATE_RE.match(value):
        return [f"{what}: expected YYYY-MM-DD in quotes, got {value!r}"[:300]]
    try:
        Date.fromisoformat(value)
    except ValueError:
        return [f"{what}: {value} is not a day of the calendar"]
    return []
