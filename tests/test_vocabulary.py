"""The ledger vocabularies as data (datasets/vocabularies/), and a label never costing an event
(issue 16): realistic ledgers written with the field's labels keep every event and its totals."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
import yaml

from shegong.config import Workspace, project_root
from shegong.errors import ProfileError, VocabularyError
from shegong.indicators.compute import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.ledger.profiles import load_profile, profile_from_dict
from shegong.ledger.template import write_template
from shegong.ledger.vocabulary import (
    CLIENT_CATEGORIES,
    VOCABULARIES,
    fold_label,
    load_vocabularies,
    source_ids,
)

from .builders import row, write_org_units, write_standard_xlsx
from .realistic import realistic_ledger

D = pd.Timestamp("2021-03-02").date()


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("特困人员", "extreme_poverty"),  # the official term, rejected before issue 16
        ("特困供养人员", "extreme_poverty"),
        ("分散供养特困人员", "extreme_poverty"),
        ("五保户", "extreme_poverty"),
        ("最低生活保障对象", "dibao"),
        ("低保户", "dibao"),  # the …户 form
        ("低 保 户", "dibao"),  # spacing
        ("（低保户）", "dibao"),  # full-width brackets around it
        ("低保、低保户", "dibao"),  # two forms of one category
        ("残疾人家庭", "disabled"),  # the …家庭 form
        ("重度残疾人", "disabled"),
        ("空巢老人户", "empty_nest_elderly"),
        ("农村留守老年人", "left_behind_elderly"),
        ("事实无人抚养儿童", "de_facto_unsupported_child"),
        ("低保边缘户", "low_income"),
        ("ＤＩＢＡＯ", "dibao"),  # a code, full-width, upper case
    ],
)
def test_the_field_s_labels_map_to_their_category(label, code):
    assert VOCABULARIES["client_category"].lookup(label) == code


@pytest.mark.parametrize(
    ("column", "label", "code"),
    [
        ("event_type", "入户探访", "home_visit"),
        ("event_type", "家访", "home_visit"),
        ("event_type", "开案", "case_opened"),
        ("event_type", "社区活动", "community_event"),
        ("service_area", "为老服务", "elderly_services"),
        ("service_area", "未成年人保护", "child_care"),
        ("service_area", "社会救助服务", "social_assistance"),  # the …服务 form
        ("resource_kind", "善款", "cash"),
        ("resource_kind", "慰问品", "in_kind"),
        ("resource_kind", "实物捐赠", "in_kind"),
    ],
)
def test_service_types_areas_and_resources_know_their_synonyms(column, label, code):
    assert VOCABULARIES[column].lookup(label) == code


def test_no_guess_for_what_names_nothing_or_several():
    cc = VOCABULARIES["client_category"]
    assert cc.lookup("孤寡老人") is None and cc.suggest("孤寡老人") == (None, ())
    assert cc.lookup("低保、残疾人") is None
    assert cc.suggest("低保、残疾人") == (None, ("dibao", "disabled"))
    assert cc.suggest("特困供养老人") == ("extreme_poverty", ("extreme_poverty",))
    assert VOCABULARIES["event_type"].lookup("慰问") is None


def test_the_template_offers_the_official_terms(tmp_path):
    assert "特困人员" in CLIENT_CATEGORIES and "特困" not in CLIENT_CATEGORIES
    out = write_template(tmp_path / "模板.xlsx")
    lists = openpyxl.load_workbook(out)["列表"]
    column = [c.value for c in lists["C"]]
    assert column[0] == "对象类别（下拉列表）" and column[1:4] == [
        "低保",
        "特困人员",
        "低保边缘家庭",
    ]


def test_every_term_cites_a_source_of_sources_yaml():
    known = source_ids()
    for vocab in VOCABULARIES.values():
        for term in vocab.terms:
            assert term.sources and set(term.sources) <= known, (vocab.column, term.code)
    data = yaml.safe_load((project_root() / "datasets/vocabularies/sources.yaml").read_text())
    policy = [s for s in data["sources"] if s["kind"] == "policy"]
    # a policy text is cited by its issuing number (国发〔2016〕14号, 国务院令第649号) or as a law
    assert len(policy) >= 10
    assert all(re.search(r"〔\d{4}〕|令第|中华人民共和国", s["title"]) for s in policy)


def test_a_form_given_to_two_codes_is_refused_with_file_key_and_fix(tmp_path):
    folder = tmp_path / "vocabularies"
    shutil.copytree(project_root() / "datasets/vocabularies", folder)
    path = folder / "client_categories.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["terms"][1]["colloquial"].append("低保户")  # extreme_poverty claims a dibao form
    data["terms"][2]["sources"].append("no-such-source")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(VocabularyError) as e:
        load_vocabularies(folder)
    message = e.value.message()
    assert message.startswith("client_categories.yaml: ")
    assert (
        "key terms[1]: '低保户' is also a form of dibao (低保 + 户) — keep it in one term"
        in message
    )
    assert "key terms[2].sources: 'no-such-source' is not in sources.yaml — add it there" in message


def test_a_profile_extends_a_vocabulary_and_its_targets_are_checked(ws, tmp_path):
    data = yaml.safe_load((project_root() / "datasets/profiles/standard.yaml").read_text())
    data["value_maps"] = {"client_category": {"孤寡老人": "特困人员"}}
    profile = profile_from_dict(data, source="mine.yaml")
    path = write_standard_xlsx(
        tmp_path / "a.xlsx",
        [row(1, D, "和平街道社工站", "", "入户走访", "社会救助", "张桂兰", "孤寡老人")],
    )
    summary = import_ledgers([path], workspace=ws, profile=profile, progress=False).to_dict()
    assert summary["accepted"] == 1 and summary["warnings"] == {}
    frame = pd.read_parquet(ws.accepted_dir / "a.xlsx.parquet")
    assert frame["client_category"].tolist() == ["extreme_poverty"]
    data["value_maps"] = {"client_category": {"孤寡老人": "孤寡"}}
    with pytest.raises(ProfileError) as e:
        profile_from_dict(data, source="mine.yaml")
    assert "mine.yaml: key value_maps.client_category: target not in" in e.value.message()
    assert "孤寡老人 → 孤寡 — fix: write one of 低保, 特困人员" in e.value.message()


def test_a_realistic_ledger_keeps_every_event_and_its_totals(ws, tmp_path):
    expected = realistic_ledger(tmp_path / "台账.xlsx", seed=16, rows=400)
    summary = import_ledgers([tmp_path / "台账.xlsx"], workspace=ws, progress=False).to_dict()
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (400, 400, 0)
    assert expected.events == 400
    assert summary["totals"] == {
        "person_times": expected.person_times,
        "volunteer_hours": float(expected.volunteer_hours),
        "resources_yuan": float(expected.resources_yuan),
    }
    assert (expected.person_times, expected.resources_yuan) == (4898, Decimal(25500))
    frame = pd.concat(pd.read_parquet(f) for f in ws.accepted_dir.glob("*.parquet"))
    for column, n in expected.unmapped.items():
        assert (frame[column] == "unmapped").sum() == n, column
    assert expected.unmapped == {"client_category": 10, "service_area": 17}
    kept = frame.loc[frame["client_category"] == "unmapped", "client_category_label"]
    assert sorted(set(kept)) == ["低保、残疾人", "孤寡老人", "计划生育特殊家庭"]
    assert frame.loc[frame["client_category"] != "unmapped", "client_category_label"].isna().all()
    assert summary["warnings"] == {"unknown_village": 48, "unmapped_label": 27}
    labels = {(u["column"], u["label"]): u for u in summary["files"][0]["unmapped_labels"]}
    assert labels["client_category", "低保、残疾人"]["candidates"] == ["dibao", "disabled"]
    assert labels["service_area", "综合服务"]["rows"] == 13
    html = (ws.quality_dir / "台账.xlsx.html").read_text(encoding="utf-8")
    assert "未归类的标签（事件已接收，计入总数）" in html and "孤寡老人" in html
    assert "含多个类别 several: 低保、残疾人" in html
    assert "服务领域 17 / 400 行（4.2%）；对象类别 10 / 400 行（2.5%）" in html


def test_service_types_no_vocabulary_places_are_rejected_not_guessed(ws, tmp_path):
    expected = realistic_ledger(tmp_path / "台账.xlsx", seed=17, rows=400, odd_types=True)
    summary = import_ledgers([tmp_path / "台账.xlsx"], workspace=ws, progress=False).to_dict()
    rejects = pd.read_csv(ws.rejects_dir / "台账.xlsx.csv", encoding="utf-8-sig")
    assert summary["accepted"] == expected.events == 400 - len(expected.odd_rows)
    assert (
        summary["rejected_by_reason"]
        == {"unknown_event_type": len(expected.odd_rows)}
        == {"unknown_event_type": 21}
    )
    assert summary["totals"]["person_times"] == expected.person_times
    assert set(rejects["message"]) == {"服务类型不在标准列表中，也不在映射配置中"}


def test_an_unknown_village_keeps_its_event_at_the_station(ws, tmp_path):
    path = write_standard_xlsx(
        tmp_path / "v.xlsx",
        [
            row(1, D, "和平街道社工站", "幸福里小区", "主题活动", "社区治理", times=30),
            row(2, D, "和平街道社工站", "前进村", "主题活动", "社区治理", times=20),
            row(3, D, "和平街道社工站", "本级", "主题活动", "社区治理", times=10),
        ],
    )
    summary = import_ledgers([path], workspace=ws, progress=False).to_dict()
    frame = pd.read_parquet(ws.accepted_dir / "v.xlsx.parquet")
    assert frame["org_unit"].tolist() == ["152201100000", "152201100001", "152201100000"]
    assert summary["warnings"] == {"unknown_village": 1}
    assert summary["files"][0]["warning_examples"]["unknown_village"] == ["3月!3: 幸福里小区"]


def test_breakdowns_show_the_unmapped_share_and_totals_keep_it(ws, tmp_path):
    path = write_standard_xlsx(
        tmp_path / "c.xlsx",
        [
            row(1, D, "和平街道社工站", "", "入户走访", "社会救助", "张桂兰", "低保户", times=2),
            row(2, D, "和平街道社工站", "", "入户走访", "社会救助", "李建国", "孤寡老人", times=3),
            row(3, D, "和平街道社工站", "", "入户走访", "综合", "王秀英", "特困人员", times=4),
        ],
    )
    import_ledgers([path], workspace=ws, progress=False)
    table = compute_indicators(ws, year=2021)
    d7a = table[
        (table["indicator"] == "D7a")
        & (table["org_unit"] == "152201100000")
        & (table["period"] == "2021")
    ]
    total = d7a[d7a["service_area"].isna() & d7a["client_category"].isna()]["value"]
    by_category = d7a[d7a["client_category"].notna()].set_index("client_category")["value"]
    by_area = d7a[d7a["service_area"].notna()].set_index("service_area")["value"]
    assert total.tolist() == [9.0]
    assert by_category.to_dict() == {"dibao": 2.0, "extreme_poverty": 4.0, "unmapped": 3.0}
    assert by_area.to_dict() == {"social_assistance": 5.0, "unmapped": 4.0}


def test_fold_label_reads_width_spacing_and_decoration_alike():
    assert {fold_label(x) for x in ("特困人员", " 特困 人员 ", "“特困人员”", "【特困人员】")} == {
        "特困人员"
    }
    assert (
        load_profile("activity_beneficiaries").value_maps["service_area"]["大病儿童"] == "儿童关爱"
    )
