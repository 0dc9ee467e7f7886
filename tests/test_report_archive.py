"""The served viewer replays the batch's executed report when it is fresh
(shegong.reports.archive)."""

import json
import os

import pytest

from shegong.config import Workspace
from shegong.errors import ShegongError
from shegong.indicators.registry import default_registry_path
from shegong.reports.archive import archived_report, replay, report_inputs

from .builders import write_org_units

LEAGUE = "152200000000"
PNG = "iVBORw0KGgo="  # base64 as papermill stores it


def _notebook() -> dict:
    """An executed report as papermill writes it: parameters, then outputs of every kind."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "source": "org_unit = '1'",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
            },
            {"cell_type": "markdown", "source": "# not an output", "metadata": {}},
            {
                "cell_type": "code",
                "source": "report.show()",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "data": {"text/markdown": "# 兴安盟", "text/plain": "<Markdown>"},
                        "metadata": {},
                    },
                    {"output_type": "stream", "name": "stderr", "text": "a warning"},
                    {
                        "output_type": "display_data",
                        "data": {"text/html": ['<table class="shegong-kpi">\n', "</table>"]},
                        "metadata": {},
                    },  # nbformat's multi-line string: a list of lines
                    {
                        "output_type": "display_data",
                        "data": {"image/png": PNG, "text/plain": "<Image>"},
                        "metadata": {"image/png": {"width": 800}},
                    },
                    {
                        "output_type": "display_data",
                        "data": {
                            "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                            "text/plain": "Output()",
                        },
                        "metadata": {},
                    },
                    {
                        "output_type": "execute_result",
                        "execution_count": 3,
                        "data": {"text/plain": "42", "application/json": ["a", "b"]},
                        "metadata": {},
                    },
                    {
                        "output_type": "error",
                        "ename": "ValueError",
                        "evalue": "x",
                        "traceback": ["Traceback …"],
                    },
                ],
            },
        ],
    }


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    (workspace.indicators_dir / "indicators.parquet").write_bytes(b"x")
    return workspace


def _batch(
    ws: Workspace, *, status: str = "ok", lang: str = "zh", error: dict | None = None
) -> None:
    """A manifest entry for the league and its executed notebook, written after the inputs."""
    out = ws.reports_dir(2021)
    out.mkdir(parents=True, exist_ok=True)
    out.joinpath(f"{LEAGUE}.ipynb").write_text(json.dumps(_notebook()), encoding="utf-8")
    entry = {
        "org_unit": LEAGUE,
        "name": "兴安盟",
        "level": 2,
        "status": status,
        "error": error,
        "parameters": {"org_unit": LEAGUE, "year": 2021, "workspace": str(ws.root), "lang": lang},
        "outputs": [f"reports/2021/{LEAGUE}.ipynb"],
        "input_hashes": {},
        "versions": {},
        "seconds": 1.0,
    }
    out.joinpath("manifest.json").write_text(
        json.dumps({"schema_version": 1, "year": 2021, "units": [entry]}), encoding="utf-8"
    )
    later = max(p.stat().st_mtime for p in ws.root.rglob("*") if p.is_file()) + 10
    os.utime(out / f"{LEAGUE}.ipynb", (later, later))


def _touch_after_notebook(ws: Workspace, path) -> None:
    made = (ws.reports_dir(2021) / f"{LEAGUE}.ipynb").stat().st_mtime
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text("x", encoding="utf-8")
    os.utime(path, (made + 5, made + 5))


def test_fresh_report_is_replayed(ws):
    _batch(ws)
    found = archived_report(ws, LEAGUE, 2021, "zh")
    assert found.status == "fresh"
    assert found.path == ws.reports_dir(2021) / f"{LEAGUE}.ipynb"


@pytest.mark.parametrize(
    "changed",
    [
        "indicators/indicators.parquet",
        "indicators/evaluation.parquet",
        "inputs/org_units.csv",
        f"narratives/{LEAGUE}.md",
        "ledger/quality/a.json",
        "inputs/accepted/training.parquet",
    ],
)
def test_an_input_newer_than_the_report_makes_it_stale(ws, changed):
    _batch(ws)
    _touch_after_notebook(ws, ws.root / changed)
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "stale"


def test_other_language_missing_and_failed(ws):
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "missing"  # no manifest yet
    _batch(ws, lang="zh")
    assert archived_report(ws, LEAGUE, 2021, "en").status == "other_lang"
    assert (
        archived_report(ws, "152201000000", 2021, "zh").status == "missing"
    )  # not in the manifest
    assert archived_report(ws, LEAGUE, 2022, "zh").status == "missing"
    (ws.reports_dir(2021) / f"{LEAGUE}.ipynb").unlink()
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "missing"
    _batch(ws, status="failed", error={"cell_index": 1, "ename": "ReportError", "evalue": "x"})
    found = archived_report(ws, LEAGUE, 2021, "zh")
    assert (found.status, found.reason, found.path) == ("failed", "ReportError", None)
    (ws.reports_dir(2021) / "manifest.json").write_text("{not json", encoding="utf-8")
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "missing"


def test_replay_publishes_rich_outputs_in_order_without_streams_errors_or_widgets(ws, monkeypatch):
    import IPython.display

    published = []
    monkeypatch.setattr(
        IPython.display,
        "publish_display_data",
        lambda data, metadata: published.append((data, metadata)),
    )
    _batch(ws)
    assert replay(ws.reports_dir(2021) / f"{LEAGUE}.ipynb") == 4
    assert published == [
        ({"text/markdown": "# 兴安盟", "text/plain": "<Markdown>"}, {}),
        (
            {"text/html": '<table class="shegong-kpi">\n</table>'},
            {},
        ),  # lines joined, as a kernel sends them
        ({"image/png": PNG, "text/plain": "<Image>"}, {"image/png": {"width": 800}}),
        ({"text/plain": "42", "application/json": ["a", "b"]}, {}),  # JSON data as it is
    ]


def _capture(monkeypatch) -> list:
    import IPython.display

    shown = []
    monkeypatch.setattr(
        IPython.display, "publish_display_data", lambda data, metadata: shown.append(data)
    )
    monkeypatch.setattr(
        IPython.display,
        "display",
        lambda *objs, **_: shown.extend(getattr(o, "data", o) for o in objs),
    )
    return shown


def test_viewer_replays_fresh_report_under_the_back_link(ws, monkeypatch):
    from shegong.serving.portal import show_unit_report

    shown = _capture(monkeypatch)
    _batch(ws)
    show_unit_report(ws, LEAGUE, 2021, "zh")
    assert shown[0] == "[← 返回首页](?lang=zh)"
    assert shown[1] == {"text/markdown": "# 兴安盟", "text/plain": "<Markdown>"}
    assert len(shown) == 5


def test_viewer_computes_live_and_says_so_when_the_batch_failed(ws, monkeypatch):
    from shegong.serving.portal import show_unit_report

    shown = _capture(monkeypatch)
    _batch(ws, status="failed", error={"cell_index": 1, "ename": "ReportError", "evalue": "x"})
    ws.indicators_file.unlink()
    with pytest.raises(
        ShegongError, match="indicators have not been computed"
    ):  # live, and nothing to compute from
        show_unit_report(ws, LEAGUE, 2021, "zh")
    assert shown == [
        "[← 返回首页](?lang=zh)",
        "*最近一次批量生成该报告失败（ReportError），以下为实时计算结果。*",
    ]


def test_a_registry_edit_or_a_new_package_version_makes_the_report_stale(ws, monkeypatch, tmp_path):
    _batch(ws)
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "fresh"
    registry = tmp_path / "indicators.yaml"
    registry.write_bytes(default_registry_path().read_bytes())
    monkeypatch.setattr("shegong.reports.archive.default_registry_path", lambda: registry)
    _touch_after_notebook(ws, registry)
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "stale"
    monkeypatch.undo()
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "fresh"
    manifest = ws.reports_dir(2021) / "manifest.json"
    made = (ws.reports_dir(2021) / f"{LEAGUE}.ipynb").stat()
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["units"][0]["versions"] = {"shegong": "0.0.1"}  # made by an earlier release
    manifest.write_text(json.dumps(data), encoding="utf-8")
    os.utime(manifest, (made.st_mtime, made.st_mtime))
    assert archived_report(ws, LEAGUE, 2021, "zh").status == "stale"


def test_resume_and_the_viewer_read_one_list_of_inputs(ws):
    inputs = report_inputs(ws, LEAGUE)
    assert set(inputs) == {
        "template", "registry", "org_units.csv", "indicators", "inputs", "ledger",
        "ledger/quality", "narrative",
    }  # fmt: skip
    assert inputs["registry"] == [default_registry_path()]
    assert inputs["narrative"] == []  # no narrative written: nothing to read
    (ws.root / "narratives").mkdir(exist_ok=True)
    (ws.root / "narratives" / f"{LEAGUE}.md").write_text("好", encoding="utf-8")
    assert report_inputs(ws, LEAGUE)["narrative"] == [ws.root / "narratives" / f"{LEAGUE}.md"]
