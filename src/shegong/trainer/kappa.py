"""Cohen's kappa: agreement of two raters beyond chance, for calibrating trainers on a rubric.

κ = (p_o − p_e) / (1 − p_e), with p_o the share of items both raters put in the same category and
p_e = Σ_k p_A(k) · p_B(k) the agreement expected from each rater's own category shares
(Cohen 1960, *Educational and Psychological Measurement* 20:37–46). Categories are the rubric
levels awarded (points such as 0, 1, 2); the statistic is unweighted.

Landis & Koch (1977) bands are used for the label: < 0 poor, ≤ 0.20 slight, ≤ 0.40 fair,
≤ 0.60 moderate, ≤ 0.80 substantial, else almost perfect.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence

BANDS = (
    (0.0, {"zh": "差", "en": "poor"}),
    (0.20, {"zh": "轻微", "en": "slight"}),
    (0.40, {"zh": "一般", "en": "fair"}),
    (0.60, {"zh": "中等", "en": "moderate"}),
    (0.80, {"zh": "较强", "en": "substantial"}),
    (1.0, {"zh": "几乎完全一致", "en": "almost perfect"}),
)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' categories for the same items, in −1…1.

    Returns 1.0 when both raters used one and the same category throughout (p_e = 1, full
    agreement) and ``nan`` for no items.

    Raises:
        ValueError: the two sequences differ in length.
    """
    if len(a) != len(b):
        raise ValueError(f"the raters scored {len(a)} and {len(b)} items: pair the same items")
    n = len(a)
    if n == 0:
        return math.nan
    p_o = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    p_e = sum(ca[k] * cb[k] for k in ca.keys() | cb.keys()) / (n * n)
    if p_e == 1.0:
        return 1.0
    return (p_o - p_e) / (1 - p_e)


def band(kappa: float, lang: str = "zh") -> str:
    """The Landis & Koch label of ``kappa`` in ``lang`` (``—`` for nan)."""
    if math.isnan(kappa):
        return "—"
    if kappa < 0:
        return BANDS[0][1][lang]
    for upper, names in BANDS[1:]:
        if kappa <= upper:
            return names[lang]
    return BANDS[-1][1][lang]
