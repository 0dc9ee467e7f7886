"""The evaluation report's structure and judgement on a demo-like workspace (issue 17): the
sections, advice tied to the measures it follows from, the vocabulary, the rank among peers, rules
an evaluator edits. Built in-process from the report blocks (no papermill); the exports are in
tests/test_report_exports.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from shegong.config import Workspace
from shegong.reports import assessment
from shegong.reports.blocks import (
    Annex,
    Cover,
    Figure,
    Heading,
    Items,
    Narrative,
    Paragraph,
    SignOff,
    Table,
)
from shegong.reports.context import build
from shegong.reports.document import blocks
from shegong.reports.format import long_date, signed, status_label, tidy
from shegong.reports.rules import RulesError, load_rules

LEAGUE, COUNTY, STATION = "152200000000", "152201000000", "152201100000"
DAY = "2023-03-01"
ZH_SECTIONS = [
    "基本情况",
    "评估依据与方法",
    "评估结果",
    "主要成效与亮点",
    "存在问题",
    "整改建议",
    "评估结论",
]
EN_SECTIONS = [
    "The unit",
    "Basis and methods of the evaluation",
    "Results",
    "Achievements and highlights",
    "Problems found",
    "Recommendations",
    "Conclusion",
]
MEASURE_ID = re.compile(r"\b[A-G][1-7][ab]?\b")


@pytest.fixture(scope="module")
def made(report_workspace):
    """{(code, lang): (context, blocks)} for the league, a county and a station."""
    out = {}
    for code in (LEAGUE, COUNTY, STATION):
        for lang in ("zh", "en"):
            ctx = build(report_workspace, code, 2022, lang, report_date=DAY)
            out[code, lang] = (ctx, blocks(ctx))
    return out


def _texts(found) -> str:
    parts = []
    for b in found:
        if isinstance(b, Annex):
            break
        if isinstance(b, Heading | Paragraph):
            parts.append(b.plain())
        elif isinstance(b, Items):
            parts += [i.get("lead", "") + i["text"] for i in b.items]
            parts += [v for i in b.items for _, v in i.get("fields", [])]
        elif isinstance(b, Table):
            parts += [b.caption, b.note, *b.columns, *(c for r in b.rows for c in r)]
        elif isinstance(b, Cover):
            parts += [b.title, *(v for line in b.lines for v in line), *b.revision]
        elif isinstance(b, Figure):
            parts.append(b.caption)
    return "\n".join(parts)


@pytest.mark.parametrize("code", [LEAGUE, COUNTY, STATION])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sections_present_in_order(made, code, lang):
    ctx, found = made[code, lang]
    cover = found[1]
    assert isinstance(cover, Cover) and cover.state == "draft"
    labels = [a for a, _ in cover.lines]
    assert labels == (
        ["评估对象：", "区划代码：", "层级：", "试点年度：", "评估机构：", "报告日期："]
        if lang == "zh"
        else [
            "Unit evaluated:",
            "Division code:",
            "Level:",
            "Pilot year:",
            "Evaluating body:",
            "Date:",
        ]
    )
    assert dict(cover.lines)["区划代码：" if lang == "zh" else "Division code:"] == code
    body = (
        "兴安盟社会工作服务评估组（演示）"
        if lang == "zh"
        else "Xing'an League social work evaluation team (demo)"
    )
    assert body in dict(cover.lines).values()
    top = [b.text for b in found if isinstance(b, Heading) and b.level == 1]
    if lang == "zh":
        marks = ["一、", "二、", "三、", "四、", "五、", "六、", "七、"]
        assert top == [m + s for m, s in zip(marks, ZH_SECTIONS, strict=True)]
    else:
        assert top == [f"{i}. {s}" for i, s in enumerate(EN_SECTIONS, 1)]
    annexes = [b for b in found if isinstance(b, Annex)]
    assert [a.label for a in annexes] == (
        ["附件1", "附件2", "附件3"] if lang == "zh" else ["Annex 1", "Annex 2", "Annex 3"]
    )
    signoff = next(b for b in found if isinstance(b, SignOff))
    assert len(signoff.lines) == 4 and signoff.lines[-1][1] == long_date(dt.date(2023, 3, 1), lang)
    assert found.index(signoff) < found.index(annexes[0])
    narrative = next(b for b in found if isinstance(b, Narrative))
    assert not narrative.missing and narrative.markdown.strip()  # the demo's evaluators wrote one
    # 三、评估结果: the summary card with the rank among peers of the same level, type and parent
    summary = next(b for b in found if isinstance(b, Table) and b.css_class == "shegong-summary")
    total = ctx.total
    assert summary.rows[0][0] == f"{total['score']:.1f}"
    if code == LEAGUE:  # no peer under the same parent
        assert summary.rows[0][2].startswith("—")
    else:
        assert summary.rows[0][2] == (
            f"第{int(total['peer_rank'])}位（{int(total['peer_count'])}个单元）"
            if lang == "zh"
            else f"{int(total['peer_rank'])} of {int(total['peer_count'])}"
        )
    assert summary.rows[0][3] == signed(total["change"])


def test_rank_among_peers_of_the_same_level_type_and_parent(report_workspace):
    from shegong.indicators.results import read_evaluation
    from shegong.orgunits import OrgUnits

    ws = Workspace.at(report_workspace, create=False)
    units = OrgUnits.read_csv(ws.org_units_file)
    ranks = assessment.peer_ranks(read_evaluation(ws), units, 2022).set_index("org_unit")
    frame = units.frame.set_index("code")
    siblings = frame[(frame["parent_code"] == COUNTY) & (frame["unit_type"] == "station")].index
    scores = ranks.loc[siblings, "score"].sort_values(ascending=False)
    assert list(ranks.loc[scores.index, "peer_rank"]) == [1, 2, 3]
    assert set(ranks.loc[siblings, "peer_count"]) == {3}
    counties = frame[frame["parent_code"] == LEAGUE].index
    assert set(ranks.loc[counties, "peer_count"]) == {6}
    assert ranks.at[LEAGUE, "peer_count"] == 1


@pytest.mark.parametrize("code", [LEAGUE, COUNTY, STATION])
def test_advice_follows_from_each_problem_and_its_measure(made, code, report_workspace):
    ctx, found = made[code, "zh"]
    rules = load_rules(workspace=Workspace.at(report_workspace, create=False))
    rows = ctx.rows.set_index("indicator")
    flagged = sorted(rows.index[rows["status"].isin(["missed", "near", "suppressed"])])
    problems = next(b for b in found if isinstance(b, Items) and b.css_class == "problems")
    advice = next(b for b in found if isinstance(b, Items) and b.css_class == "advice")
    tied = sorted(i["measures"][0] for i in problems.items if i["key"].startswith("measure:"))
    assert tied == flagged and flagged  # every measure not met, nearly met or too small
    assert len(advice.items) == len(problems.items)
    for n, (p, a) in enumerate(zip(problems.items, advice.items, strict=True), 1):
        assert a["key"] == p["key"] and a["measures"] == p["measures"]
        assert a["lead"] == f"针对问题{n}："
        assert [label for label, _ in a["fields"]] == ["责任主体", "完成时限", "检查方式"]
        if not p["key"].startswith("measure:"):
            continue
        mid, status = p["measures"][0], rows.at[p["measures"][0], "status"]
        rule = rules.measures[mid]
        name = ctx.report.kpis.set_index("indicator").at[mid, "name"]
        assert p["text"].startswith(
            name + {"missed": "未达标", "near": "基本达标", "suppressed": "样本不足"}[status]
        )
        if (
            status == "missed"
        ):  # the rule's own words for this measure, not a dimension's boilerplate
            assert a["text"] == tidy(rule.what["zh"], "zh") + "。"
        elif status == "near":
            assert a["text"] == tidy(f"巩固现有做法，补齐差距：{rule.what['zh']}。", "zh")
        months = rule.months
        due = assessment._add_months(dt.date(2023, 3, 1), months)
        assert a["due"] == due.isoformat()
        assert (
            dict(a["fields"])["完成时限"]
            == f"自报告印发之日起{months}个月内（{long_date(due, 'zh')}前）"
        )
        scope = assessment.scope_of(
            rules, ctx.report.level, "station" if code == STATION else "admin"
        )
        lead = rules.parties[rule.who[scope][0]]["zh"]
        assert dict(a["fields"])["责任主体"].startswith(lead + "负责")
    # no two measures share one line of advice
    measure_advice = [
        a["text"]
        for a in advice.items
        if a["key"].startswith("measure:") and "样本" not in a["text"]
    ]
    assert len(set(measure_advice)) == len(measure_advice)


def test_suppressed_measures_say_insufficient_sample_with_x_of_n(made):
    ctx, found = made[STATION, "zh"]
    rows = ctx.rows.set_index("indicator")
    small = rows[rows["status"] == "suppressed"]
    assert not small.empty
    annex = next(b for b in found if isinstance(b, Table) and b.css_class == "shegong-kpi")
    by_id = {r[0]: r for r in annex.rows}
    for mid, r in small.iterrows():
        x, n = int(r["numerator"]), int(r["denominator"])
        assert by_id[mid][5] == f"样本不足（{x}/{n}）" == status_label("suppressed", "zh", x, n)
        assert by_id[mid][2] == f"样本不足（{x}/{n}）"
    problems = next(b for b in found if isinstance(b, Items) and b.css_class == "problems")
    texts = {i["measures"][0]: i["text"] for i in problems.items if i["key"].startswith("measure:")}
    mid = small.index[0]
    assert (
        f"（{int(small.at[mid, 'numerator'])}/{int(small.at[mid, 'denominator'])}）" in texts[mid]
    )


@pytest.mark.parametrize("code", [LEAGUE, COUNTY, STATION])
def test_one_vocabulary_and_measure_ids_only_in_the_annex(made, code):
    for lang in ("zh", "en"):
        _, found = made[code, lang]
        body = _texts(found)
        for word in (
            "组织单元代码",
            "已抑制",
            "未达成",
            "接近目标",
            "柯氏",
            "datasets/",
            ".yaml",
            "Kirkpatrick",
            "suppressed",
        ):
            assert word not in body, (lang, word)
        assert not MEASURE_ID.findall(body), MEASURE_ID.findall(body)[:5]
        annex = next(b for b in found if isinstance(b, Table) and b.css_class == "shegong-kpi")
        assert [r[0] for r in annex.rows][:3] == ["A1", "A2", "A3"] and len(annex.rows) == 33
    zh = _texts(made[code, "zh"][1])
    assert "区划代码" in zh and "达标" in zh


def test_english_units_in_english_reports(made):
    _, found = made[STATION, "en"]
    key = next(b for b in found if isinstance(b, Table) and b.css_class == "shegong-key")
    units = {r[0]: r[2] for r in key.rows}
    assert (
        units["Households visited"] == "households"
        and units["Person-times served"] == "person-times"
    )
    assert units["Charitable resources linked"] == "yuan"
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert not any(cjk.search(c) for r in key.rows for c in r[1:])


def test_thousands_signs_and_dates_as_shown():
    assert signed(3.84) == "+3.8" and signed(-1.2) == "\u22121.2" and signed(0.04) == "0.0"
    assert long_date(dt.date(2023, 3, 1), "zh") == "2023年3月1日"
    assert long_date(dt.date(2023, 3, 1), "en") == "1 March 2023"
    assert status_label("suppressed", "zh", 3, 4) == "样本不足（3/4）"
    assert status_label("near", "en") == "nearly met"


def test_rules_an_evaluator_edits_change_the_advice(report_workspace, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(report_workspace, root)
    ws = Workspace.at(root, create=False)
    rules = yaml.safe_load(Path(load_rules().source).read_text(encoding="utf-8"))
    rules["measures"]["F3"]["what"]["zh"] = "由街道牵头召开爱心企业座谈会，每季度至少对接一次"
    rules["measures"]["F3"]["months"] = 3
    (root / "report_rules.yaml").write_text(
        yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8"
    )
    ctx = build(ws, STATION, 2022, "zh", report_date=DAY)
    f3 = next(a for a in ctx.advice if a.measures == ("F3",))
    assert f3.what == "由街道牵头召开爱心企业座谈会，每季度至少对接一次。"
    assert f3.due == dt.date(2023, 6, 1)
    rules["measures"]["F3"]["who"] = {"station": ["mayor"]}
    rules["measures"]["F3"]["check"] = {"zh": "下一年度核查{nonsense}"}
    (root / "report_rules.yaml").write_text(
        yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(RulesError) as e:
        build(ws, STATION, 2022, "zh", report_date=DAY)
    message = e.value.message()
    assert "measures.F3.who.station: unknown party mayor" in message
    assert "measures.F3.check: needs both zh and en texts" in message


def test_shipped_rules_cover_every_measure():
    from shegong.indicators.registry import load_registry

    rules = load_rules(measure_ids=[m.id for m in load_registry().measures])
    assert len(rules.measures) == 33
    assert set(rules.checks) == {
        "files_exceed_households",
        "cases_closed_exceed_opened",
        "children_do_not_sum",
        "input_missing",
    }
    assert pd.Series([a.months for a in rules.measures.values()]).between(1, 36).all()


def test_report_settings_are_validated(report_workspace, tmp_path):
    from shegong.reports.rules import settings

    root = tmp_path / "ws"
    root.mkdir()
    ws = Workspace(root)
    assert settings(ws) == {}
    (root / "report_settings.yaml").write_text("evaluating_body: {zh: 评估组}\n", encoding="utf-8")
    with pytest.raises(RulesError, match="schema_version must be 1"):
        settings(ws)
    (root / "report_settings.yaml").write_text(
        "schema_version: 1\nevaluating_body: {zh: 评估组}\n", encoding="utf-8"
    )
    with pytest.raises(RulesError, match="evaluating_body: needs both zh and en texts"):
        settings(ws)


def test_project_funding_of_a_year_without_projects(tmp_path):
    from shegong.orgunits import OrgUnits
    from shegong.reports.facts import project_funding

    from .builders import write_org_units

    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    units = OrgUnits.read_csv(ws.org_units_file)
    assert project_funding(ws, units, "152200000000", 2021) == {"projects": 0, "budget_yuan": 0.0}
    (ws.inputs / "accepted").mkdir(parents=True)
    pd.DataFrame(
        {
            "stations": ["152201100000;152221100000", "152221100000"],
            "year": [2022, 2022],
            "budget_fen": [1_200_000, 500_000],
        }
    ).to_parquet(ws.inputs / "accepted" / "projects.parquet")
    assert project_funding(ws, units, "152200000000", 2021) == {"projects": 0, "budget_yuan": 0.0}
    assert project_funding(ws, units, "152201000000", 2022) == {
        "projects": 1,
        "budget_yuan": 12000.0,
    }
    assert project_funding(ws, units, "152200000000", 2022) == {
        "projects": 2,
        "budget_yuan": 17000.0,
    }
