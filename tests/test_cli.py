"""The command line's own errors (argparse): Chinese first, exit code 2, usage shown."""

import pytest

from shegong.cli.main import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["report", "--year", "二〇二一", "--all"],
            "shegong report: 参数错误 不是整数 — error: argument --year: invalid int value: '二〇二一'",
        ),
        (
            ["report", "--year", "2021"],
            "shegong report: 参数错误 必须给出其中一个参数 — error: one of the arguments --all --unit --projects is required",
        ),
        (
            ["report", "--year", "2021", "--all", "--lang", "fr"],
            "shegong report: 参数错误 不是可选值 — error: argument --lang: invalid choice: 'fr' (choose zh, en or zh,en)",
        ),
        (
            ["report", "--all"],
            "shegong report: 参数错误 缺少必需的参数 — error: the following arguments are required: --year",
        ),
        (
            ["report", "issue", "--year", "2022", "--unit", "152200000000"],
            "shegong report issue: 参数错误 缺少必需的参数 — error: the following arguments are required: --actor",
        ),
        (
            [
                "report",
                "reissue",
                "--year",
                "2022",
                "--unit",
                "1",
                "--actor",
                "li",
                "--date",
                "2023/3/1",
            ],
            "shegong report reissue: 参数错误 日期格式有误 — error: argument --date: invalid date '2023/3/1': write YYYY-MM-DD",
        ),
        (
            ["ledger", "import"],
            "shegong ledger import: 参数错误 缺少必需的参数 — error: the following arguments are required: FILE",
        ),
        (
            ["serve", "--bogus"],
            "shegong: 参数错误 无法识别的参数 — error: unrecognized arguments: --bogus",
        ),
    ],
)
def test_argument_errors_are_named_in_chinese_first(argv, expected, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ")
    assert err.strip().splitlines()[-1] == expected
