"""Compatibility names for issue 2's header module; the logic now lives in :mod:`.structure`
(multi-row merged headers) and :mod:`.profiles` (the column synonyms, ``datasets/profiles``)."""

from __future__ import annotations

from .profiles import PERSONAL, REQUIRED
from .structure import HeaderMap, column_letter, fold

__all__ = ["PERSONAL", "REQUIRED", "HeaderMap", "column_letter", "fold"]
