"""The blank standard ledger template with drop-down lists (``shegong ledger template OUT.xlsx``).

Stations that start from this workbook make fewer errors: 服务类型, 服务领域, 对象类别 and
资源类型 are drop-downs over the standard vocabularies (:mod:`.vocabulary`), 所属站点 a
drop-down over the stations of the org-unit file, 服务日期 accepts dates only and the count
columns whole numbers ≥ 0. The lists sit on a hidden sheet ``列表`` (not in spare columns of
the ledger sheet). The header is the standard profile's first label of each column, so the file
imports with the default profile.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shegong import atomic
from shegong.errors import ConfigError
from shegong.ledger.vocabulary import CLIENT_CATEGORIES, EVENT_TYPES, RESOURCE_KINDS, SERVICE_AREAS
from shegong.orgunits import OrgUnits

#: the template's header row (the standard profile's own labels), in order.
TEMPLATE_HEADER = (
    "序号",
    "服务日期",
    "所属站点",
    "村（社区）",
    "服务类型",
    "服务领域",
    "服务对象",
    "身份证号",
    "联系电话",
    "户编号",
    "对象类别",
    "服务人次",
    "参与社工",
    "志愿者人数",
    "志愿服务时长（小时）",
    "链接资源（元）",
    "资源类型",
    "备注",
)
DATA_ROWS = 1000


def write_template(
    out: Path, *, org_units_file: Path | None = None, title: str = "社工站服务台账"
) -> Path:
    """Write the blank template to ``out`` (.xlsx) and return it.

    Args:
        out: the workbook to write, in an existing folder (a missing folder is a typing error
            more often than a wish: it is refused, not created).
        org_units_file: an org-unit CSV whose stations fill the 所属站点 drop-down; without it
            the column is free text.

    Raises:
        ConfigError: ``out`` does not end in .xlsx, or its folder does not exist. OrgUnitError
            for a bad org-unit file.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    if not out.parent.is_dir():
        raise ConfigError(
            f"文件夹不存在 the folder {out.parent} does not exist: create it first, "
            "or give a path in an "
            "existing folder"
        )
    if out.suffix.lower() != ".xlsx":
        raise ConfigError(
            f"the template is an .xlsx workbook: give a file name ending in .xlsx, not {out.name!r}"
        )
    stations: list[str] = []
    if org_units_file is not None:
        units = OrgUnits.read_csv(org_units_file).frame
        stations = units.loc[units["unit_type"] == "station", "name"].tolist()

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append([f"{title}（每行一次服务；灰色列表为下拉选项）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEMPLATE_HEADER))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(TEMPLATE_HEADER))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    ws.freeze_panes = "A3"
    for j, label in enumerate(TEMPLATE_HEADER, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = max(8, 2.2 * len(label))

    lists = wb.create_sheet("列表")
    columns = {
        "服务类型": list(EVENT_TYPES),
        "服务领域": list(SERVICE_AREAS),
        "对象类别": list(CLIENT_CATEGORIES),
        "资源类型": list(RESOURCE_KINDS),
    }
    if stations:
        columns["所属站点"] = stations
    last = DATA_ROWS + 2
    for k, (label, values) in enumerate(columns.items(), start=1):
        letter = openpyxl.utils.get_column_letter(k)
        lists.cell(
            row=1, column=k, value=f"{label}（下拉列表）"
        )  # not a ledger header: never imported
        for i, v in enumerate(values, start=2):
            lists.cell(row=i, column=k, value=v)
        target = openpyxl.utils.get_column_letter(TEMPLATE_HEADER.index(label) + 1)
        dv = DataValidation(
            type="list",
            formula1=f"=列表!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="不在列表中",
            error=f"请从下拉列表选择{label}",
        )
        dv.add(f"{target}3:{target}{last}")
        ws.add_data_validation(dv)
    lists.sheet_state = "hidden"
    date_col = openpyxl.utils.get_column_letter(TEMPLATE_HEADER.index("服务日期") + 1)
    dv = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="日期",
        error="请填写日期，如 2021/5/18",
    )
    dv.add(f"{date_col}3:{date_col}{last}")
    ws.add_data_validation(dv)
    for label in ("服务人次", "志愿者人数"):
        col = openpyxl.utils.get_column_letter(TEMPLATE_HEADER.index(label) + 1)
        dv = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="整数",
            error=f"{label}须为不小于 0 的整数",
        )
        dv.add(f"{col}3:{col}{last}")
        ws.add_data_validation(dv)
    for row in range(3, last + 1):
        ws.cell(row=row, column=TEMPLATE_HEADER.index("服务日期") + 1).number_format = "yyyy/m/d"
    wb.properties.created = wb.properties.modified = dt.datetime(2024, 1, 1)
    atomic.write_with(out, lambda p: wb.save(p))
    return out
