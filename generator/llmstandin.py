"""A loopback OpenAI-compatible model for the demo: ``POST /v1/chat/completions`` answering the project's prompts.

The demo must show the product's main face, the Chinese one, without anyone's key or network.  This stand-in reads
the paper (or journal article, institution list, review cluster) out of the prompt and writes an *invented* answer
from a small phrase table: the English words it recognises become their Chinese terms, every figure of a sentence is
copied as written, and the glossary terms the prompt lists are used.  It is deterministic (same prompt, same answer)
and always passes the checks of ``answers.py``; it is no translation, and its answers say so.

Which task a request is: ``<<<PAPER`` (daily enrichment), ``<<<ARTICLE`` (journal summary), ``<<<CLUSTER`` (review
theme), or the institution prompts (a JSON list of names to name in Chinese; an author block to read).
"""

from __future__ import annotations

import json
import re

from .standin import LoopbackServer

# English word stems -> Chinese; longest first when matching, so "deep learning" wins over "learning"
PHRASES: dict[str, str] = {
    "large language model": "大语言模型", "language model": "语言模型", "deep learning": "深度学习",
    "machine learning": "机器学习", "foundation model": "基础模型", "diabetic retinopathy": "糖尿病视网膜病变",
    "fundus photograph": "眼底照片", "primary care": "基层医疗", "electronic health record": "电子健康记录",
    "discharge summar": "出院小结", "clinical note": "临床记录", "chest x-ray": "胸部X线片", "x-ray": "X线",
    "whole-slide": "全切片", "intensive care": "重症监护", "segmentation": "分割", "classification": "分类",
    "detection": "检测", "diagnos": "诊断", "prognos": "预后", "grading": "分级", "screening": "筛查",
    "retinopathy": "视网膜病变", "radiolog": "放射学", "patholog": "病理学", "histopatholog": "组织病理学",
    "ultrasound": "超声", "mri": "磁共振成像", "ct ": "CT", "ecg": "心电图", "electrocardiogram": "心电图",
    "wearable": "可穿戴设备", "sepsis": "脓毒症", "cancer": "癌症", "tumor": "肿瘤", "tumour": "肿瘤",
    "lesion": "病灶", "patient": "患者", "clinician": "临床医生", "clinical": "临床", "hospital": "医院",
    "mortality": "死亡率", "risk": "风险", "medication": "药物", "drug": "药物", "protein": "蛋白质",
    "molecul": "分子", "genom": "基因组", "cell": "细胞", "image": "图像", "imaging": "影像", "video": "视频",
    "dataset": "数据集", "benchmark": "基准", "cohort": "队列", "trial": "试验", "model": "模型",
    "transformer": "Transformer", "federated": "联邦学习", "self-supervised": "自监督学习", "privacy": "隐私",
    "fairness": "公平性", "uncertainty": "不确定性", "sensitivity": "敏感度", "specificity": "特异度",
    "accuracy": "准确率", "auc": "AUC", "f1": "F1", "agent": "智能体", "reasoning": "推理",
    "question answering": "问答", "report generation": "报告生成", "report": "报告", "triage": "分诊",
    "monitoring": "监测", "multimodal": "多模态", "registration": "配准", "reconstruction": "重建",
}
INSTITUTION_WORDS = {"university": "大学", "hospital": "医院", "institute": "研究所", "medical": "医学",
                     "school": "学院", "college": "学院", "center": "中心", "centre": "中心", "college of": "学院",
                     "health": "健康", "research": "研究", "national": "国家", "laboratory": "实验室",
                     "academy": "研究院", "sciences": "科学", "science": "科学", "technology": "技术",
                     "children's": "儿童", "cancer": "肿瘤", "general": "综合", "clinic": "诊所"}
MEDICAL_CUES = ("clinic", "patient", "medical", "diagnos", "hospital", "radiolog", "patholog", "retinopath", "disease",
                "cancer", "tumo", "health", "mri", "ecg", "sepsis", "fundus", "surg", "therap", "lesion", "cohort",
                "biomedical", "discharge", "icu", "mortality")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?\s*%?|\.\d+")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
NOTE = "【演示：本地替身模型按词表生成，并非真实翻译】"


