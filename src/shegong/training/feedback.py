"""Feedback on an answer: the scored :class:`Result` and its zh/en messages.

Shared by the exercise types (:mod:`shegong.training.grading`) and the ledger-cleaning exercise
(:mod:`shegong.training.ledger_exercise`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

MESSAGES = {
    "correct": {"zh": "回答正确。", "en": "Correct."},
    "wrong": {"zh": "回答不正确。", "en": "Not correct."},
    "partial": {"zh": "部分正确。", "en": "Partly correct."},
    "score": {"zh": "得分 {score:g} / {max:g}。", "en": "Score {score:g} of {max:g}."},
    "multi_wrong": {
        "zh": "选了错误选项 {opts}：多选题有错选即得 0 分。",
        "en": "Wrong option(s) {opts} chosen: any wrong option scores 0.",
    },
    "multi_missing": {
        "zh": "少选了 {opts}：每选对一项得 0.5 分。",
        "en": "Missed {opts}: each correct option chosen scores 0.5.",
    },
    "unit": {
        "zh": "单位应为“{unit}”，而不是“{got}”。",
        "en": "The unit should be “{unit}”, not “{got}”.",
    },
    "numeric": {
        "zh": "正确答案为 {answer:g}{unit}（允许误差 ±{tol:g}）。",
        "en": "The answer is {answer:g}{unit} (tolerance ±{tol:g}).",
    },
    "order": {"zh": "第 {pos} 步应为“{item}”。", "en": "Step {pos} should be “{item}”."},
    "self": {"zh": "自评：", "en": "Self-check:"},
    "criterion": {
        "zh": "· {name}：{got:g}/{pts:g} — {desc}",
        "en": "· {name}: {got:g}/{pts:g} — {desc}",
    },
    "model": {"zh": "参考答案：", "en": "Model answer:"},
    "row": {"zh": "第 {row} 行：{why}", "en": "Row {row}: {why}"},
    "why": {"zh": "{opt}. {why}", "en": "{opt}. {why}"},
    "choose_first": {"zh": "请先选择一个选项。", "en": "Choose an option first."},
    "duplicates": {
        "zh": "{rows} 是同一件事的重复录入：只留一行（留哪一行都可以），其余删除。",
        "en": "{rows} record the same event: keep one of them (any one) and drop the rest.",
    },
}


def msg(key: str, lang: str, **kw: Any) -> str:
    """A feedback sentence in ``lang`` (zh or en)."""
    return MESSAGES[key].get(lang, MESSAGES[key]["zh"]).format(**kw)


@dataclass(frozen=True)
class Result:
    """The score of one answer: ``score`` and ``max_score`` in points, ``feedback`` in the trainee's
    language.

    ``graded_by`` is ``auto`` or ``self`` (open answers in practice mode); ``details`` holds
    type-specific facts (``path`` of a scenario, per-criterion ratings, wrong rows).
    """

    score: float
    max_score: float
    correct: bool
    feedback: str
    graded_by: str = "auto"
    details: dict[str, Any] = field(default_factory=dict)


def normalise_text(value: str) -> str:
    """NFKC (full-width → half-width), trimmed, case-folded, inner whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).casefold()
