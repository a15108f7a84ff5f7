"""The selector's rules for look-alike words, method cues and calibration (issue 15), and that they stay general.

Each test builds an invented paper around one error class; the real-corpus figures are in bench/classify.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.config import load_config
from generator.model import Paper
from generator.select import classify, ignored_spans, relevance_of, title_name

from .conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.yml", env={})


def paper(title, abstract, cats=("cs.CV",)):
    return Paper(id="2501.00001", version=1, title=title, abstract=abstract, authors=["A"], categories=list(cats),
                 announce_type="new")


# --- look-alike words -------------------------------------------------------------------------------------------


def test_metaphor_comparison_with_medicine_is_not_evidence(cfg):
    abstract = ("We propose an evaluation method for vision-language models, inspired by ophthalmologic diagnostics, "
                "with synthetic images that reveal perception failures. Code at https://github.com/x/eval.")
    s = classify(paper("Build your own benchmark for multimodal language models", abstract), cfg)
    assert not s.keep
    assert "ophthalm*" not in s.matched


@pytest.mark.parametrize("text,ignored", [
    ("we find pathological shortcuts in decoding", "pathological shortcuts"),
    ("a tool to diagnose the model failures", "diagnose the model failures"),
    ("early symptoms of overfitting appear", "symptoms of overfitting"),
    ("model surgery on attention heads", "model surgery"),
    ("a benchmark for system health of servers", "system health"),
])
def test_metaphor_patterns(text, ignored):
    assert ignored in [text[a:b] for a, b in ignored_spans(text)]


def test_pathological_shortcut_paper_is_not_medical(cfg):
    s = classify(paper("Removing pathological shortcuts in vision-language decoding",
                       "Large vision-language models take pathological shortcuts; we diagnose the model failures "
                       "and propose a causal decoding that reduces hallucination."), cfg)
    assert not s.keep and s.relevance < 35


@pytest.mark.parametrize("text,name", [
    ("scores on CT-Bench26 improve", "CT-Bench26"),
    ("the SurgVLA-Bench suite", "SurgVLA-Bench"),
    ("see https://github.com/lab/ECG-tools for code", "https://github.com/lab/ECG-tools"),
])
def test_names_and_links_are_not_evidence(text, name):
    assert name in [text[a:b] for a, b in ignored_spans(text)]


@pytest.mark.parametrize("text", ["COVID-19 cases", "PET-CT scans", "EEG-based decoding", "chest X-rays", "T1-weighted MRI"])
def test_ordinary_medical_compounds_stay_evidence(text):
    assert ignored_spans(text) == ()


def test_tool_named_after_a_modality_is_not_medical(cfg):
    title = "Know-MRI: a toolkit to interpret knowledge in large language models"
    abstract = "Know-MRI probes where LLMs store facts. Know-MRI is open source: https://github.com/x/Know-MRI."
    assert title_name(title) == "Know-MRI"
    s = classify(paper(title, abstract, ("cs.CL",)), cfg)
    assert not s.keep and s.relevance == 0


def test_biosignal_word_without_clinical_context_needs_more_than_the_title(cfg):
    game = paper("EEG emotion recognition for video games",
                 "We decode EEG of players to adapt game difficulty; EEG features feed a transformer.", ("cs.HC",))
    clinic = paper("EEG seizure detection for epilepsy patients",
                   "We decode EEG of patients in the clinic to detect seizures; EEG features feed a transformer.", ("cs.LG",))
    assert not classify(game, cfg).keep
    assert classify(clinic, cfg).keep


def test_specific_modality_keeps_its_bonus_without_context_words(cfg):
    s = classify(paper("Fetal femur ultrasound segmentation with Mamba",
                       "Ultrasound images of the fetal femur and cranium are segmented with a Mamba network."), cfg)
    assert s.keep and s.topic == "imaging"


# --- vocabularies and topics ------------------------------------------------------------------------------------


@pytest.mark.parametrize("title,abstract,cats", [
    ("Remote photoplethysmography from face video", "Camera-based remote physiological measurement of heart rate.", ("cs.CV",)),
    ("Glucose forecasting for type 1 diabetes", "Continuous glucose monitoring (CGM) data and insulin doses predict glucose.", ("cs.LG",)),
])
def test_thin_vocabularies_reach_monitoring(cfg, title, abstract, cats):
    s = classify(paper(title, abstract, cats), cfg)
    assert s.keep and s.topic == "monitoring", s


@pytest.mark.parametrize("title,abstract,cats", [
    ("Depression screening from speech with large language models",
     "An LLM scores interviews of patients for depression and anxiety.", ("cs.CL",)),
    ("A vision-language model for chest X-ray report generation",
     "Our VLM writes radiology reports for chest X-rays of hospital patients.", ("cs.CV",)),
    ("Conversational triage for patients with an LLM",
     "A chatbot asks patients about symptoms and recommends a hospital department.", ("cs.CL",)),
])
def test_llm_based_clinical_assessment_is_a_clinical_llm(cfg, title, abstract, cats):
    s = classify(paper(title, abstract, cats), cfg)
    assert s.keep and s.topic == "clinical_llm", s


def test_method_cues_alone_are_not_medical(cfg):
    s = classify(paper("A multimodal large language model for chart question answering",
                       "Our MLLM answers questions with retrieval-augmented generation and chain-of-thought."), cfg)
    assert s.relevance == 0 and not s.keep


def test_multimodal_neuroimaging_is_imaging(cfg):
    s = classify(paper("Fusing fMRI and DTI for Alzheimer's disease classification",
                       "Functional MRI and diffusion tensor imaging of patients are fused by a graph network."), cfg)
    assert s.keep and s.topic == "imaging", s


# --- calibration ------------------------------------------------------------------------------------------------


def test_clinical_words_alone_rank_below_imaging_evidence(cfg):
    survey = paper("Surgeons' attitudes toward artificial intelligence: a survey",
                   "We surveyed surgeons and clinicians in hospitals about AI for patients, surgery and treatment; "
                   "most physicians expect benefits for patient care and clinical workflow.", ("cs.CY",))
    seg = paper("Liver tumor segmentation in CT with a 3D U-Net",
                "We segment liver tumors in contrast CT with a U-Net; Dice improves on two public datasets.")
    assert classify(seg, cfg).relevance > classify(survey, cfg).relevance


def test_relevance_grows_with_evidence(cfg):
    weak = paper("Segmentation of the liver", "CT of the abdomen with a U-Net.")
    strong = paper("Liver tumor segmentation in CT of patients",
                   "Contrast CT of 300 cancer patients; radiologists annotated lesions for tumor segmentation.")
    assert classify(strong, cfg).relevance > classify(weak, cfg).relevance
    assert relevance_of(5, cfg.selection.score_scale) < relevance_of(6, cfg.selection.score_scale)


# --- the rules stay general -------------------------------------------------------------------------------------


def _label_files() -> list[Path]:
    files = sorted((ROOT / "bench" / "labels").glob("*.jsonl"))
    dev = SHARED / "eval" / "dev_labels.jsonl"
    return files + ([dev] if dev.exists() else [])


def test_no_labelled_paper_is_named_in_the_rules():
    """No title or long title fragment of a labelled paper appears in config.yml or generator/, and no labelled arXiv
    id in config.yml or the selector.  (Other modules quote one arXiv id as a format example in help and error
    messages, e.g. "like '2506.05361'"; those decide nothing, so ids are checked where selection is decided.)"""
    config = (ROOT / "config.yml").read_text(encoding="utf-8")
    rules = config + (ROOT / "generator" / "select.py").read_text(encoding="utf-8")
    code = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "generator").rglob("*.py")))
    low = (config + code).lower()
    listings = SHARED / "corpus" / "listings"
    files = _label_files()
    assert files, "no label files"
    titles: dict[str, str] = {}
    if listings.is_dir():
        for f in listings.glob("*.jsonl"):
            for line in f.read_text(encoding="utf-8").splitlines():
                d = json.loads(line)
                titles[d["id"]] = d["title"]
    checked = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            lab = json.loads(line)
            assert lab["id"] not in rules, f"{f.name}: arXiv id {lab['id']} in the rules"
            title = titles.get(lab["id"])
            if title:
                words = re.findall(r"[\w'-]+", title.lower())
                for i in range(len(words) - 5):  # any run of six title words
                    frag = " ".join(words[i : i + 6])
                    assert frag not in low, f"{f.name}: title fragment {frag!r} of {lab['id']} in the rules"
                checked += 1
    assert checked or not listings.is_dir()


def test_label_files_are_well_formed():
    topics = {"diagnosis", "imaging", "monitoring", "clinical_llm", "biomed_other", None}
    for f in sorted((ROOT / "bench" / "labels").glob("*.jsonl")):
        ids = set()
        for line in f.read_text(encoding="utf-8").splitlines():
            lab = json.loads(line)
            assert set(lab) == {"id", "date", "medical_ai", "topic", "confidence", "why"}, lab
            assert lab["date"] == f.stem and lab["confidence"] in ("high", "low") and lab["why"].strip()
            assert lab["topic"] in topics and (lab["topic"] is None) == (not lab["medical_ai"]), lab
            assert lab["id"] not in ids
            ids.add(lab["id"])
