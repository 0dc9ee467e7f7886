"""Hostile text is never markup (issue 14): the sanitiser, the narrative, the quality report and
the annotated rejects; browser checks in tests/test_hostile_browser.py."""

import nbformat
import openpyxl
import pytest
from docx import Document

from shegong.config import Workspace
from shegong.exports import MARKDOWN_SOURCE_MIME, notebook_docx, notebook_html
from shegong.ledger.importer import import_ledgers
from shegong.reports.sections import narrative_output
from shegong.safe_html import OFFLINE_CSP, escape_markdown, markdown_html, sanitise, with_csp_meta

from .builders import HEADER, row, write_org_units

NARRATIVE = (
    "总体运行良好，**台账规范**。\n\n"
    "<script>alert('narrative')</script>\n\n"
    '<img src="x" onerror="alert(\'img\')">\n\n'
    "[点此查看](javascript:alert('link')) · <a href=\"JaVaScRiPt:alert('a')\">另一个</a> · "
    "[民政部](https://www.mca.gov.cn/)\n\n"
    "<b onclick=\"alert('b')\">加粗</b> <svg onload=\"alert('svg')\"></svg>"
)


def test_markdown_html_keeps_text_and_drops_scripts_handlers_and_javascript_links():
    out = markdown_html(NARRATIVE)
    assert "<strong>台账规范</strong>" in out and "<b>加粗</b>" in out
    assert '<a href="https://www.mca.gov.cn/"' in out and ">点此查看</a>" in out
    lowered = out.lower()
    for bad in ("<script", "alert(", "onerror", "onclick", "onload", "javascript:", "<img", "<svg"):
        assert bad not in lowered, bad
    assert sanitise('<p style="color:red" id="x">a</p><iframe src="//e"></iframe>') == "<p>a</p>"


def test_escape_markdown_keeps_names_literal():
    name = "[站](javascript:alert(1)) <img src=x onerror=alert(1)> *粗*"
    escaped = escape_markdown(name)
    assert escaped == (
        r"\[站\]\(javascript:alert\(1\)\) &lt;img src=x onerror=alert\(1\)&gt; \*粗\*"
    )
    assert "<img" not in markdown_html(f"# {escaped}") and "href" not in markdown_html(escaped)
    assert escape_markdown(None) == ""


def test_csp_meta_is_the_first_element_of_the_head():
    doc = with_csp_meta("<!DOCTYPE html><html><head><meta charset='utf-8'><script></script>")
    assert doc.index("Content-Security-Policy") < doc.index("<meta charset") < doc.index("<script")
    assert "script-src 'none'" in OFFLINE_CSP and "object-src 'none'" in OFFLINE_CSP
    with pytest.raises(ValueError, match="no <head>"):
        with_csp_meta("<p>no document</p>")


def narrative_notebook(text: str = NARRATIVE) -> nbformat.NotebookNode:
    """A report notebook as the batch writes it: a heading, a table and the evaluator's narrative
    through the code path of shegong.reports.sections.show_sections."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "show()",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/markdown": "# 兴安盟 2021 年度试点评估报告"}
                ),
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/html": "<table class='shegong-kpi'><tbody><tr><td>D1</td>"
                        "<td>1,493</td></tr></tbody></table>"
                    },
                ),
                nbformat.v4.new_output("display_data", data={"text/markdown": "## 评估意见"}),
                nbformat.v4.new_output("display_data", data=narrative_output(text)),
            ],
        )
    ]
    return nb


def test_offline_html_and_docx_of_a_hostile_narrative(tmp_path):
    html = notebook_html(narrative_notebook())
    assert html.index("Content-Security-Policy") < html.index("</head>")
    body = html[html.index('class="shegong-narrative"') :]
    body = body[: body.index("</div>")]
    assert "台账规范" in body and "alert(" not in body and "javascript:" not in body.lower()
    notebook_docx(narrative_notebook(), tmp_path / "r.docx")  # the .docx gets the text
    text = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    assert "总体运行良好，台账规范。" in text and "1,493" not in text  # tables go to tables
    assert narrative_output("x")[MARKDOWN_SOURCE_MIME] == "x"


HOSTILE_STATION = "<img src=x onerror=alert('station')>"
HOSTILE_KIND = "<script>alert('kind')</script>"
FORMULA = '=HYPERLINK("https://evil.example/","点我")'


def hostile_ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "3月"
    ws.append(["兴安盟社工站服务台账 2021年3月"])
    ws.append(HEADER)
    ws.append(
        row(1, "2021-03-02", "和平街道社工站", "前进村", "入户走访", "社会救助", "张桂兰", "低保")
    )
    ws.append(row(2, "2021-03-03", HOSTILE_STATION, "前进村", "入户走访", "社会救助"))
    ws.append(row(3, "2021-03-04", "和平街道社工站", "前进村", HOSTILE_KIND, "社会救助"))
    ws.append(row(4, "2021-03-05", "科右前旗", FORMULA, "入户走访", "社会救助"))
    ws.cell(row=6, column=4).data_type = "s"  # the station wrote the formula as text
    wb.save(path)
    return path


def test_quality_report_escapes_cells_and_rejects_keep_formulas_as_text(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    ledger = hostile_ledger(tmp_path / "和平_2021年3月.xlsx")
    s = import_ledgers([ledger], workspace=ws, progress=False).to_dict()
    assert (s["accepted"], s["rejected"]) == (1, 3)
    page = (ws.quality_dir / f"{ledger.name}.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;kind&#39;)&lt;/script&gt;" in page  # shown as text
    assert "&lt;img src=x onerror=alert(&#39;station&#39;)&gt;" in page
    assert page.index("Content-Security-Policy") < page.index("<title>")
    sheet = openpyxl.load_workbook(ws.rejects_dir / f"{ledger.name}.xlsx").active
    cells = [c for r in sheet.iter_rows() for c in r if c.value == FORMULA]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].quotePrefix
