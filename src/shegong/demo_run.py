"""``shegong demo``: generate the demo inputs, import, compute, report, and serve.

The demo is pilot year 2021 of 兴安盟 (Xing'an League), calibrated so that the league's
indicators reproduce the published figures of DOMAIN.md §5 (see ``datasets/demo/README.md``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from .config import Workspace
from .demo import generate_demo_inputs
from .indicators import compute_indicators
from .ledger.importer import import_ledgers
from .reports import run_reports
from .serve import serve as serve_workspace

DEMO_YEAR = 2021
LEAGUE = "152200000000"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_demo(*, workspace: str | Path = "workspace", serve: bool = True, port: int = 8866,
             workers: int | None = None, say: Callable[[str], None] = _say) -> Workspace:
    """Build (or update in place) the demo workspace and optionally serve it.

    Returns the workspace. Raises whatever the steps raise (all :class:`~shegong.errors.ShegongError`).
    """
    ws = Workspace.at(workspace)
    say(f"① 生成演示数据 generating demo inputs → {ws.inputs}")
    inputs = generate_demo_inputs(ws.inputs)
    say(f"② 导入台账 importing {len(inputs.ledgers)} ledgers")
    summary = import_ledgers(inputs.ledgers, workspace=ws).to_dict()
    say(f"   读取 {summary['rows_read']} 行：接收 {summary['accepted']}，拒收 {summary['rejected']} "
        f"(rows read / accepted / rejected)")
    say("③ 计算指标 computing indicators")
    table = compute_indicators(ws, year=DEMO_YEAR)
    league = table[(table["org_unit"] == LEAGUE) & (table["period"] == str(DEMO_YEAR))
                   & table["service_area"].isna() & table["client_category"].isna()]
    figures = ", ".join(f"{r.indicator}={r.value:,.0f}{r.unit}" for r in league.itertuples())
    say(f"   兴安盟 {figures}")
    say("④ 生成报告 running reports")
    manifest = run_reports(ws, year=DEMO_YEAR, workers=workers)
    failed = [u["org_unit"] for u in manifest["units"] if u["status"] != "ok"]
    say(f"   {len(manifest['units']) - len(failed)} ok, {len(failed)} failed → {ws.reports_dir(DEMO_YEAR)}")
    if serve:
        serve_workspace(ws, port=port)
    return ws