def terms_in(text: str, table: dict[str, str]) -> list[str]:
    """The Chinese of every table entry found in ``text`` (longest entries first, each Chinese term once)."""
    low, out = f" {text.lower()} ", []
    for en in sorted(table, key=len, reverse=True):
        if en in low:
            low = low.replace(en, " ")
            if table[en] not in out:
                out.append(table[en])
    return out


def figures(text: str) -> list[str]:
    """Every number of ``text`` as written (so the numbers check finds each one again)."""
    return [m.group(0).rstrip(",").replace(" ", "") for m in NUMBER.finditer(text)]


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(" ".join(text.split())) if s]


def render_sentence(i: int, sentence: str, table: dict[str, str]) -> str:
    words = "、".join(terms_in(sentence, table)[:5]) or "研究背景与方法细节"
    nums = figures(sentence)
    said = f"本文关注{words}" if i == 0 else f"文中进一步说明了{words}"
    return said + (f"，给出的数值为 {'、'.join(nums)}。" if nums else "。")


def chinese_text(text: str, table: dict[str, str]) -> str:
    """One Chinese sentence per English sentence, each with that sentence's terms and figures."""
    return "".join(render_sentence(i, s, table) for i, s in enumerate(sentences(text)))


def _title(title: str) -> str:
    return re.sub(r"^Sample:\s*", "", " ".join(title.split()))


def title_zh(title: str, table: dict[str, str]) -> str:
    words = terms_in(title, table)[:4]
    return f"{'、'.join(words)}研究" if words else "一项医学人工智能研究"


def relevance(text: str) -> int:
    """How medical the paper reads: 10 without any clinical cue, then 60 and up by the number of cues (max 95)."""
    low = text.lower()
    cues = sum(1 for c in MEDICAL_CUES if c in low)
    return 10 if cues == 0 else min(95, 55 + 8 * cues)


def _glossary(user: str) -> dict[str, str]:
    return dict(re.findall(r"^- (.+?) → (.+)$", user, re.M))


def _topics(user: str) -> dict[str, str]:
    return dict(re.findall(r"^- ([a-z_][\w-]*): (.+?) — ", user, re.M))


def _topic(doc: dict, topics: dict[str, str]) -> str:
    return doc.get("keyword_topic") if doc.get("keyword_topic") in topics else next(iter(topics), "")


def paper_answer(doc: dict, user: str) -> dict:
    glossary = _glossary(user)
    table = {**PHRASES, **{en.lower(): zh for en, zh in glossary.items()}}
    title, abstract = doc.get("title", ""), doc.get("abstract", "")
    topics = _topics(user)
    topic = _topic(doc, topics)
    abstract_zh = chinese_text(abstract, table)
    missing = [zh for zh in glossary.values() if zh not in abstract_zh]
    abstract_zh = NOTE + abstract_zh + (f"（术语：{'、'.join(missing)}）" if missing else "")
    while len(abstract_zh) <= len(abstract) * 0.12:  # the length check's floor, met honestly
        abstract_zh += "其余内容请参阅英文原文。"
    nums = figures(abstract)
    words = "、".join(terms_in(title + " " + abstract, table)[:3]) or "医学人工智能"
    summary = f"本文围绕{words}开展研究" + (f"，报告数值 {nums[0]}" if nums else "") + "。"
    return {
        "title_zh": title_zh(title, table),
        "summary_zh": summary[:80],
        "abstract_zh": abstract_zh,
        "topic": topic,
        "relevance": relevance(f"{title} {abstract}"),
        "reason_zh": f"研究内容属于{topics.get(topic, '本刊')}专题"[:40],
        "summary_en": f"The paper studies {_title(title)[:300]}" + (f" and reports {nums[0]}." if nums else "."),
    }


