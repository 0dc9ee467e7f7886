"""``shegong demo``: generate the demo inputs, import, compute, evaluate, report, and serve.

The demo is 兴安盟 (Xing'an League) in pilot years 2021 and 2022; 2021 is calibrated so that the
league's indicators reproduce the published figures of DOMAIN.md §5 (see
``datasets/demo/README.md``). Reports: 2022 for every unit at levels 2–4 (its league report
shows the A–G scores, total, grade and change on 2021) in Chinese and English, 2021 for the
league and the counties in Chinese only — enough to compare; 57 reports. The evaluating body
and three evaluators' opinions come from :mod:`shegong.demo.narratives`. Projects (issue 8):
the Bee Plan programmes, the 2022 venture-philanthropy round and a charity project
(:mod:`shegong.demo.projects`), each with its report, and a portfolio report per funder and round.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from shegong.config import Workspace
from shegong.demo.generate import generate_demo_inputs
from shegong.demo.narratives import write_demo_report_settings
from shegong.demo.projects import write_demo_projects
from shegong.indicators.compute import compute_indicators
from shegong.indicators.evaluation import GRADE_LABELS, evaluate
from shegong.indicators.inputs import import_inputs
from shegong.indicators.projects import compute_projects
from shegong.ledger.importer import import_ledgers
from shegong.reports.batch import failure_line, run_reports
from shegong.reports.project_batch import run_project_reports
from shegong.serving.serve import serve as serve_workspace

DEMO_YEARS = (2021, 2022)
DEMO_YEAR = 2022  # the year served and fully reported
LEAGUE = "152200000000"
#: Levels reported per year (2021: league and counties; 2022: league, counties, stations).
REPORT_LEVELS = {2021: [2, 3], 2022: [2, 3, 4]}
#: Languages per year: the served year in Chinese and English (one batch, `--lang zh,en`), so
#: that an English page is replayed as quickly as a Chinese one.
REPORT_LANGS = {2021: "zh", 2022: "zh,en"}


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_demo(
    *,
    workspace: str | Path = "workspace",
    serve: bool = True,
    port: int = 8866,
    workers: int | None = None,
    say: Callable[[str], None] = _say,
) -> Workspace:
    """Build (or update in place) the demo workspace and optionally serve it.

    Returns the workspace. Raises whatever the steps raise (all :class:`~shegong.errors.ShegongError`).
    """
    ws = Workspace.at(workspace)
    say(f"① 生成演示数据 generating demo inputs → {ws.inputs}")
    inputs = generate_demo_inputs(ws.inputs)
    for year in DEMO_YEARS:
        files = inputs.ledgers_by_year.get(year, [])
        say(f"② 导入 {year} 年台账 importing {len(files)} ledgers of {year}")
        summary = import_ledgers(files, workspace=ws).to_dict()
        say(
            f"   读取 {summary['rows_read']} 行：接收 {summary['accepted']}，拒收 {summary['rejected']} "
            f"(rows read / accepted / rejected)"
        )
    say(
        "   生成项目与服务计划 writing the demo projects and programmes (公益创投, 暖阳 乐龄 雏鹰 乐居)"
    )
    write_demo_projects(ws)
    say(
        "   导入名册、培训、问卷与评估材料 importing roster, training, surveys and evaluation inputs"
    )
    for kind, s in import_inputs(ws).items():
        say(f"   {kind}: 接收 {s.accepted}，拒收 {s.rejected} (accepted / rejected)")
    say("   评估机构与评估组意见 writing the evaluating body and three evaluators' opinions")
    write_demo_report_settings(ws)
    for year in DEMO_YEARS:
        say(f"③ 计算 {year} 年指标与评估 computing indicators and the evaluation of {year}")
        table = compute_indicators(ws, year=year)
        league = table[
            (table["org_unit"] == LEAGUE)
            & (table["period"] == str(year))
            & table["service_area"].isna()
            & table["client_category"].isna()
        ]
        shown = league[league["indicator"].isin(("D1", "D3a", "D4a", "D5b", "D6", "D7a", "F3"))]
        say(
            "   兴安盟 "
            + ", ".join(f"{r.indicator}={r.value:,.0f}{r.unit}" for r in shown.itertuples())
        )
        result = evaluate(ws, year=year)
        total = result[(result["org_unit"] == LEAGUE) & (result["dimension"] == "total")]
        if not total.empty:
            r = total.iloc[0]
            change = "" if r["change"] != r["change"] else f"，较上年 {r['change']:+.1f}"
            say(
                f"   兴安盟总分 {r['score']:.1f}（{GRADE_LABELS['zh'].get(r['grade'], '—')}）{change}"
            )
    projects = compute_projects(ws)
    scopes = projects[["scope", "scope_id"]].drop_duplicates()
    say(
        f"   项目指标 project indicators: {(scopes['scope'] == 'project').sum()} projects, "
        f"{(scopes['scope'] == 'programme').sum()} programmes, {(scopes['scope'] == 'round').sum()} round(s)"
    )
    for year in DEMO_YEARS:
        say(f"④ 生成 {year} 年报告 running the {year} reports")
        manifest = run_reports(
            ws, year=year, levels=REPORT_LEVELS[year], lang=REPORT_LANGS[year], workers=workers
        )
        failed = [u for u in manifest["units"] if u["status"] != "ok"]
        say(
            f"   {len(manifest['units']) - len(failed)} ok, {len(failed)} failed → {ws.reports_dir(year)}"
        )
        for u in failed:
            say(f"   {failure_line(u)}")
    say(
        f"⑤ 生成 {DEMO_YEAR} 年项目报告 running the {DEMO_YEAR} project, programme and portfolio reports"
    )
    manifest = run_project_reports(ws, year=DEMO_YEAR, workers=workers)
    failed = [u for u in manifest["units"] if u["status"] != "ok"]
    say(f"   {len(manifest['units']) - len(failed)} ok, {len(failed)} failed")
    for u in failed:
        say(f"   {failure_line(u)}")
    if serve:
        serve_workspace(ws, port=port)
    return ws
