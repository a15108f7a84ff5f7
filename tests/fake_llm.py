"""A fake OpenAI-compatible server on 127.0.0.1: ``POST /v1/chat/completions``.

It answers like a well-behaved model: it reads the paper out of the prompt and
returns a valid enrichment JSON (deterministic, with the glossary terms the
prompt lists).  Faults are scripted per paper id (or ``"*"`` for every paper),
consumed one per request:

    "429"          429 with Retry-After: 0            "500"      a 500
    "slow"         answer after ``slow_seconds``       "malformed" content that is not JSON
    "schema"       JSON with a wrong topic and no summary_zh
    "placeholder"  "Summary generation failed" text    "leak"     repeats the system prompt
    "noglossary"   a valid answer without the glossary terms

A paper whose abstract contains "ignore previous instructions" gets the "leak"
answer every time, as an obedient model would.

Review clusters (the ``<<<CLUSTER`` prompt, scripted under the key ``"review"``) get a theme paragraph citing the
cluster's first two papers as ``[[id]]`` with numbers from their summaries; the hostile modes are ``"invent"`` (also
cites an id no archive holds and names a made-up title in 《》), ``"foreign"`` (also cites ``server.foreign_id``, a
real paper outside the cluster), ``"number"`` (changes a figure: 0.999 and 99.9%), ``"bareid"`` (names a cluster
paper's id without brackets) and ``"notjson"``.

Journal articles (the ``<<<ARTICLE`` prompt) get a structured summary whose 结果 carries the English results
text, so every figure is kept; ``"dropnumbers"`` answers with a 结果 that has no numbers at all.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, latency: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.slow_seconds = 5.0
        self.script: dict[str, list[str]] = {}
        self.relevance: dict[str, int] = {}
        self.topic: dict[str, str] = {}
        # True: every answer names a topic other than the keyword topic (the next one in TOPIC_CYCLE)
        self.shift_topics = False
        self.foreign_id = "2506.00000"  # the paper a "foreign" review answer cites from outside its cluster
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def calls_for(self, pid: str) -> int:
        return sum(1 for r in self.requests if _paper(r).get("id") == pid)

    def __enter__(self) -> "FakeLLM":
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def next_mode(self, pid: str) -> str:
        with self.lock:
            for key in (pid, "*"):
                queue = self.script.get(key)
                if queue:
                    return queue.pop(0)
        return "ok"


def _paper(body: dict) -> dict:
    """The paper (or journal article, keyed by its PMID as ``id``) the request is about."""
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    m = re.search(r"<<<(PAPER|ARTICLE)\n(.*?)\n\1>>>", user, re.S)
    if not m:
        return {}
    doc = json.loads(m.group(2))
    if m.group(1) == "ARTICLE":
        doc["id"] = doc["pmid"]
        doc["sections"] = doc.pop("abstract")
        doc["abstract"] = " ".join(s["text"] for s in doc["sections"])
    return doc


TOPIC_CYCLE = ["diagnosis", "imaging", "monitoring", "clinical_llm", "biomed"]


def _topic(server: "FakeLLM", pid: str, keyword_topic: str | None, default: str) -> str:
    if pid in server.topic:
        return server.topic[pid]
    if server.shift_topics and keyword_topic in TOPIC_CYCLE:
        return TOPIC_CYCLE[(TOPIC_CYCLE.index(keyword_topic) + 1) % len(TOPIC_CYCLE)]
    return keyword_topic or default


def journal_answer(server: "FakeLLM", p: dict, mode: str) -> str:
    sections = p.get("sections") or []
    results = [s["text"] for s in sections if s.get("label", "").upper().startswith(("RESULT", "FINDING"))]
    results_en = " ".join(results) or p.get("abstract", "")
    good = {
        "title_zh": f"关于{p.get('title', '')[:40]}的研究",
        "objective_zh": "评估一种人工智能方法的临床价值。",
        "methods_zh": "回顾性研究，使用深度学习模型分析影像数据。",
        "results_zh": f"结果（译文）：{results_en}" if results_en else "摘要未提供结果。",
        "conclusion_zh": "该方法具有潜在的临床应用价值。",
        "comment_zh": "样本来自单中心，外部验证仍需开展。" if p.get("write_comment") else "",
        "topic": _topic(server, p["id"], p.get("keyword_topic"), "imaging"),
    }
    if mode == "dropnumbers":
        good["results_zh"] = "结果显示该方法表现良好，优于对照组。"
    if mode == "malformed":
        return '{"title_zh": "半截'
    return json.dumps(good, ensure_ascii=False)


def _cluster(body: dict) -> dict:
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    m = re.search(r"<<<CLUSTER\n(.*?)\nCLUSTER>>>", user, re.S)
    return json.loads(m.group(1)) if m else {}


def review_answer(server: "FakeLLM", cluster: dict, mode: str) -> str:
    papers = cluster["papers"][:2]
    n = cluster["figures"]["papers_in_cluster"]
    zh = f"本组 {n} 篇论文都涉及 {cluster['shared_phrase']}。" + "".join(
        f"[[{p['id']}]] 报告：{p['summary_zh'] or p['summary'] or p['title']}。" for p in papers)
    en = f"The {n} papers share {cluster['shared_phrase']}. " + " ".join(
        f"[[{p['id']}]] reports: {p['summary'] or p['title']}." for p in papers)
    if mode == "invent":
        zh += " 另见 [[2599.99999]]《一篇并不存在的论文》。"
        en += " See also [[2599.99999]], 《A Paper That Was Never Written》."
    elif mode == "foreign":
        zh += f" 与之相比，[[{server.foreign_id}]] 采用了不同的方法。"
        en += f" By contrast, [[{server.foreign_id}]] takes another route."
    elif mode == "number":
        zh += " 其 AUC 达到 0.999，准确率 99.9%。"
        en += " Its AUC reaches 0.999 with 99.9% accuracy."
    elif mode == "bareid":
        en += f" The strongest is {papers[0]['id']}."
    elif mode == "notjson":
        return "Here is your paragraph: no JSON today."
    return json.dumps({"zh": zh, "en": en}, ensure_ascii=False)


def _glossary(body: dict) -> list[str]:
    user = next((m["content"] for m in body.get("messages", []) if m["role"] == "user"), "")
    return re.findall(r"^- .+? → (.+)$", user, re.M)


def answer(server: FakeLLM, body: dict, mode: str) -> str:
    p = _paper(body)
    system = next((m["content"] for m in body.get("messages", []) if m["role"] == "system"), "")
    cluster = _cluster(body)
    if cluster:
        return review_answer(server, cluster, mode)
    if not p and "names of research institutions" in system:  # the institution-name task: a JSON list of names
        names = json.loads(next(m["content"] for m in body["messages"] if m["role"] == "user"))
        return json.dumps({n: f"{n.split()[0]}机构" for n in names}, ensure_ascii=False)
    if "sections" in p:
        return journal_answer(server, p, mode)
    pid, title, abstract = p.get("id", "?"), p.get("title", ""), p.get("abstract", "")
    terms = "" if mode == "noglossary" else "（术语：" + "、".join(_glossary(body)) + "）"
    good = {
        "title_zh": f"关于{title[:40]}的研究",
        "summary_zh": "本文提出一种医学人工智能方法并报告了主要结果。",
        "abstract_zh": f"中文译文{terms}：{abstract}",
        "topic": _topic(server, pid, p.get("keyword_topic"), "diagnosis"),
        "relevance": server.relevance.get(pid, 80),
        "reason_zh": "与该专题的研究对象直接相关",
        "summary_en": f"The paper studies {title[:60]} and reports its main result.",
    }
    if mode == "malformed":
        return '{"title_zh": "半截'
    if mode == "schema":
        bad = dict(good, topic="astrology")
        del bad["summary_zh"]
        return json.dumps(bad, ensure_ascii=False)
    if mode == "placeholder":
        return json.dumps(dict(good, summary_zh="Summary generation failed"), ensure_ascii=False)
    if mode == "leak":
        system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
        return json.dumps(dict(good, summary_en=system[:400]), ensure_ascii=False)
    return json.dumps(good, ensure_ascii=False)


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLM

    def log_message(self, *args) -> None:
        pass

    def _json(self, status: int, obj: dict, headers: dict | None = None) -> None:
        raw = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self) -> None:  # noqa: N802
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with srv.lock:
            srv.requests.append(body)
        if not self.path.endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "not found"}})
        if self.headers.get("Authorization", "") in ("", "Bearer "):
            return self._json(401, {"error": {"message": "missing key"}})
        with srv.lock:
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
        try:
            self._answer(body)
        finally:
            with srv.lock:
                srv.in_flight -= 1

    def _answer(self, body: dict) -> None:
        srv = self.server
        p = _paper(body)
        mode = srv.next_mode("review" if _cluster(body) else p.get("id", ""))
        if "ignore previous instructions" in p.get("abstract", "").lower():
            mode = "leak"
        if srv.latency:
            time.sleep(srv.latency)
        if mode == "429":
            return self._json(429, {"error": {"message": "rate limited", "type": "rate_limit"}}, {"Retry-After": "0"})
        if mode == "500":
            return self._json(500, {"error": {"message": "upstream failure"}})
        if mode == "slow":
            time.sleep(srv.slow_seconds)
        content = answer(srv, body, mode)
        self._json(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 600, "total_tokens": 1500},
        })
