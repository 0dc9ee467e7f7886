"""Controlled vocabularies of the standard service ledger template (DOMAIN.md §2, §4).

Each dict maps the Chinese label used in the workbooks to the code stored in Parquet.
Codes are the English terms of DOMAIN.md §2.
"""

from __future__ import annotations

#: 服务类型 → event_type (DOMAIN.md §4, issue 2's standard template).
EVENT_TYPES: dict[str, str] = {
    "入户走访": "home_visit",
    "建档": "file_opened",
    "个案开案": "case_opened",
    "个案跟进": "case_follow_up",
    "个案结案": "case_closed",
    "小组活动": "group_session",
    "主题活动": "community_event",
    "需求调研": "needs_survey",
    "转介": "referral",
    "资源链接": "resource_linked",
    "志愿服务": "volunteer_service",
}

#: 服务领域 → service_area: the five service areas of DOMAIN.md §2.
SERVICE_AREAS: dict[str, str] = {
    "社会救助": "social_assistance",
    "养老服务": "elderly_services",
    "儿童关爱": "child_care",
    "社会事务": "social_affairs",
    "社区治理": "community_governance",
}

#: 对象类别 → client_category.
CLIENT_CATEGORIES: dict[str, str] = {
    "低保": "dibao",
    "特困": "extreme_poverty",
    "留守儿童": "left_behind_child",
    "困境儿童": "child_in_difficulty",
    "残疾人": "disabled",
    "独居老人": "elderly_living_alone",
    "空巢老人": "empty_nest_elderly",
    "一般居民": "general",
}

#: 资源类型 → resource_kind.
RESOURCE_KINDS: dict[str, str] = {"现金": "cash", "物资": "in_kind"}

#: Display labels for codes, zh-CN first.
LABELS_ZH: dict[str, str] = {
    **{v: k for k, v in EVENT_TYPES.items()},
    **{v: k for k, v in SERVICE_AREAS.items()},
    **{v: k for k, v in CLIENT_CATEGORIES.items()},
    **{v: k for k, v in RESOURCE_KINDS.items()},
}
