"""HTTP helpers shared by the sources: timeouts everywhere, bounded retries, and keys kept out of every log line.

Retries cover connection errors, timeouts, 429 and 5xx.  A ``Retry-After``
header (seconds) is honoured up to ``max_wait``; otherwise the wait grows
exponentially from ``backoff`` seconds.

``install_redaction()`` masks secrets in everything logged, at every verbosity: with ``-v`` urllib3 logs each request
line with its query string (NCBI's ``api_key=``), and openai/httpx log requests too.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Callable

import requests

log = logging.getLogger(__name__)

USER_AGENT = "medical-ai-daily/0.1 (+https://github.com/; static newsletter generator)"
RETRY_STATUS = {429, 500, 502, 503, 504}


# the environment variables whose values are secrets, besides any named *_KEY, *_TOKEN, *_PASSWORD or *_SECRET
SECRET_ENV = ("LLM_API_KEY", "NCBI_API_KEY", "SMTP_PASSWORD", "SMTP_USER", "GITHUB_TOKEN", "EMAIL_TO")
_SECRET_SUFFIXES = ("_KEY", "_TOKEN", "_PASSWORD", "_SECRET")
# key=value in URLs, query strings and headers; a bearer or basic credential
_SECRET_PARAM = re.compile(r"(?i)\b((?:api_?key|access_token|token|key|password|passwd|secret)=)[^&\s\"'#;,)]+")
_SECRET_AUTH = re.compile(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=:-]{6,}")
MASK = "***"


def _secret_values(env: dict[str, str]) -> list[str]:
    """The literal secrets in ``env``, longest first (a value shorter than 6 characters would mask ordinary words)."""
    values: set[str] = set()
    for name, value in env.items():
        if name in SECRET_ENV or name.endswith(_SECRET_SUFFIXES):
            parts = re.split(r"[,;\s]+", value) if name == "EMAIL_TO" else [value]
            values.update(v.strip().strip("<>") for v in parts if len(v.strip().strip("<>")) >= 6)
    return sorted(values, key=len, reverse=True)


def _mask(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, MASK)
    text = _SECRET_PARAM.sub(lambda m: m.group(1) + MASK, text)
    return _SECRET_AUTH.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


def redact(text: str, env: dict[str, str] | None = None) -> str:
    """``text`` with every secret masked: ``api_key=…``/``key=…``/``token=…`` values, ``Bearer …`` credentials and the
    literal values of the secret environment variables."""
    return _mask(text, _secret_values(os.environ if env is None else env))


class RedactingFilter(logging.Filter):
    """Masks secrets in a record before any handler formats it: the message with its arguments, and a traceback."""

    def __init__(self, env: dict[str, str] | None = None):
        super().__init__()
        self.secrets = _secret_values(os.environ if env is None else env)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: log what it was given, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = _mask(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _mask(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = _mask(record.stack_info, self.secrets)
        return True


def install_redaction(env: dict[str, str] | None = None) -> None:
    """Put a ``RedactingFilter`` on every handler of the root logger (where every logger's records end up), once.

    A filter on a logger would miss records that propagate from child loggers (urllib3, openai, httpx); a handler
    filter sees them all.  Call after the handlers exist (``logging.basicConfig``).
    """
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(old)
        handler.addFilter(RedactingFilter(env))


class FetchError(Exception):
    """A remote could not be read after all retries; the message is one line, secrets masked.  ``status``: the last
    HTTP status."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(redact(message))
        self.status = status


class TimeoutSession(requests.Session):
    """A session whose requests always carry a timeout (the arxiv client sets none).

    ``timeout`` bounds connecting and each read, and also the whole body: a server that drips bytes slowly enough to
    never trip a per-read timeout is cut off once the body has taken ``timeout`` seconds.
    """

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        if kwargs.pop("stream", False):
            return super().request(method, url, stream=True, **kwargs)
        start = time.monotonic()
        resp = super().request(method, url, stream=True, **kwargs)
        chunks = []
        try:
            for chunk in resp.iter_content(65536):
                chunks.append(chunk)
                if time.monotonic() - start > self.timeout:
                    raise requests.Timeout(f"body of {url} took longer than {self.timeout:g}s")
        finally:
            resp.close()
        resp._content = b"".join(chunks)  # what requests itself does when it reads a body
        resp._content_consumed = True
        return resp


def _retry_after(resp: requests.Response | None) -> float | None:
    if resp is None:
        return None
    value = resp.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def get(
    url: str,
    *,
    session: requests.Session | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    params: dict | None = None,
) -> requests.Response:
    """GET ``url``; return the 200 response or raise FetchError after ``retries`` retries."""
    session = session or TimeoutSession(timeout)
    if not isinstance(session, TimeoutSession):
        raise TypeError("http.get needs a TimeoutSession")
    last, status = "", None
    for attempt in range(retries + 1):
        resp = None
        try:
            resp = session.get(url, timeout=timeout, params=params)
            if resp.status_code == 200:
                return resp
            last, status = f"HTTP {resp.status_code}", resp.status_code
            if resp.status_code not in RETRY_STATUS:
                break
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as e:
            last, status = f"{type(e).__name__}", None
        if attempt < retries:
            wait = _retry_after(resp)
            if wait is None:
                wait = backoff * (2**attempt)
            wait = min(wait, max_wait)
            log.info("%s from %s; retry %d/%d in %.1fs", last, url, attempt + 1, retries, wait)
            sleep(wait)
    raise FetchError(f"{url}: {last} (after {retries} retries)", status)
