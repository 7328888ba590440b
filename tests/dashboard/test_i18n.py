"""Message catalogs: both languages say everything, every key the code names exists, tags match BCP-47."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from dashboard import i18n

PACKAGE = Path(i18n.__file__).parent
AREAS = sorted(path.stem for path in (i18n.LOCALES / "en").glob("*.json"))
KEY = re.compile(rf"^({'|'.join(AREAS)})\.[a-z0-9_]+(\.[a-z0-9_]+)*$")


def keys_in_code() -> dict[str, str]:
    """Every string literal in dashboard/ shaped like a message key, with where it is."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                found[node.value] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return found


def test_both_languages_have_the_same_files_and_keys():
    for lang in i18n.LANGUAGES:
        assert sorted(p.stem for p in (i18n.LOCALES / lang).glob("*.json")) == AREAS, lang
    english, chinese = i18n.catalog("en"), i18n.catalog("zh-CN")
    assert english, "no English messages"
    assert set(english) - set(chinese) == set(), "missing in zh-CN"
    assert set(chinese) - set(english) == set(), "missing in en"


def test_both_languages_fill_the_same_fields():
    field = re.compile(r"{(\w+)}")
    english, chinese = i18n.catalog("en"), i18n.catalog("zh-CN")
    for key, text in english.items():
        assert sorted(field.findall(text)) == sorted(field.findall(chinese[key])), key


def test_every_key_the_code_names_exists():
    used = keys_in_code()
    assert len(used) > 10, "the key scan found almost nothing: is KEY right?"
    missing = {key: where for key, where in used.items() if key not in i18n.catalog("en")}
    assert missing == {}


def test_catalogs_are_valid_json_objects():
    for path in i18n.LOCALES.rglob("*.json"):
        assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict), path


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans", "zh-CN"), ("zh-Hans-CN", "zh-CN"),
    ("zh_CN", "zh-CN"), ("en-US,en;q=0.9", "en"), ("fr-FR,fr;q=0.9", "en"), ("", "en"), (None, "en"),
    ("fr;q=1, zh;q=0.5, en;q=0.4", "zh-CN"), ("en;q=0.2, zh-TW;q=0.8", "zh-CN"), ("zh;q=0, en", "en"),
    ("de, *;q=0.5", "en"), ("zh;q=bad, en;q=0.1", "en"),
])
def test_accept_language_picks_our_language(header, lang):
    assert i18n.negotiate(header) == lang


def test_plotly_gets_its_own_chinese_locale():
    config = i18n.plotly_config("zh-CN")
    assert config["locale"] == "zh-CN"
    locale = config["locales"]["zh-CN"]
    assert locale["dictionary"]["Autoscale"] == "自动缩放" and "months" in locale["format"]
    assert "locales" not in i18n.plotly_config("en")


def test_a_message_fills_its_fields():
    assert i18n.t("common.time.minutes_ago", "en", n=5) == "5 min ago"
    assert i18n.t("common.time.minutes_ago", "zh-CN", n=5) == "5 分钟前"
