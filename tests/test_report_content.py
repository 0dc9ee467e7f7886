"""The report's sections on the demo workspace: client categories, five-society linkage, staff and
传帮带教 training, training beside outcomes, the children table's 本级 row, English units (issue 6).

Every figure is checked against ``indicators/indicators.parquet`` or the inputs it was computed
from, never against a number copied from a report.
"""

import io
import shutil

import nbformat
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.reports import services as report_services
from shegong.reports import team as report_training
from shegong.reports.format import UNIT_EN
from shegong.reports.unit import UnitReport

LEAGUE = "152200000000"
COUNTIES = [
    "152201000000",
    "152202000000",
    "152221000000",
    "152222000000",
    "152223000000",
    "152224000000",
]
STATION = "152201100000"  # 和平街道社工站, with four 社工室 below it
ADDITIVE = ["D3a", "D4a", "D5b", "D6", "D7a", "F2b", "F2c", "F3"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def table(demo_workspace):
    return pd.read_parquet(demo_workspace / "indicators" / "indicators.parquet")


def _yearly(table, unit, year, category=None):
    rows = table[
        (table["org_unit"] == unit) & (table["period"] == str(year)) & table["service_area"].isna()
    ]
    rows = (
        rows[rows["client_category"].isna()]
        if category is None
        else rows[rows["client_category"] == category]
    )
    return rows.set_index("indicator")


def _html(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    return "".join(
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    )


def test_client_mix_person_times_add_up_to_the_league(demo_workspace, table):
    mix = report_services.client_mix(table, LEAGUE, 2022).set_index("client_category")
    categories = table[
        (table["period"] == "2022")
        & table["client_category"].notna()
        & table["service_area"].isna()
        & (table["indicator"] == "D7a")
    ]
    for category, value in mix["D7a"].items():
        counties = categories[
            categories["org_unit"].isin(COUNTIES) & (categories["client_category"] == category)
        ]
        assert value == counties["value"].sum(), (
            category
        )  # the league's row is the sum of its counties' rows
    assert (
        mix["D7a"].sum() == _yearly(table, LEAGUE, 2022).at["D7a", "value"]
    )  # categories add up to the total
    assert (
        mix["D1"].drop("unspecified").sum() >= _yearly(table, LEAGUE, 2022).at["D1", "value"]
    )  # distinct per category
    assert (
        list(mix.index[:3]) == ["dibao", "extreme_poverty", "left_behind_child"]
        and mix.index[-1] == "unspecified"
    )
    shown = pd.read_html(
        io.StringIO(_html(demo_workspace / "reports" / "2022" / f"{LEAGUE}.ipynb")),
        attrs={"class": "shegong-clients"},
        thousands=",",
    )[0].set_index("对象类别")
    assert shown.at["低保", "服务人次（人次）"] == mix.at["dibao", "D7a"]
    assert shown.at["未标注类别", "服务人次（人次）"] == mix.at["unspecified", "D7a"]


def test_linkage_shows_the_five_societies_with_targets(table):
    link = report_services.linkage(table, LEAGUE, 2022).set_index("indicator")
    league = _yearly(table, LEAGUE, 2022)
    assert list(link["society"].unique()) == [
        "community",
        "social_workers",
        "organisations",
        "volunteers",
        "charity",
    ]
    for mid in ("A2", "B1", "F1", "F2a", "F2b", "F2c", "F3"):
        assert link.at[mid, "value"] == league.at[mid, "value"]
        assert link.at[mid, "share"] == pytest.approx(
            league.at[mid, "value"] / league.at[mid, "target"] * 100
        )
    assert link.at["F3", "unit"] == "元"


def test_staff_table_matches_the_b_indicators(demo_workspace, table):
    from shegong.config import Workspace
    from shegong.orgunits import OrgUnits

    ws = Workspace.at(demo_workspace, create=False)
    units = OrgUnits.read_csv(ws.org_units_file)
    staff = report_training.staff_table(ws, units, LEAGUE, 2022)
    league = _yearly(table, LEAGUE, 2022)
    core = staff.loc[["站长", "社工"]]  # B1–B4 count station heads and social workers
    assert core["full_time"].sum() == league.at["B1", "numerator"]
    assert core["certified"].sum() == league.at["B2", "numerator"]
    assert core["persons"].sum() == league.at["B2", "denominator"]
    assert core["training_hours"].sum() == pytest.approx(league.at["B3", "numerator"])
    roster = pd.read_parquet(demo_workspace / "inputs" / "accepted" / "roster.parquet")
    in_post = roster["start_date"].dt.year.le(2022) & (
        roster["end_date"].isna() | roster["end_date"].dt.year.ge(2022)
    )
    assert staff["persons"].sum() == in_post.sum()  # every station is below the league
    stages = report_training.stage_table(ws, units, LEAGUE, 2022)
    assert stages.to_numpy().sum() == league.at["B5", "value"]
    assert list(stages.columns) == ["传", "帮", "带", "教"]
    station = report_training.stage_table(ws, units, STATION, 2022)
    assert station.to_numpy().sum() == _yearly(table, STATION, 2022).at["B5", "value"]


def test_training_outcomes_beside_next_year_with_no_causal_claim(demo_workspace):
    from shegong.config import Workspace
    from shegong.orgunits import OrgUnits

    ws = Workspace.at(demo_workspace, create=False)
    units = OrgUnits.read_csv(ws.org_units_file)
    outcomes = pd.read_parquet(demo_workspace / "indicators" / "training_outcomes.parquet")
    league = report_training.outcome_table(ws, units, LEAGUE, 2022)
    assert set(league["training_year"]) == {2021} and set(league["outcome_year"]) == {2022}
    assert len(league) == len(
        outcomes[outcomes["training_year"] == 2021]
    )  # every station of the league
    county = report_training.outcome_table(ws, units, COUNTIES[0], 2022)
    assert (
        set(county["station"]) <= {c for c in outcomes["station"] if c.startswith("152201")}
        and len(county) == 3
    )
    first = report_training.outcome_table(
        ws, units, STATION, 2021
    )  # no 2020 training: 2021's, outcomes in 2022
    assert first[["training_year", "outcome_year"]].values.tolist() == [[2021, 2022]]
    html = _html(demo_workspace / "reports" / "2022" / f"{LEAGUE}.ipynb")
    shown = pd.read_html(io.StringIO(html), attrs={"class": "shegong-outcomes"})[0]
    assert len(shown) == len(league) and shown["学员（人）"].sum() == league["trainees"].sum()
    # the note under the table says it: association only, no causal claim
    note = html.split('class="shegong-outcomes"', 1)[1].split("</table>", 1)[1]
    assert note.startswith('<p class="note">不作因果推断：')


def test_station_children_with_own_level_row_add_up(demo_workspace, table):
    report = UnitReport.load(demo_workspace, STATION, 2022, "zh")
    kids = report.children
    station = _yearly(table, STATION, 2022)
    rooms = table[
        (table["period"] == "2022")
        & table["service_area"].isna()
        & table["client_category"].isna()
        & table["org_unit"].isin(kids["code"][kids["code"] != ""])
    ]
    assert kids["name"].iloc[-1] == "本级/未填村" and kids["code"].iloc[-1] == ""
    for mid in ADDITIVE:
        assert kids[mid].sum() == pytest.approx(station.at[mid, "value"]), mid
        own = station.at[mid, "value"] - rooms.loc[rooms["indicator"] == mid, "value"].sum()
        assert kids[mid].iloc[-1] == pytest.approx(own), mid
    assert pd.isna(kids["D1"].iloc[-1]) and pd.isna(
        kids["D7b"].iloc[-1]
    )  # distinct counts do not add up
    assert (
        station.at["D7a", "value"] > rooms.loc[rooms["indicator"] == "D7a", "value"].sum()
    )  # events without a village
    shown = pd.read_html(
        io.StringIO(_html(demo_workspace / "reports" / "2022" / f"{STATION}.ipynb")),
        attrs={"class": "shegong-children"},
        thousands=",",
    )[0]
    assert shown["单元"].iloc[-1] == "本级/未填村"
    assert shown["服务人次（人次）"].sum() == station.at["D7a", "value"]
    league = UnitReport.load(
        demo_workspace, LEAGUE, 2022, "zh"
    ).children  # counties add up: no 本级 row
    assert list(league["code"]) == COUNTIES


def test_kpi_table_targets_traffic_lights_and_suppressed(demo_workspace, table):
    report = UnitReport.load(demo_workspace, STATION, 2022, "zh")
    kpi = report.kpi_table().set_index("编号")
    station = _yearly(table, STATION, 2022)
    assert station.at["B2", "status"] == "suppressed"
    x, n = int(station.at["B2", "numerator"]), int(station.at["B2", "denominator"])
    assert kpi.at["B2", "数值"] == kpi.at["B2", "状态"] == f"样本不足（{x}/{n}）"
    assert kpi.at["D7a", "数值"] == f"{station.at['D7a', 'value']:,.0f}"
    assert kpi.at["D7a", "目标"] == f"{station.at['D7a', 'target']:,.0f}"
    status = {"met": "达标", "near": "基本达标", "missed": "未达标"}
    assert kpi.at["D1", "状态"] == status[station.at["D1", "status"]]
    assert station.at["F3", "status"] == "missed" and kpi.at["F3", "状态"] == "未达标"
    assert "color: #c0392b" in report.kpi_html()  # the red light


def test_english_report_uses_english_units(demo_workspace):
    report = UnitReport.load(demo_workspace, STATION, 2022, "en")
    kpi = report.kpi_table().set_index("Id")
    assert (
        kpi.at["D1", "Unit"] == "households"
        and kpi.at["D7a", "Unit"] == "person-times"
        and kpi.at["F3", "Unit"] == "yuan"
    )
    assert not set(kpi["Unit"]) & set(UNIT_EN) - {"%", "h"}  # no Chinese unit symbol left
    children = report.children_table()
    assert children.iloc[-1, 0] == "station level / village not given"
    assert "Person-times served (person-times)" in children.columns
    assert not any(u in " ".join(children.columns) for u in ("户", "人次", "元"))


def test_served_viewer_draws_the_slow_sections_after_the_page(
    demo_workspace, monkeypatch, tmp_path
):
    import threading

    import IPython.display
    import ipywidgets

    from shegong.reports import document
    from shegong.reports.archive import archived_report
    from shegong.reports.blocks import Figure

    ws = tmp_path / "ws"
    shutil.copytree(
        demo_workspace, ws, ignore=shutil.ignore_patterns("reports", "progress.sqlite*")
    )
    first, shown = [], []
    show = document.show

    def collect(blocks, emit=None, lang="zh"):
        if emit is None:
            first.extend(blocks)
        else:
            show(blocks, emit, lang)

    monkeypatch.setattr(document, "show", collect)
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    document.show_report(ws, LEAGUE, 2022, "zh", defer=True, keep=True)
    out = next(o for o in shown if isinstance(o, ipywidgets.Output))
    assert not any(getattr(b, "css_class", "") == "shegong-clients" for b in first)
    for thread in threading.enumerate():
        if thread.name == "shegong-report-sections":
            thread.join(timeout=300)
    html = "".join(o["data"].get("text/html", "") for o in out.outputs)
    assert "shegong-clients" in html and "shegong-linkage" in html and "shegong-outcomes" in html
    ctx = document.build(ws, LEAGUE, 2022, "zh")
    later = [b for part in document.PARTS[document.FIRST_PAINT :] for b in part(ctx)]
    charts = sum(isinstance(b, Figure) for b in later)
    assert charts >= 5 and sum("image/png" in o["data"] for o in out.outputs) == charts
    # the page computed live is kept: its next view is replayed
    kept = archived_report(Workspace.at(ws, create=False), LEAGUE, 2022, "zh")
    assert kept.status == "fresh" and kept.path.parent.name == "live"
