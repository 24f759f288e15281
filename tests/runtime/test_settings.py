"""Every setting is read through one list (runtime/settings.py), and the docs name them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runtime.settings import SETTINGS, setting

ROOT = Path(__file__).resolve().parents[2]
CODE = ["actions", "connectors", "knowledge", "replies", "review", "runtime", "tracking",
        "webapp", "rasa_project"]
DIRECT_READ = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["'][A-Z_]+["']""")


def test_no_module_reads_a_variable_by_name_but_the_settings_list() -> None:
    readers = [str(path.relative_to(ROOT)) for folder in CODE
               for path in (ROOT / folder).rglob("*.py")
               if path.name != "settings.py" and DIRECT_READ.search(path.read_text("utf-8"))]
    assert readers == []


def test_the_operations_guide_names_every_setting() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert [name for name in SETTINGS if f"`{name}`" not in guide] == []


def test_a_setting_falls_back_to_its_default_and_an_empty_value_is_kept() -> None:
    assert setting("RASA_PORT", {}) == "5005"
    assert setting("RASA_PORT", {"RASA_PORT": "6000"}) == "6000"
    assert setting("RASA_TOKEN", {}) is None
    assert setting("WECHAT_TOKEN", {"WECHAT_TOKEN": ""}) == ""


def test_an_unlisted_name_is_an_error_not_unset() -> None:
    with pytest.raises(KeyError):
        setting("RASA_PROT", {})
