"""The column specs of the inputs beyond the ledger (DOMAIN.md §4; docs/contracts.md) and the
reasons a row of them is rejected (zh-CN, en). Read by :mod:`shegong.indicators.inputs`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from shegong.ledger.vocabulary import SERVICE_AREAS

TRUE = {"是", "有", "1", "√", "✓", "true", "yes", "y", "达成", "符合"}
FALSE = {"否", "无", "0", "×", "✗", "false", "no", "n", "未达成", "不符合"}


@dataclass(frozen=True)
class Col:
    """One column: ``name`` (code), ``labels`` (header texts), ``type`` (str, int, float, date,
    bool, station, room, code; ``money`` 元 stored as integer fen; ``stations``/``rooms``/
    ``event_types``/``areas`` lists joined by ``;``; ``project`` a code of the imported
    projects), ``allowed`` values (str) or a ``range`` (numbers), and
    ``personal`` (a pseudonym kind: the value is hashed into ``<name>`` and never kept)."""

    name: str
    labels: tuple[str, ...]
    type: str = "str"
    required: bool = True
    allowed: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    personal: str | None = None


def _c(name: str, zh: str, type_: str = "str", **kw) -> Col:
    return Col(name, (name, zh, *kw.pop("also", ())), type_, **kw)


_STATION = _c("station", "所属站点", "station", also=("station_code",))
_YEAR = _c("year", "年度", "int", range=(2000, 2100))
_AREAS = tuple(SERVICE_AREAS.values()) + tuple(SERVICE_AREAS)
_PROJECT = _c("project_code", "项目编号", "project", required=False)
#: Funding types of a project (issue 8): 政府购买 government purchase, 公益创投 venture
#: philanthropy, 慈善资助 charity.
FUNDING_TYPES = {"政府购买": "purchase", "公益创投": "venture_philanthropy", "慈善资助": "charity"}
SPENDING_CATEGORIES = {
    "人员": "personnel",
    "活动": "activities",
    "物资": "materials",
    "管理": "admin",
    "其他": "other",
}
SPECS: dict[str, tuple[Col, ...]] = {
    # projects first: project_spending, survey and case_outcomes refer to their codes
    "projects": (
        _c("project_code", "项目编号", "code_text"),
        _c("project_name", "项目名称"),
        _c("funder", "资助方"),
        _c("funding_type", "资助类型", allowed=(*FUNDING_TYPES, *FUNDING_TYPES.values())),
        _c("round", "批次", required=False),
        _c("programme", "所属计划", required=False, also=("服务计划",)),
        _c("budget_fen", "预算（元）", "money", also=("budget_yuan", "预算")),
        _c("start_date", "开始日期", "date"),
        _c("end_date", "结束日期", "date"),
        _c("stations", "覆盖站点", "stations"),
        _c("villages", "覆盖村（社区）", "rooms", required=False),
        _c("event_types", "服务类型", "event_types", required=False),
        _c("service_areas", "服务领域", "areas", required=False),
        _c("target_person_times", "目标服务人次", "int", required=False, range=(0, 10_000_000)),
        _c("target_households", "目标服务户数", "int", required=False, range=(0, 10_000_000)),
        _c("target_activities", "目标活动次数", "int", required=False, range=(0, 1_000_000)),
    ),
    "project_spending": (
        _c("project_code", "项目编号", "project"),
        _c("date", "支出日期", "date"),
        _c("amount_fen", "金额（元）", "money", also=("amount_yuan", "金额")),
        _c("category", "支出类别", allowed=(*SPENDING_CATEGORIES, *SPENDING_CATEGORIES.values())),
    ),
    "roster": (
        _c("staff_id", "工号"),
        _STATION,
        _c("name", "姓名", required=False, personal="staff"),
        _c("role", "角色", allowed=("站长", "社工", "志愿者", "督导")),
        _c("employment", "用工形式", allowed=("专职", "兼职")),
        _c(
            "qualification",
            "职业资格",
            allowed=("助理社会工作师", "社会工作师", "高级社会工作师", "无"),
        ),
        _c("certificate_year", "取证年份", "int", required=False, range=(1990, 2100)),
        _c("start_date", "入职日期", "date", required=False),
        _c("end_date", "离职日期", "date", required=False),
    ),
    "training": (
        _c("session_id", "场次编号"),
        _c("date", "培训日期", "date"),
        _c("hours", "学时", "float", range=(0, 24)),
        _c("module", "模块", required=False),
        _c("format", "形式", allowed=("讲授", "个别督导", "团体督导", "跟岗", "实地参访")),
        _c("trainer", "培训师", required=False),
        _c("trainee_id", "学员工号", required=False),
        _c("trainee", "学员", personal="trainee"),
        _STATION,
        _c(
            "trainee_role",
            "学员角色",
            allowed=("站长", "社工", "志愿者", "村（社区）干部", "居民骨干", "社会组织人员"),
        ),
        _c("stage", "阶段", allowed=("传", "帮", "带", "教")),
        _c("pre_score", "前测", "float", required=False, range=(0, 100)),
        _c("post_score", "后测", "float", required=False, range=(0, 100)),
    ),
    "survey": (
        _c("response_id", "问卷编号"),
        _STATION,
        _c("date", "调查日期", "date"),
        _c(
            "respondent_type",
            "受访者类型",
            allowed=("client", "resident", "partner", "服务对象", "居民", "合作方"),
        ),
        _c("channel", "方式", required=False),
        _c("consent", "知情同意", "bool"),
        _c("satisfaction", "总体满意度", "int", range=(1, 5)),
        *(
            _c(f"aware_{k}", f"知晓{zh}", "bool")
            for k, zh in (
                ("address", "地址"),
                ("services", "服务"),
                ("staff", "社工"),
                ("channel", "求助渠道"),
                ("funding", "经费来源"),
            )
        ),
        _PROJECT,
    ),
    "divisions": (
        _c("division_code", "区划代码", "code"),
        _c("name", "名称"),
        _c("kind", "类型", allowed=("township", "village", "乡镇", "村")),
        _c("parent_unit", "上级单元", "code"),
        _c("served_by", "服务单元", "code", required=False),
        _c("opened", "设立日期", "date", required=False),
    ),
    "site_visits": (
        _STATION,
        _YEAR,
        _c("visit_date", "查看日期", "date", required=False),
        *(
            _c(k, zh, "bool")
            for k, zh in (
                ("reception", "接待室"),
                ("case_room", "个案室"),
                ("group_room", "小组活动室"),
                ("locked_files", "档案柜上锁"),
                ("rule_service_flow", "服务流程制度"),
                ("rule_files", "档案管理制度"),
                ("rule_supervision", "督导制度"),
                ("rule_finance", "财务制度"),
                ("rule_safety", "安全制度"),
                ("rule_privacy", "隐私保护制度"),
            )
        ),
    ),
    "receipts": (
        _STATION,
        _YEAR,
        _c("month", "月份", "int", range=(1, 12)),
        _c("due_date", "应报日期", "date"),
        _c("received_date", "收到日期", "date", required=False),
    ),
    "audits": (
        _STATION,
        _YEAR,
        _c("file_no", "档案编号", personal="case_file"),
        *(
            _c(k, zh, "bool")
            for k, zh in (
                ("intake", "接案"),
                ("assessment", "预估"),
                ("planning", "计划"),
                ("intervention", "介入"),
                ("evaluation", "评估"),
                ("termination", "结案"),
            )
        ),
    ),
    "service_lists": (_STATION, _YEAR, _c("service_area", "服务领域", allowed=_AREAS)),
    "organisations": (
        _c("org_id", "组织编号"),
        _c("org_name", "组织名称", required=False),
        _STATION,
        _c("relation", "关系", allowed=("linked", "incubated", "链接", "培育")),
        _c("date", "日期", "date"),
    ),
    "case_outcomes": (
        _STATION,
        _c("case_no", "个案编号", personal="case"),
        _c("closed_date", "结案日期", "date"),
        _c("goals_met", "目标达成", "bool"),
        _PROJECT,
    ),
    "priority_households": (
        _STATION,
        _YEAR,
        _c("village", "村（社区）", "room", required=False),
        _c("household", "户编号", personal="household", also=("household_no",)),
        _c("category", "对象类别"),
    ),
    "groups": (
        _c("group_id", "小组编号"),
        _STATION,
        _c("group_name", "小组名称", required=False),
        _c("service_area", "服务领域", allowed=_AREAS),
        _c("start_date", "开始日期", "date"),
        _c("sessions", "计划节数", "int", required=False, range=(1, 100)),
    ),
}
#: Default file name of each kind in ``inputs/`` (CSV; .xlsx works too when given explicitly).
FILES = {kind: f"{kind}.csv" for kind in SPECS}
_MAP = {
    "服务对象": "client",
    "居民": "resident",
    "合作方": "partner",
    "乡镇": "township",
    "村": "village",
    "链接": "linked",
    "培育": "incubated",
    **SERVICE_AREAS,
    **FUNDING_TYPES,
    **SPENDING_CATEGORIES,
}


#: reason code → message (zh-CN, en) of the rejects file ``inputs/rejects/<kind>.csv``;
#: ``missing_<column>`` codes share the message ``missing``
REASONS: dict[str, tuple[str, str]] = {
    "missing": ("必填列为空", "a required cell is empty"),
    "invalid_number": ("不是数字", "not a number"),
    "ambiguous_number": (
        "数字中的逗号有歧义（如 1,5）：小数请用小数点",
        "ambiguous comma in a number (1,5): use a decimal point",
    ),
    "invalid_date": ("不是有效日期", "not a valid date"),
    "ambiguous_date": (
        "日期有歧义（如 6.3），请写成 2021年6月3日",
        "ambiguous date (6.3): write 2021-06-03",
    ),
    "not_integer": ("须为整数", "must be a whole number"),
    "out_of_range": ("数值超出允许范围", "number outside the allowed range"),
    "too_large": ("数值过大（多写了位数？）", "number too large (extra digits?)"),
    "money_precision": ("金额最多两位小数（分）", "money has more than two decimals"),
    "negative_amount": ("金额不能为负", "amount must not be negative"),
    "not_yes_no": ("应为 是 或 否", "must be 是 (yes) or 否 (no)"),
    "unknown_value": ("不在允许的取值中", "not one of the allowed values"),
    "unknown_station": ("所属站点不在组织单元文件中", "station is not in the org-unit file"),
    "unknown_village": ("村（社区）不在该站点之下", "village is not under this station"),
    "village_outside_stations": (
        "村（社区）不在所列站点之下",
        "village outside the listed stations",
    ),
    "unknown_event_type": ("服务类型不在标准列表中", "service type not in the standard list"),
    "unknown_service_area": ("服务领域不在标准列表中", "service area not in the standard list"),
    "not_a_12_digit_code": ("不是 12 位代码", "not a 12-digit code"),
    "bad_project_code": (
        "项目编号只能含字母、数字和 -_.",
        "project code: letters, digits, -_. only",
    ),
    "unknown_project": ("项目编号未导入", "project code not imported"),
    "end_before_start": ("结束（离职）日期早于开始（入职）日期", "ends before it starts"),
    "duplicate_project_code": ("项目编号重复", "duplicate project code"),
    "duplicate_staff_id": (
        "工号重复：同一工号已在前面的行出现",
        "duplicate staff id: the same id is on an earlier row",
    ),
    "date_outside_project": ("支出日期不在项目期间内", "spending dated outside the project"),
    "schema_check": ("未通过结构校验", "failed the table's schema check"),
}


def reason_message(reason: str, lang: str = "zh") -> str:
    """The message of a reason code (``missing_<column>`` → ``missing``)."""
    key = "missing" if reason.startswith("missing_") else reason
    zh, en = REASONS.get(key, (reason, reason))
    return zh if lang == "zh" else en


def table_schema(spec: tuple[Col, ...]) -> pa.DataFrameSchema:
    """The pandera schema of an input kind's accepted table, one column per spec column."""
    dtypes = {
        "int": "Int64",
        "money": "Int64",
        "float": "Float64",
        "bool": "boolean",
        "date": "datetime64[ns]",
    }
    cols = {}
    for c in spec:
        name = (
            f"{c.name}_pid" if c.personal else ("station_code" if c.type == "station" else c.name)
        )
        checks = [pa.Check.in_range(*c.range)] if c.range else []
        if c.type in ("station", "room", "code"):
            checks.append(pa.Check.str_matches(r"^\d{12}$"))
        cols[name] = pa.Column(dtypes.get(c.type, str), checks, nullable=not c.required)
    return pa.DataFrameSchema(cols)


def typed_frame(frame: pd.DataFrame, spec: tuple[Col, ...]) -> pd.DataFrame:
    """``frame`` with each spec column cast to its stored dtype (money as integer fen)."""
    for c in spec:
        name = (
            f"{c.name}_pid" if c.personal else ("station_code" if c.type == "station" else c.name)
        )
        if c.type in ("int", "money"):
            frame[name] = pd.array(frame[name], dtype="Int64")
        elif c.type == "float":
            frame[name] = pd.array(frame[name], dtype="Float64")
        elif c.type == "bool":
            frame[name] = pd.array(frame[name], dtype="boolean")
        elif c.type == "date":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
        else:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def column_label(spec: tuple[Col, ...], name: str) -> str:
    """The Chinese header label of a column code (``station_code`` → 所属站点, ``name_pid`` →
    姓名)."""
    base = name.removesuffix("_pid")
    for c in spec:
        if c.name == base or (c.type == "station" and base == "station_code"):
            return c.labels[1]
    return name
