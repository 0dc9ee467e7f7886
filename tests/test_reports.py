"""Report batches: manifest, resume, failure isolation, exports, a Dask LocalCluster (issue 6)."""

import json
import shutil

import nbformat
import pandas as pd
import pytest
from docx import Document

from shegong.config import Workspace
from shegong.errors import ReportError
from shegong.reports.batch import run_reports

pytestmark = pytest.mark.slow
LEAGUE, ULANHOT, STATION = "152200000000", "152201000000", "152201100000"


@pytest.fixture
def ws(demo_workspace, tmp_path):
    """A private copy of the demo workspace without its reports."""
    root = tmp_path / "ws"
    shutil.copytree(
        demo_workspace, root, ignore=shutil.ignore_patterns("reports", "progress.sqlite*")
    )
    return Workspace.at(root)


def test_resume_skips_unchanged_units_and_reruns_changed_ones(ws):
    first = run_reports(
        ws, year=2021, units=[LEAGUE, ULANHOT], workers=2, progress=False, pdf=False
    )
    assert [u["status"] for u in first["units"]] == ["ok", "ok"]
    again = run_reports(
        ws, year=2021, units=[LEAGUE, ULANHOT], workers=2, resume=True, progress=False, pdf=False
    )
    assert [u["status"] for u in again["units"]] == ["skipped", "skipped"]
    assert again["units"][0]["outputs"] == first["units"][0]["outputs"]
    (ws.root / again["units"][1]["outputs"][1]).unlink()  # a missing output forces a rerun
    third = run_reports(
        ws, year=2021, units=[LEAGUE, ULANHOT], workers=2, resume=True, progress=False, pdf=False
    )
    assert [u["status"] for u in third["units"]] == ["skipped", "ok"]
    (ws.root / "narratives").mkdir(exist_ok=True)  # the evaluator writes the league's narrative
    (ws.root / "narratives" / f"{LEAGUE}.md").write_text("总体运行良好。", encoding="utf-8")
    fourth = run_reports(
        ws, year=2021, units=[LEAGUE, ULANHOT], workers=2, resume=True, progress=False, pdf=False
    )
    assert [u["status"] for u in fourth["units"]] == ["ok", "skipped"]
    assert "总体运行良好。" in (ws.root / fourth["units"][0]["outputs"][1]).read_text(
        encoding="utf-8"
    )
    quality = sorted(ws.quality_dir.glob("*.json"))[
        0
    ]  # an import report changes: every unit's annex may
    quality.write_text(
        quality.read_text(encoding="utf-8").replace("{", '{"note": "re-imported", ', 1),
        encoding="utf-8",
    )
    fifth = run_reports(
        ws, year=2021, units=[LEAGUE, ULANHOT], workers=2, resume=True, progress=False, pdf=False
    )
    assert [u["status"] for u in fifth["units"]] == ["ok", "ok"]


def test_one_failure_does_not_stop_the_others(ws, tmp_path):
    template = nbformat.v4.new_notebook()
    template.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    template.cells = [
        nbformat.v4.new_code_cell(
            'org_unit = ""\nyear = 2021\nworkspace = ""\nlang = "zh"',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            'if org_unit == "%s":\n    raise ValueError("station data unusable")\nprint(org_unit)'
            % STATION
        ),
    ]
    path = tmp_path / "failing.ipynb"
    nbformat.write(template, path)
    manifest = run_reports(
        ws, year=2021, units=[STATION, ULANHOT], workers=2, progress=False, template=path, pdf=False
    )
    status = {u["org_unit"]: u for u in manifest["units"]}
    assert status[ULANHOT]["status"] == "ok" and status[ULANHOT]["error"] is None
    assert status[STATION]["status"] == "failed"
    assert status[STATION]["error"] == {
        "cell_index": 2,
        "ename": "ValueError",
        "evalue": "station data unusable",
    }
    assert (
        status[STATION]["attempts"] == 1
    )  # a cell that raises is the notebook's failure: not retried
    assert (
        ws.root / status[STATION]["outputs"][0]
    ).exists()  # the failed notebook is kept for diagnosis
    saved = json.loads((ws.reports_dir(2021) / "manifest.json").read_text(encoding="utf-8"))
    assert [u["status"] for u in saved["units"]] == ["failed", "ok"]
    assert saved["template"] == str(path)


