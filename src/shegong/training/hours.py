"""Learning hours of a module: what its pages and exercises hold, against the ``hours:`` it
declares.

The rule (issue 19; checked by ``shegong curriculum check``, stated in ``curricula/README.md``):

* **reading** — every page is read at :data:`READING_CHARS_PER_MINUTE` characters a minute: the
  non-blank characters of the page before its ``## 来源`` (sources) heading, rounded up to whole
  minutes per page. 200 is below the ~260 characters a minute measured for fluent Chinese college
  readers (Wang, Lin & Guo, *Brain and Behavior* 2019, doi:10.1002/brb3.1216), because trainees
  study rather than skim;
* **classroom activities** — every heading ``## 课堂活动：<name>（<N> 分钟）`` counts its N minutes:
  the page then describes the activity a trainer runs (role play, case discussion, field walk …);
* **exercises** — practice and summative alike, by type (:data:`EXERCISE_MINUTES`): 1.5 minutes for
  a single-answer or short-answer item (the national exam allows about that per objective item), 2
  for a multiple-answer, numeric or ordering item, 5 for a branching scenario, 15 for an open answer
  or the ledger clean-up.

The module's declared ``hours`` must lie within a quarter of an hour (:data:`TOLERANCE_MINUTES`) or
a tenth (:data:`TOLERANCE_SHARE`) of reading + activities + exercises, whichever is larger, so a
declared figure may be rounded to the half hour (or absorb a few imported questions) but never claim
content the module does not hold. A ``课堂活动`` heading without ``（N 分钟）`` is reported.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from shegong.errors import Problem
from shegong.training.model import Exercise, Page

READING_CHARS_PER_MINUTE = 200
EXERCISE_MINUTES = {
    "single": 1.5,
    "short": 1.5,
    "multiple": 2.0,
    "numeric": 2.0,
    "ordering": 2.0,
    "scenario": 5.0,
    "open": 15.0,
    "ledger_cleaning": 15.0,
}
TOLERANCE_MINUTES = 15.0
TOLERANCE_SHARE = 0.10
SOURCES_HEADING = re.compile(r"^##\s*来源\s*$", re.MULTILINE)
ACTIVITY_HEADING = re.compile(r"^##\s*课堂活动.*$", re.MULTILINE)
ACTIVITY_MINUTES = re.compile(r"^##\s*课堂活动[：:].+（\s*(\d+)\s*分钟\s*）\s*$")


@dataclass(frozen=True)
class Hours:
    """Minutes a module's content takes: ``reading``, ``activities``, ``exercises`` (all in
    minutes)."""

    reading: int
    activities: int
    exercises: float

    @property
    def minutes(self) -> float:
        """Reading + activities + exercises, in minutes."""
        return self.reading + self.activities + self.exercises

    @property
    def hours(self) -> float:
        """:attr:`minutes` in hours."""
        return self.minutes / 60


def reading_minutes(markdown: str) -> int:
    """Whole minutes to study a page: non-blank characters before ``## 来源`` ÷ 200, rounded up."""
    body = SOURCES_HEADING.split(markdown, maxsplit=1)[0]
    return math.ceil(len(re.sub(r"\s", "", body)) / READING_CHARS_PER_MINUTE)


def activity_minutes(page: Page, problems: list[Problem] | None = None) -> int:
    """Minutes of the page's ``## 课堂活动：…（N 分钟）`` headings; malformed ones go to
    ``problems``."""
    total = 0
    for heading in ACTIVITY_HEADING.findall(page.markdown):
        m = ACTIVITY_MINUTES.match(heading.strip())
        if m:
            total += int(m.group(1))
        elif problems is not None:
            problems.append(
                Problem(
                    str(page.file),
                    heading.strip(),
                    "a classroom activity heading without its length",
                    "end the heading with the minutes in full-width brackets: `（40 分钟）`",
                )
            )
    return total


def content_hours(pages: list[Page], exercises: list[Exercise]) -> Hours:
    """What ``pages`` and ``exercises`` hold, by the rule in the module docstring."""
    return Hours(
        reading=sum(reading_minutes(p.markdown) for p in pages),
        activities=sum(activity_minutes(p) for p in pages),
        exercises=sum(EXERCISE_MINUTES[e.type] for e in exercises),
    )


def check_hours(
    declared: float,
    pages: list[Page],
    exercises: list[Exercise],
    file: Path,
    problems: list[Problem],
) -> Hours:
    """Compare the declared ``hours`` with the content; append a problem when they differ by more
    than the tolerance (and one per malformed activity heading). Returns the computed
    :class:`Hours`."""
    for page in pages:
        activity_minutes(page, problems)
    got = content_hours(pages, exercises)
    if abs(declared * 60 - got.minutes) > max(TOLERANCE_MINUTES, TOLERANCE_SHARE * got.minutes):
        suggestion = round(got.hours * 2) / 2
        problems.append(
            Problem(
                str(file),
                "hours",
                f"declares {declared:g} h but its content takes {got.hours:.2f} h (reading "
                f"{got.reading} min + classroom activities {got.activities} min + exercises "
                f"{got.exercises:g} min)",
                f"set `hours: {suggestion:g}`, or add or remove content (rule: "
                "curricula/README.md, "
                "“Learning hours”)",
            )
        )
    return got
