"""Every SHEGONG_* setting is declared once, with a default and help, and read through it."""

import re
from pathlib import Path

import pytest

from shegong.config import SETTINGS, Workspace, key_file, language, setting, settings_table

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_the_code_reads_is_declared_with_help():
    used = set()
    for path in [*ROOT.joinpath("src").rglob("*.py"), *ROOT.joinpath("widgets").glob("*.py")]:
        used |= set(re.findall(r"\bSHEGONG_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert used - set(SETTINGS) == set()
    assert all(s.help for s in SETTINGS.values())


def test_the_environment_wins_over_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("SHEGONG_LANG", raising=False)
    assert setting("SHEGONG_LANG") == "zh" and language() == "zh"
    monkeypatch.setenv("SHEGONG_LANG", "en")
    assert language() == "en"
    monkeypatch.setenv("SHEGONG_WORKSPACE", str(tmp_path / "elsewhere"))
    assert Workspace.at().root == (tmp_path / "elsewhere").resolve()
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "k.key"))
    assert key_file() == tmp_path / "k.key"
    monkeypatch.delenv("SHEGONG_KEY_FILE")
    assert key_file() == Path.home() / ".config" / "shegong" / "pseudonym.key"


def test_an_undeclared_setting_is_refused():
    with pytest.raises(KeyError):
        setting("SHEGONG_NOT_A_SETTING")


def test_the_table_lists_each_setting_once_in_declaration_order():
    table = settings_table()
    assert [row[0] for row in table] == list(SETTINGS)
    assert dict((name, value) for name, value, _ in table)["SHEGONG_KERNEL_ZYGOTE"] in ("0", "1")