def test_a_dead_kernel_is_retried_in_a_new_kernel(ws, tmp_path):
    """The first kernel of each unit dies (as when a kernel's ZMQ port is taken by another worker's
    kernel); the retry succeeds for ULANHOT. STATION's kernels always die: failed after 2 attempts."""
    marker = tmp_path / "died-once"
    marker.mkdir()
    template = nbformat.v4.new_notebook()
    template.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    template.cells = [
        nbformat.v4.new_code_cell(
            'org_unit = ""\nyear = 2021\nworkspace = ""\nlang = "zh"',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "import os, pathlib\n"
            f"flag = pathlib.Path({str(marker)!r}) / org_unit\n"
            f"if not flag.exists() or org_unit == {STATION!r}:\n"
            "    flag.touch()\n"
            "    os._exit(1)\n"
            "print(org_unit)"
        ),
    ]
    path = tmp_path / "dying.ipynb"
    nbformat.write(template, path)
    manifest = run_reports(
        ws, year=2021, units=[STATION, ULANHOT], workers=2, progress=False, template=path, pdf=False
    )
    status = {u["org_unit"]: u for u in manifest["units"]}
    assert (status[ULANHOT]["status"], status[ULANHOT]["attempts"], status[ULANHOT]["error"]) == (
        "ok",
        2,
        None,
    )
    assert (status[STATION]["status"], status[STATION]["attempts"]) == ("failed", 2)
    assert (
        status[STATION]["error"]["ename"] == "DeadKernelError"
        and status[STATION]["error"]["cell_index"] is None
    )
    log = (ws.reports_dir(2021) / "batch.log").read_text(encoding="utf-8")
    assert (
        f"{STATION} attempt 1/2 failed: DeadKernelError" in log
        and f"{ULANHOT} attempt 1/2 failed" in log
    )


def test_a_year_without_indicators_is_refused_and_nothing_is_written(ws):
    from shegong.reports.unit import UnitReport

    with pytest.raises(
        ReportError,
        match="2019 年没有指标数据 no indicators for 2019: .*indicators compute --year 2019",
    ):
        run_reports(ws, year=2019, units=[STATION], progress=False, pdf=False)
    assert not ws.reports_dir(2019).exists()
    with pytest.raises(
        ReportError, match="no indicators for 2019"
    ):  # the served viewer says the same
        UnitReport.load(ws, STATION, 2019)


def test_a_machine_without_chromium_is_told_why_there_is_no_pdf(monkeypatch):
    import shutil as sh

    from shegong import exports

    monkeypatch.delenv("SHEGONG_CHROMIUM", raising=False)
    monkeypatch.setattr(sh, "which", lambda name: None)
    assert exports.pdf_unavailable() == (
        "未生成 PDF no PDF: Chromium is not installed "
        "(Debian: apt-get install chromium fonts-noto-cjk)"
    )
    assert exports.html_to_pdf([]) == []
    monkeypatch.setenv("SHEGONG_CHROMIUM", "/usr/bin/chromium")
    assert exports.pdf_unavailable() is None


def test_unknown_unit_is_refused(ws):
    with pytest.raises(ReportError, match="unknown org unit\\(s\\) 999999999999"):
        run_reports(ws, year=2021, units=["999999999999"], progress=False, pdf=False)


def test_exports_offline_html_docx_and_summary(ws):
    run_reports(ws, year=2021, units=[LEAGUE], workers=1, progress=False, pdf=False)
    out = ws.reports_dir(2021)
    html = (out / f"{LEAGUE}.html").read_text(encoding="utf-8")
    assert "cdnjs" not in html and '<script src="http' not in html
    assert "data:image/png;base64" in html and "兴安盟" in html
    doc = Document(str(out / f"{LEAGUE}.docx"))
    assert next(p.text for p in doc.paragraphs if p.text).startswith("兴安盟")
    kpi = next(t for t in doc.tables if t.rows[0].cells[0].text == "编号")
    rows = {r.cells[0].text: r.cells[2].text for r in kpi.rows[1:]}
    assert rows["D1"] == "1,493" and rows["F3"] == "17,000" and rows["D7a"] == "13,600"
    assert len(doc.inline_shapes) >= 2
    summary = pd.read_excel(
        out / "汇总表_2021.xlsx", sheet_name="指标明细", dtype={"区划代码": str}, engine="calamine"
    )
    league = summary[(summary["区划代码"] == LEAGUE)].set_index("指标编号")
    assert league.at["D1", "数值"] == 1493 and league.at["F3", "单位"] == "元"
    assert summary["区划代码"].nunique() == 100


def test_dask_local_cluster(ws):
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        manifest = run_reports(
            ws, year=2021, units=[ULANHOT], scheduler=cluster, progress=False, pdf=False
        )
    entry = manifest["units"][0]
    assert entry["status"] == "ok", entry["error"]
    nb = nbformat.read(ws.root / entry["outputs"][0], as_version=4)
    assert nb.cells[0].metadata["tags"] == ["parameters"] or any(
        "injected-parameters" in c.metadata.get("tags", []) for c in nb.cells
    )


@pytest.mark.browser
def test_pdf_printed_in_chromium(ws, chromium):
    manifest = run_reports(ws, year=2021, units=[LEAGUE], workers=1, progress=False)
    outputs = manifest["units"][0]["outputs"]
    assert outputs[-1] == f"reports/2021/{LEAGUE}.pdf"
    data = (ws.root / outputs[-1]).read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") >= 2
