"""HTTP helpers shared by the sources: timeouts everywhere, bounded retries.

Retries cover connection errors, timeouts, 429 and 5xx.  A ``Retry-After``
header (seconds) is honoured up to ``max_wait``; otherwise the wait grows
exponentially from ``backoff`` seconds.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import requests

log = logging.getLogger(__name__)

USER_AGENT = "medical-ai-daily/0.1 (+https://github.com/; static newsletter generator)"
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A remote could not be read after all retries; the message is one line.  ``status``: the last HTTP status."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
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
