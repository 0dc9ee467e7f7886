"""Projects in the demo workspace (issue 8): the round's portfolio report, the Bee Plan programmes,
attribution never exceeding the ledger, and the MZ/T 059-2014 dimensions in the project report."""

import io
import json

import nbformat
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

ROUND = "2022年公益创投"
DIMENSIONS = {"目标", "投入", "管理", "产出", "成效", "满意度"}


def _html(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    )


@pytest.fixture(scope="module")
def table(demo_workspace):
    return pd.read_parquet(demo_workspace / "indicators" / "projects.parquet")


def test_demo_has_the_round_the_bee_plan_and_a_charity_project(demo_workspace, table):
    projects = pd.read_parquet(demo_workspace / "inputs" / "accepted" / "projects.parquet")
    assert sorted(projects.loc[projects["round"] == ROUND, "project_code"]) == [
        f"GY2022-0{i}" for i in range(1, 7)
    ]
    assert set(projects["funding_type"]) == {"purchase", "venture_philanthropy", "charity"}
    bee = projects[projects["funding_type"] == "purchase"]
    assert sorted(bee["programme"]) == sorted(["暖阳", "乐龄", "雏鹰", "乐居"])
    assert set(table.loc[table["scope"] == "programme", "scope_id"]) == {
        "暖阳",
        "乐龄",
        "雏鹰",
        "乐居",
    }
    assert set(table["scope"]) == {"project", "programme", "funder", "round"}


def test_portfolio_report_lists_every_project_with_its_figures(demo_workspace, table):
    path = demo_workspace / "reports" / "2022" / "projects" / f"round-{ROUND}.ipynb"
    shown = pd.read_html(
        io.StringIO(_html(path)), attrs={"class": "shegong-portfolio"}, converters={0: str}
    )[0]
    codes = shown["项目"].str.split(" ").str[0]
    assert sorted(codes) == [f"GY2022-0{i}" for i in range(1, 7)]
    assert shown["排名"].astype(int).tolist() == [1, 2, 3, 4, 5, 6]
    mine = table[table["scope"] == "project"].pivot(
        index="scope_id", columns="indicator", values="value"
    )
    for code, row in zip(codes, shown.itertuples(index=False), strict=True):
        got = dict(zip(shown.columns, row, strict=True))
        assert int(str(got["服务人次（人次）"]).replace(",", "")) == mine.at[code, "P4c"]
        assert int(str(got["实际支出（元）"]).replace(",", "")) == round(mine.at[code, "P2b"])
        assert float(str(got["每人次服务成本（元/人次）"]).replace(",", "")) == pytest.approx(
            mine.at[code, "P2c"], abs=0.05
        )
    ranked = mine.loc[codes, "P1a"].tolist()  # highest person-time target attainment first
    assert ranked == sorted(ranked, reverse=True)


def test_attributed_person_times_never_exceed_the_stations(demo_workspace, table):
    events = pd.read_parquet(demo_workspace / "indicators" / "project_events.parquet")
    ledger = pd.concat(
        pd.read_parquet(p, columns=["event_id", "station_code", "person_times"])
        for p in (demo_workspace / "ledger" / "accepted").glob("*.parquet")
    )
    assert events["event_id"].is_unique and set(events["event_id"]) <= set(ledger["event_id"])
    per_station = events.groupby("station_code")["person_times"].sum()
    totals = ledger.groupby("station_code")["person_times"].sum()
    assert (per_station <= totals[per_station.index]).all()
    projects = table[(table["scope"] == "project") & (table["indicator"] == "P4c")]
    assert (
        projects["value"].sum() == events.loc[events["project_code"].notna(), "person_times"].sum()
    )
    assert projects["value"].sum() < ledger["person_times"].sum()
    assert (
        events["candidates"] >= 2
    ).any()  # micro-projects overlap the Bee Plan: each event still counted once


def test_project_report_shows_the_six_dimensions(demo_workspace):
    manifest = json.loads(
        (demo_workspace / "reports" / "2022" / "projects" / "manifest.json").read_text(
            encoding="utf-8"
        )
    )
    keys = {u["key"] for u in manifest["units"]}
    assert {u["status"] for u in manifest["units"]} == {"ok"}
    assert {"project-GY2022-01", "programme-乐龄", f"round-{ROUND}", "funder-兴安盟民政局"} <= keys
    assert len(keys) == 11 + 4 + 3 + 1  # projects, programmes, funders, round
    html = _html(demo_workspace / "reports" / "2022" / "projects" / "project-GY2022-01.ipynb")
    kpi = pd.read_html(io.StringIO(html), attrs={"class": "shegong-project-kpi"})[0]
    assert set(kpi["维度"]) == DIMENSIONS
    nb = nbformat.read(
        demo_workspace / "reports" / "2022" / "projects" / "project-GY2022-01.ipynb", as_version=4
    )
    markdown = "".join(
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    )
    assert "按 MZ/T 059-2014 的六个维度" in markdown
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # targets against actuals, the timeline
