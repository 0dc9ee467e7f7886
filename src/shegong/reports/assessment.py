"""The evaluator's judgement, written from the figures and the report rules (issue 17):
四、主要成效与亮点, 五、存在问题, 六、整改建议, 七、评估结论 and the rank among peers.

- :func:`peer_ranks` — rank of every unit's total score among its peers: units of the same
  level and unit type under the same parent (ties share the best rank);
- :func:`find_problems` — measures not met (未达标), nearly met (基本达标) or without a
  sufficient sample (样本不足, with x/n), failed consistency checks and data-quality problems,
  each stated with its figures and tied to the measures it concerns;
- :func:`advise` — one recommendation per problem, from :mod:`shegong.reports.rules`: what to
  do, who does it (by the scope of the report), by when (months counted from the report's date)
  and how next year's evaluation checks it;
- :func:`highlights` — measures met well above target and the largest rises on last year;
- :func:`conclusion` — the concluding paragraph by grade.

Texts name measures in words; measure ids stay in the data (``measures``) for the annex and
the tests.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from shegong.indicators.results import GRADE_LABELS
from shegong.ledger.rows import REASONS
from shegong.orgunits import OrgUnits
from shegong.reports.format import format_value, gap, long_date, quantity, signed
from shegong.reports.rules import Action, Rules

#: severities of indicators/findings.parquet that are problems (``info`` is a note)
PROBLEM_SEVERITIES = ("error", "warning")
STATUS_ORDER = {"missed": 0, "near": 1, "suppressed": 2}


@dataclass
class Problem:
    """One problem: ``key`` (``measure:D4b``, ``check:files_exceed_households:D3b``,
    ``quality:rejected_rows``), ``kind`` (measure / check / quality), ``status`` (missed, near,
    suppressed, or the check's severity), ``measures`` (ids it concerns), ``text`` (the
    sentence, in the report's language), ``action`` (its rule) and ``fill`` (values for the
    rule's texts)."""

    key: str
    kind: str
    status: str
    measures: tuple[str, ...]
    text: str
    action: Action
    fill: dict = field(default_factory=dict)


@dataclass
class Advice:
    """One recommendation: ``what``, ``who``, ``by`` (deadline text), ``due`` (date), ``check``,
    and the ``problem`` it answers (its ``measures`` tie it to the figures)."""

    problem: Problem
    what: str
    who: str
    by: str
    due: dt.date
    check: str

    @property
    def measures(self) -> tuple[str, ...]:
        return self.problem.measures


def scope_of(rules: Rules, level: int, unit_type: str) -> str:
    """The scope whose responsible parties a report names: a station or service centre is a
    station, a hub a county, other units by level (the rules' ``scopes``)."""
    if unit_type in ("station", "centre", "room"):
        return "station"
    if unit_type == "hub":
        return "county"
    return rules.scopes.get(int(level), "county")


def peer_ranks(evaluation: pd.DataFrame, units: OrgUnits, year: int) -> pd.DataFrame:
    """Columns ``org_unit``, ``score``, ``grade``, ``change``, ``peer_rank``, ``peer_count``: the
    total of every evaluated unit of ``year`` ranked among the units of the same level and unit
    type under the same parent that have a score (rank 1 = highest; ties share the best rank)."""
    totals = evaluation[(evaluation["year"] == int(year)) & (evaluation["dimension"] == "total")]
    info = units.frame[["code", "parent_code", "level", "unit_type"]].rename(
        columns={"code": "org_unit", "level": "unit_level"}
    )
    frame = totals.merge(info, on="org_unit", how="left")
    frame["parent_code"] = frame["parent_code"].fillna("")
    keys = ["unit_level", "unit_type", "parent_code"]
    scored = frame["score"].notna()
    frame["peer_rank"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    ranks = frame[scored].groupby(keys)["score"].rank(ascending=False, method="min")
    frame.loc[ranks.index, "peer_rank"] = ranks.astype("Int64")
    counts = frame[scored].groupby(keys)["org_unit"].transform("count")
    frame["peer_count"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[counts.index, "peer_count"] = counts.astype("Int64")
    return frame[["org_unit", "score", "grade", "change", "peer_rank", "peer_count"]]


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_target(measure, target: float, pilot_year: int) -> float:
    """Next pilot year's target of ``measure`` at the unit: this year's (scaled) target times the
    ratio of the registry's targets, the same target after the last pilot year; NaN if unknown."""
    targets = measure.targets
    if pd.isna(target) or pilot_year not in targets or not targets[pilot_year]:
        return targets.get(pilot_year + 1, float("nan")) if targets else float("nan")
    if pilot_year + 1 not in targets:
        return target
    return target * targets[pilot_year + 1] / targets[pilot_year]


def _measure_fill(row, measure, rules: Rules, lang: str, pilot_year: int) -> dict:
    unit = measure.unit
    action = rules.measures.get(measure.id)
    sample = (action.sample or {}).get(lang) if action and action.sample else None
    value, target = row["value"], row["target"]
    share = value / target * 100 if pd.notna(value) and pd.notna(target) and target else None
    nxt = next_target(measure, target, pilot_year)
    return {
        "name": measure.name[lang],
        "value": quantity(value, unit, lang),
        "target": quantity(target, unit, lang),
        "gap": gap(value, target, unit, lang) if pd.notna(value) and pd.notna(target) else "—",
        "share": "—" if share is None else f"{share:.0f}",
        "x": format_value(row["numerator"] if pd.notna(row["numerator"]) else 0, "个"),
        "n": format_value(row["denominator"] if pd.notna(row["denominator"]) else 0, "个"),
        "min": format_value(measure.min_denominator, "个"),
        "sample": sample or ("样本" if lang == "zh" else "cases"),
        "next_target": quantity(nxt, unit, lang),
    }


def find_problems(
    rows: pd.DataFrame,
    registry,
    rules: Rules,
    lang: str,
    *,
    pilot_year: int,
    findings: pd.DataFrame | None = None,
    files: list[dict] | None = None,
    year: int = 0,
) -> list[Problem]:
    """The problems of one unit and year, in the order of the report: measures (by dimension,
    registry order; 未达标 before 基本达标 before 样本不足 within the registry order), then
    consistency checks, then data quality.

    ``rows``: the unit's yearly totals of indicators.parquet (``indicator``, ``value``,
    ``numerator``, ``denominator``, ``target``, ``status``); ``findings`` the unit's rows of
    findings.parquet; ``files`` :func:`shegong.reports.facts.ledger_files`.
    """
    s = rules.sentences
    found: list[Problem] = []
    by_id = rows.set_index("indicator")
    for measure in registry.measures:
        if measure.id not in by_id.index or measure.id not in rules.measures:
            continue
        row = by_id.loc[measure.id]
        status = row["status"]
        if status not in STATUS_ORDER:
            continue
        fill = _measure_fill(row, measure, rules, lang, pilot_year)
        found.append(
            Problem(
                f"measure:{measure.id}",
                "measure",
                status,
                (measure.id,),
                s[status][lang].format(**fill),
                rules.measures[measure.id],
                fill,
            )
        )
    names = {m.id: m for m in registry.measures}
    if findings is not None and not findings.empty:
        shown = findings[findings["severity"].isin(PROBLEM_SEVERITIES)]
        for f in shown.itertuples():
            action = rules.checks.get(f.check)
            if action is None:
                continue
            m = names.get(f.indicator)
            unit = m.unit if m else "个"
            fill = {
                "name": m.name[lang] if m else "",
                "value": format_value(f.value, unit),
                "expected": format_value(f.expected, unit),
            }
            found.append(
                Problem(
                    f"check:{f.check}:{f.indicator}",
                    "check",
                    f.severity,
                    (f.indicator,) if f.indicator else (),
                    action.problem[lang].format(**fill),
                    action,
                    fill,
                )
            )
    if files:
        found += _quality_problems(files, rules, lang, year)
    return found


def _quality_problems(files: list[dict], rules: Rules, lang: str, year: int) -> list[Problem]:
    found = []
    rejected = sum(f["rejected"] for f in files)
    reasons: dict[str, int] = {}
    for f in files:
        for code, n in f["rejected_by_reason"].items():
            reasons[code] = reasons.get(code, 0) + int(n)
    counts = {
        "rejected_rows": rejected,
        "total_differences": sum(f["total_differences"] for f in files),
        "repeated_rows": sum(f["repeated_rows"] for f in files),
    }
    sep = "；" if lang == "zh" else "; "
    listed = sep.join(
        f"{REASONS.get(k, (k, k))[0]} {n} 行"
        if lang == "zh"
        else f"{REASONS.get(k, (k, k))[1]}: {n}"
        for k, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    for key, n in counts.items():
        action = rules.quality.get(key)
        if not n or action is None:
            continue
        fill = {
            "year": str(year),
            "rows": format_value(sum(f["rows_read"] for f in files), "个"),
            "rejected": format_value(rejected, "个"),
            "reasons": listed,
            "count": format_value(n, "个"),
        }
        found.append(
            Problem(
                f"quality:{key}",
                "quality",
                "warning",
                (),
                action.problem[lang].format(**fill),
                action,
                fill,
            )
        )
    return found


def _who(rules: Rules, parties: tuple[str, ...], lang: str) -> str:
    first = rules.party(parties[0], lang)
    text = rules.sentences["lead"][lang].format(first=first)
    if len(parties) > 1:
        others = ("、" if lang == "zh" else " and ").join(rules.party(p, lang) for p in parties[1:])
        text += rules.sentences["support"][lang].format(others=others)
    return text[0].upper() + text[1:] if lang == "en" else text


def advise(
    problems: list[Problem], rules: Rules, scope: str, lang: str, report_date: dt.date
) -> list[Advice]:
    """One :class:`Advice` per problem, in the same order (see the module docstring)."""
    out = []
    for p in problems:
        a = p.action
        what = a.what[lang].format(**p.fill)
        if p.status == "near":
            near = a.what_near[lang] if a.what_near else rules.sentences["what_near"][lang]
            what = near.format(**{**p.fill, "what": what})
        elif p.status == "suppressed":
            text = (
                a.what_suppressed[lang]
                if a.what_suppressed
                else rules.sentences["what_suppressed"][lang]
            )
            what = text.format(**p.fill)
        parties = a.who.get(scope) or a.who.get("station") or tuple(rules.parties)[:1]
        due = _add_months(report_date, a.months)
        months = (
            f"{a.months}个月" if lang == "zh" else f"{a.months} month{'s' if a.months > 1 else ''}"
        )
        by = rules.sentences["deadline"][lang].format(months=months, date=long_date(due, lang))
        if lang == "en":
            what = what[:1].upper() + what[1:]
        out.append(
            Advice(
                p,
                what=what.rstrip("。.") + ("。" if lang == "zh" else "."),
                who=_who(rules, parties, lang),
                by=by,
                due=due,
                check=a.check[lang].format(**p.fill).rstrip("。.")
                + ("。" if lang == "zh" else "."),
            )
        )
    return out


def highlights(
    rows: pd.DataFrame,
    previous: pd.DataFrame,
    registry,
    rules: Rules,
    lang: str,
    dimensions: pd.DataFrame | None = None,
    dim_names: dict[str, str] | None = None,
) -> list[dict]:
    """Highlights as dicts {``text``, ``measures``}: measures met at ≥ ``highlights.exceed`` of
    their target (highest share first), rises on last year of at least
    ``improvement_points`` (rates, percentage points) or ``improvement_share`` (other measures),
    largest first, each list cut at ``max_items``; then dimensions scored at 90 % or more."""
    h = rules.highlights
    limit = int(h["max_items"])
    names = {m.id: m for m in registry.measures}
    out: list[dict] = []
    mine = rows[(rows["status"] == "met") & rows["target"].gt(0) & rows["value"].notna()].copy()
    mine["ratio"] = mine["value"] / mine["target"]
    mine = mine[mine["ratio"] >= h["exceed"]].sort_values("ratio", ascending=False).head(limit)
    for r in mine.itertuples():
        m = names[r.indicator]
        value, target = quantity(r.value, m.unit, lang), quantity(r.target, m.unit, lang)
        if lang == "zh":
            text = (
                f"{m.name['zh']}达到 {value}，高于目标（{target}）{gap(r.value, r.target, m.unit, lang)}。"
                if m.unit == "%"
                else f"{m.name['zh']}达到{value}，为目标（{target}）的{r.ratio * 100:.0f}%。"
            )
        else:
            text = (
                f"{m.name['en']} reached {value}, {gap(r.value, r.target, m.unit, lang)} above its target of {target}."
                if m.unit == "%"
                else f"{m.name['en']}: {value}, {r.ratio * 100:.0f}% of its target of {target}."
            )
        out.append({"text": text, "measures": [r.indicator]})
    if previous is not None and not previous.empty:
        prev = previous.set_index("indicator")["value"]
        rises = []
        for r in rows.itertuples():
            if r.indicator not in prev.index or pd.isna(r.value) or pd.isna(prev[r.indicator]):
                continue
            m, before = names[r.indicator], float(prev[r.indicator])
            if m.unit == "%":
                size = (r.value - before) / h["improvement_points"]
            elif before > 0:
                size = (r.value - before) / before / h["improvement_share"]
            else:
                continue
            if size >= 1:
                rises.append((size, r, m, before))
        for _, r, m, before in sorted(rises, key=lambda t: -t[0])[:limit]:
            was, now = quantity(before, m.unit, lang), quantity(r.value, m.unit, lang)
            if lang == "zh":
                text = (
                    f"{m.name['zh']}较上年提高 {r.value - before:,.1f}个百分点（由 {was} 升至 {now}）。"
                    if m.unit == "%"
                    else f"{m.name['zh']}较上年增长 {(r.value - before) / before * 100:.0f}%（由 {was} 增至 {now}）。"
                )
            else:
                text = (
                    f"{m.name['en']} rose {r.value - before:,.1f} percentage points on last year ({was} to {now})."
                    if m.unit == "%"
                    else f"{m.name['en']} grew {(r.value - before) / before * 100:.0f}% on last year ({was} to {now})."
                )
            out.append({"text": text, "measures": [r.indicator]})
    if dimensions is not None and not dimensions.empty and dim_names:
        strong = dimensions[dimensions["score"] >= 0.9 * dimensions["max_score"]]
        if not strong.empty:
            listed = ("、" if lang == "zh" else ", ").join(
                dim_names[d] for d in strong["dimension"]
            )
            ids = [m.id for m in registry.measures if m.dimension in set(strong["dimension"])]
            text = (
                f"{listed}维度得分率在 90% 以上。"
                if lang == "zh"
                else f"Dimensions scored at 90% or more: {listed}."
            )
            out.append({"text": text, "measures": ids})
    return out


def conclusion(
    rules: Rules,
    lang: str,
    *,
    unit: str,
    year: int,
    total: dict | None,
    counts: dict[str, int],
    area: str,
) -> str:
    """The concluding paragraph: the rules' text for the grade, filled with the score, the rank
    among peers (``total`` has ``score``, ``grade``, ``change``, ``peer_rank``, ``peer_count``),
    the change on last year and the count of measures by status."""
    if not total or pd.isna(total.get("score")) or total.get("grade") not in GRADE_LABELS["zh"]:
        return rules.conclusion["none"][lang].format(unit=unit, year=year)
    rank = ""
    n = total.get("peer_count")
    if n is not None and not pd.isna(n) and int(n) > 1:
        rank = (
            f"，在 {int(n)} 个同级同类单元中列第 {int(total['peer_rank'])} 位"
            if lang == "zh"
            else f", {int(total['peer_rank'])} of {int(n)} peers"
        )
    change = ""
    c = total.get("change")
    if c is not None and not pd.isna(c):
        if lang == "zh":
            change = f"，较上年{'提高' if c > 0 else '下降' if c < 0 else '持平'}" + (
                f" {abs(c):.1f} 分" if round(c, 1) else ""
            )
        else:
            change = f", {signed(c)} points on last year"
    labels = {
        "zh": (
            ("met", "达标"),
            ("near", "基本达标"),
            ("missed", "未达标"),
            ("suppressed", "样本不足"),
        ),
        "en": (
            ("met", "met"),
            ("near", "nearly met"),
            ("missed", "not met"),
            ("suppressed", "insufficient sample"),
        ),
    }[lang]
    scored = sum(counts.get(k, 0) for k, _ in labels)
    parts = [
        f"{label} {counts[k]} 项" if lang == "zh" else f"{counts[k]} {label}"
        for k, label in labels
        if counts.get(k)
    ]
    counted = (
        f"{scored} 项有目标的指标中，" + "、".join(parts) + "。"
        if lang == "zh"
        else f"Of {scored} measures with a target, " + ", ".join(parts) + ". "
    )
    return rules.conclusion[total["grade"]][lang].format(
        unit=unit,
        year=year,
        score=f"{total['score']:.1f}",
        rank=rank,
        change=change,
        counts=counted,
        area=area,
    )