def article_answer(doc: dict, user: str) -> dict:
    table = {**PHRASES, **{en.lower(): zh for en, zh in _glossary(user).items()}}
    sections = doc.get("abstract") or []
    text = " ".join(s.get("text", "") for s in sections)

    def part(*labels: str) -> str:
        return " ".join(s["text"] for s in sections if s.get("label", "").upper().startswith(labels))

    results = part("RESULT", "FINDING") or text
    words = "、".join(terms_in(doc.get("title", ""), table)[:3]) or "人工智能方法"
    topics = _topics(user)
    return {
        "title_zh": title_zh(doc.get("title", ""), table),
        "objective_zh": f"评估{words}的临床价值。",
        "methods_zh": chinese_text(part("METHOD", "MATERIAL") or text, table) or "摘要未说明方法。",
        "results_zh": NOTE + (chinese_text(results, table) or "摘要未提供结果。"),
        "conclusion_zh": chinese_text(part("CONCLUSION", "INTERPRETATION"), table) or f"{words}具有潜在的临床应用价值。",
        "comment_zh": f"演示评论：本文涉及{words}，外部验证仍待开展。" if doc.get("write_comment") else "",
        "topic": _topic(doc, topics),
    }


def institutions_answer(names: list[str]) -> dict:
    """Each name with its institution words in Chinese and its proper names kept, e.g. "Example University" ->
    "Example 大学"."""
    out = {}
    for name in names:
        parts = [INSTITUTION_WORDS.get(w.lower(), w) for w in name.split() if w.lower() not in ("of", "the", "for", "and")]
        zh = "".join(p if re.search(r"[\u3400-\u9fff]", p) else f"{p} " for p in parts).strip()
        if re.search(r"[\u3400-\u9fff]", zh) and len(zh) <= 40:
            out[name] = zh
    return out


def review_answer(cluster: dict) -> dict:
    papers = cluster.get("papers", [])[:2]
    n = cluster.get("figures", {}).get("papers_in_cluster", len(papers))
    zh = f"本组 {n} 篇论文都涉及“{cluster.get('shared_phrase', '')}”。" + "".join(
        f"[[{p['id']}]] 的要点：{p.get('summary_zh') or p.get('title')}" for p in papers)
    en = f"The {n} papers share {cluster.get('shared_phrase', '')}. " + " ".join(
        f"[[{p['id']}]]: {p.get('summary') or p.get('title')}" for p in papers)
    return {"zh": zh[:600], "en": en[:600]}


def _block(user: str, marker: str) -> dict | None:
    m = re.search(rf"<<<{marker}\n(.*?)\n{marker}>>>", user, re.S)
    return json.loads(m.group(1)) if m else None


def answer(body: dict) -> dict | None:
    """The answer object for one chat request, or None when the request is none of the project's prompts."""
    messages = body.get("messages") or []
    system = next((m["content"] for m in messages if m.get("role") == "system"), "")
    user = next((m["content"] for m in messages if m.get("role") == "user"), "")
    for marker, write in (("PAPER", paper_answer), ("ARTICLE", article_answer)):
        doc = _block(user, marker)
        if doc is not None:
            return write(doc, user)
    cluster = _block(user, "CLUSTER")
    if cluster is not None:
        return review_answer(cluster)
    if "names of research institutions" in system:
        return institutions_answer(json.loads(user))
    if "author block" in system:
        return {"institutions": []}  # the rules' own reading stands; the demo invents no affiliations
    return None


class LlmStandIn(LoopbackServer):
    """``with LlmStandIn() as llm: env["LLM_BASE_URL"] = llm.base_url``; ``calls`` counts the answers given."""

    name = "llm-standin"

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.calls = 0

    @property
    def base_url(self) -> str:
        return f"{self.base}/v1"

    def respond_post(self, handler, path: str, body: bytes) -> None:
        if not path.endswith("/chat/completions"):
            return handler._send(404, b'{"error":{"message":"not found"}}', "application/json")
        try:
            request = json.loads(body or b"{}")
            content = answer(request)
        except (ValueError, KeyError, TypeError):
            content = None
        if content is None:
            return handler._send(400, b'{"error":{"message":"not a Medical AI Daily prompt"}}', "application/json")
        self.calls += 1
        text = json.dumps(content, ensure_ascii=False)
        doc = {"id": f"chatcmpl-demo-{self.calls}", "object": "chat.completion", "created": 0,
               "model": request.get("model", "demo"),
               "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
               "usage": {"prompt_tokens": len(str(request)) // 4, "completion_tokens": len(text) // 2,
                         "total_tokens": len(str(request)) // 4 + len(text) // 2}}
        handler._send(200, json.dumps(doc, ensure_ascii=False).encode(), "application/json")
