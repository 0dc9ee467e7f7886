"""How a trainee is shown to trainers: the display name and station given at registration (issue
14).

Trainers see people, not processes: the cohort, stage, attendance and mentoring views show a
trainee's ``display_name`` (e.g. 张晓梅), never the keyed pseudonym ``T82f98162d7e26dfa``; the
pseudonym stays the store's key and the fallback for a trainee registered without a name. The
grading queue stays blind (an answer code) until the trainer has scored the answer.

- :func:`check_profile` — a display name and a station code as stored, or a :class:`ProgressError`;
- :func:`labels` — one distinct label per trainee for tables and pickers.

Names are outside text: every view escapes them (:func:`shegong.safe_html.escape`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from shegong.errors import ProgressError

#: longest display name kept (characters, after normalisation)
NAME_MAX = 64
_STATION_CODE = re.compile(r"\d{12}")


def check_profile(
    display_name: str | None, station_code: str | None
) -> tuple[str | None, str | None]:
    """``(display_name, station_code)`` as stored: the name NFKC-normalised with runs of white
    space made one space, at most :data:`NAME_MAX` characters, no control characters; the station
    code the 12-digit org-unit code (DESIGN.md §3). Empty values become ``None``.

    Raises:
        ProgressError: a name too long or holding control characters; a code that is not 12 digits.
    """
    name = " ".join(unicodedata.normalize("NFKC", display_name or "").split()) or None
    if name is not None:
        if len(name) > NAME_MAX:
            raise ProgressError(
                f"姓名最多 {NAME_MAX} 个字符 / a display name has at most {NAME_MAX} characters"
            )
        if any(unicodedata.category(c).startswith("C") for c in name):
            raise ProgressError(
                "姓名不能包含控制字符 / a display name cannot hold control characters"
            )
    code = (station_code or "").strip() or None
    if code is not None and not _STATION_CODE.fullmatch(code):
        raise ProgressError(
            f"社工站代码 {code!r} 应为 12 位数字的组织单元代码 / station code {code!r} must be "
            "the 12-digit org-unit code (e.g. 152201100000)"
        )
    return name, code


def labels(trainees: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    """{trainee id: label} for rows with ``id``, ``pseudonym`` and ``display_name``: the display
    name; a name two trainees share gets the last four characters of the pseudonym after it
    (``张伟 · 7dfa``); a trainee without a name keeps the pseudonym."""
    rows = list(trainees)
    seen = Counter(r.get("display_name") for r in rows if r.get("display_name"))
    out = {}
    for r in rows:
        name = r.get("display_name")
        if not name:
            out[r["id"]] = r["pseudonym"]
        elif seen[name] > 1:
            out[r["id"]] = f"{name} · {r['pseudonym'][-4:]}"
        else:
            out[r["id"]] = name
    return out
