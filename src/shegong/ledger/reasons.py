"""The words an import uses about rows: why a row was rejected (:data:`REASONS`) and what to look
at in a row that was kept (:data:`WARNINGS`), each in zh-CN and en. Codes are the contract
(``rejected_by_reason``, ``warnings`` of the import summary); messages may be reworded."""

from __future__ import annotations

#: reason code → message shown to the station (zh-CN, en).
REASONS: dict[str, tuple[str, str]] = {
    "missing_date": ("服务日期为空", "service date is empty"),
    "invalid_date": ("服务日期不是有效日期", "service date is not a valid date"),
    "ambiguous_date": (
        "服务日期有歧义（如 6.3），请写成 2021年6月3日",
        "ambiguous date (such as 6.3): write 2021-06-03",
    ),
    "date_out_of_range": ("服务日期不在合理范围（2000年至今）", "service date outside 2000…today"),
    "missing_station": ("所属站点为空", "station is empty"),
    "unknown_station": ("所属站点不在组织单元文件中", "station is not in the org-unit file"),
    "missing_event_type": ("服务类型为空", "service type is empty"),
    "unknown_event_type": (
        "服务类型不在标准列表中，也不在映射配置中",
        "service type is neither standard nor mapped in the profile",
    ),
    "unknown_service_area": (
        "服务领域不在标准列表中，也不在映射配置中",
        "service area is neither standard nor mapped in the profile",
    ),
    "unknown_client_category": (
        "对象类别不在标准列表中",
        "client category is not in the standard list",
    ),
    "unknown_resource_kind": ("资源类型应为 现金 或 物资", "resource type must be 现金 or 物资"),
    "missing_person_times": ("服务人次为空", "person-times is empty"),
    "invalid_number": ("不是数字", "not a number"),
    "ambiguous_number": (
        "数字中的逗号有歧义（如 1,5 是 1.5 还是 15？）：小数请用小数点，千位分隔须三位一组",
        "ambiguous comma in a number (1,5: 1.5 or 15?): use a decimal point; "
        "thousands go in threes",
    ),
    "formula_not_calculated": (
        "单元格是公式但没有计算结果（由程序生成、从未在 Excel/WPS 中打开保存）：请用 "
        "Excel 或 WPS 打开并保存后重新导入",
        "a formula without a calculated value (a workbook written by a program): open and save it "
        "in Excel or WPS, then import it again",
    ),
    "above_header": (
        "位于表头之上：工作表下方另有一行表头，这些行不在其下；请把它们移到表头之下",
        "above the table's header (a second header row further down starts the table): move "
        "these rows below it",
    ),
    "not_integer": ("人数、人次须为整数", "counts must be whole numbers"),
    "negative_number": ("不能为负数", "must not be negative"),
    "money_precision": ("金额最多两位小数（分）", "money has more than two decimals"),
    "missing_household": ("入户走访须填写户编号", "a home visit needs a household number"),
    "month_summary": (
        "月度汇总行（无活动日期），不是单次服务记录",
        "a month-summary row (no date), not a service event",
    ),
    "no_activity": ("没有活动日期和活动类型的行", "a row with neither a date nor an activity"),
    "stray_numbers": (
        "表格外的零散数字（无日期、无活动）",
        "stray numbers outside the table (no date, no activity)",
    ),
    "schema_check": ("未通过台账结构校验", "failed the ledger schema check"),
    "too_large": (
        "数值过大，超出合理范围（多写了位数，或填入了电话、身份证号？）",
        "number too large for this column (extra digits, or a phone or ID number?)",
    ),
}

#: warning code → message (zh-CN, en): the row was kept, but something needs a look
WARNINGS: dict[str, tuple[str, str]] = {
    "unmapped_label": (
        "标签未归类：事件已接收，类别记为“未归类”，原标签保留（见建议的映射）",
        "label not in the vocabulary: the event was kept as 未归类 (unmapped) with its label",
    ),
    "unknown_village": (
        "村（社区）不在组织单元文件中：事件记在所属站点（本级/未填村）",
        "village not in the org-unit file: the event was kept at its station (本级/未填村)",
    ),
    "beneficiaries_disagree": (
        "本行填报的合计与各分项（受益人数）之和不符：按分项之和计",
        "the row's stated total disagrees with the sum of its parts: the parts were counted",
    ),
    "no_beneficiaries": (
        "本行未填受益人数分项，合计为 0：事件已接收，计 0 人次",
        "no beneficiary parts filled and a zero total: the event was kept with 0 person-times",
    ),
    "duplicate_header": (
        "表头有重复列名：取第一列，其余列未读取",
        "duplicate header labels: the first column was read, the others not",
    ),
    "repeated_header": (
        "数据中重复出现的表头行已跳过",
        "header rows repeated inside the data were skipped",
    ),
}
