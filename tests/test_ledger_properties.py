"""Properties of the import (issue 4): any table of mixed good and bad cells raises nothing but
DatasetError and the four classes add up; nothing personal reaches any file the import writes."""

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shegong.config import Workspace
from shegong.errors import DatasetError
from shegong.ledger.importer import import_ledgers

from .builders import HEADER, PEOPLE, row, standard_rows, write_org_units, write_standard_xlsx
from .messy.corpus import write_messy

CELLS = st.one_of(
    st.none(),
    st.just(""),
    st.just("   "),
    st.just(0),
    st.integers(-5, 50_000),
    st.floats(-10, 1e6, allow_nan=False),
    st.sampled_from(
        [
            "入户走访",
            "小组活动",
            "慰问",
            "和平街道",
            "科右前旗",
            "合计",
            "小计",
            "1.7万元",
            "600余场",
            "二十",
            "2021年3月5日",
            "3月5日",
            "6.3",
            "2021.13.1",
            "１４９３",
            "abc",
            "=SUM(A1)",
            "X" * 300,
        ]
    ),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=8),
)
ROWS = st.lists(
    st.one_of(
        st.lists(CELLS, min_size=0, max_size=22),
        st.builds(lambda r: r, st.sampled_from(standard_rows())),
    ),
    max_size=12,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, merged=st.booleans())
def test_any_table_imports_or_raises_dataset_error(tmp_path_factory, rows, merged):
    tmp = tmp_path_factory.mktemp("prop")
    ws = Workspace.at(tmp / "ws")
    write_org_units(ws.org_units_file)
    path = write_messy(tmp / "p.xlsx", {"3月": rows}, merged=merged)
    try:
        s = import_ledgers(
            [path], workspace=ws, progress=False, today=dt.date(2022, 1, 1)
        ).to_dict()
    except DatasetError:
        return
    assert s["rows_read"] == s["accepted"] + s["rejected"] + s["skipped_blank"] + s["total_rows"]
    assert sum(s["rejected_by_reason"].values()) == s["rejected"]


@pytest.mark.parametrize("check", [False, True])
def test_nothing_personal_in_any_file_written(tmp_path, check):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    rows = standard_rows()
    rows.append(
        row(
            13,
            "2021年3月30日",
            "都林街道社工站",
            "",
            "慰问",
            "儿童关爱",
            "李建国",
            "低保",
            note="李建国 电话 15904821234",
        )
    )
    rows.append(
        row(
            14,
            "3月31日",
            "和平街道社工站",
            "前进村",
            "入户走访",
            "社会救助",
            "张桂兰",
            "低保",
            times="很多",
        )
    )
    path = write_standard_xlsx(tmp_path / "p.xlsx", rows)
    csv = tmp_path / "p.csv"
    pd.DataFrame(rows, columns=HEADER).to_csv(csv, index=False, encoding="gb18030")
    import_ledgers([path, csv], workspace=ws, check=check, progress=False)
    secrets = [v for name, values in PEOPLE.items() for v in (name, *values)]
    scanned = 0
    for out in ws.ledger_dir.rglob("*"):
        if not out.is_file():
            continue
        if out.suffix == ".parquet":
            text = pd.read_parquet(out).to_csv()
        elif out.suffix == ".xlsx":
            book = openpyxl.load_workbook(out)
            text = " ".join(
                str(c.value)
                for sh in book
                for r in sh.iter_rows()
                for c in r
                if c.value is not None
            )
        else:
            text = out.read_text(encoding="utf-8-sig")
        scanned += 1
        assert not [s for s in secrets if s in text], f"{out.name} contains personal data"
    assert scanned == (
        2 * 2 if check else 2 * 5 + 1
    )  # quality json+html per file; + parquet, csv, xlsx; + the log
