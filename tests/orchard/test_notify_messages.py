"""Alert message words: by the farm's language, on the farm's clock, within the robots' byte limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from orchard.notify.messages import LOCALES, Notice, compose, probe_message

AT = datetime(2026, 11, 30, 22, 5, tzinfo=UTC)  # 06:05 on Dec 1 in Shanghai, 23:05 on Nov 30 in Berlin


def frost(n: int = 1, kind: str = "fired", **changes) -> Notice:
    fields = dict(event_id=n, incident_id=n, kind=kind, rule="frost", severity="critical", at=AT, value=-2.5,
                  metric="air_temp_c", threshold=0.0, tree=str(n), plot="north", device=f"hill-{n}")
    return Notice(**{**fields, **changes})


def test_chinese_message_names_rule_place_value_and_farm_time():
    message = compose([frost(17)], farm="Hillside", language="zh-CN", timezone="Asia/Shanghai")
    text = message.markdown(4096)
    assert "果园告警 · Hillside" in text
    assert "**霜冻风险** 触发 · 17 号树 · north 地块 · 设备 hill-17 · -2.5 °C（阈值 0 °C） · 12-01 06:05" in text
    assert "Asia/Shanghai, UTC+08:00" in text


def test_english_message_on_another_farm_clock():
    message = compose([frost(17)], farm="Hillside", language="en", timezone="Europe/Berlin")
    text = message.markdown(4096)
    assert "**Frost risk** fired · tree 17 · plot north · device hill-17 · -2.5 °C (limit 0 °C) · 11-30 23:05" in text
    assert "Europe/Berlin, UTC+01:00" in text


def test_resolved_and_acknowledged_are_told_after_new_trouble():
    notices = [frost(1, "resolved", value=1.5), frost(2, "acknowledged", value=None), frost(3, "fired"),
               frost(4, "reminder", rule="offline", metric=None, value=3, threshold=None, tree=None, plot=None)]
    lines = compose(notices, farm="f", language="en", timezone="UTC").lines
    assert [line.split("**")[2].split(" · ")[0].strip() for line in lines] == [
        "fired", "still on", "acknowledged", "resolved"]
    assert "**Device offline** still on · device hill-4 · 3 intervals missed" in lines[1]
    assert "1.5 °C ·" in lines[3] and "limit" not in lines[3]
    zh = compose(notices, farm="f", language="zh-CN", timezone="UTC").lines
    assert "已恢复" in zh[3] and "已确认" in zh[2] and "已错过 3 个上报周期" in zh[1]


def test_many_alerts_are_capped_in_lines_and_counted():
    notices = [frost(n) for n in range(1, 51)]
    message = compose(notices, farm="f", language="en", timezone="UTC")
    text = message.markdown(20_000)
    assert text.count("Frost risk") == 20 and "… and 30 more" in text and "50 alert messages" in text
    assert "tree 1 " in text and "tree 20 " in text and "tree 21 " not in text  # trees in their natural order


def test_markdown_keeps_within_a_byte_limit_by_dropping_whole_lines():
    notices = [frost(n, plot="北" * 200) for n in range(1, 21)]
    message = compose(notices, farm="f", language="zh-CN", timezone="UTC")
    text = message.markdown(4096)
    assert len(text.encode()) <= 4096
    shown = text.count("霜冻风险")
    assert 0 < shown < 20 and f"另有 {20 - shown} 条" in text
    assert all(line.endswith("11-30 22:05") or "霜冻风险" not in line for line in text.split("\n\n"))


def test_an_unknown_rule_is_shown_by_its_key():
    line = compose([frost(rule="pear_scab")], farm="f", language="zh-CN", timezone="UTC").lines[0]
    assert "**pear_scab**" in line


def test_probe_message_names_the_farm_in_both_languages():
    zh = probe_message(farm="Hillside", language="zh-CN", timezone="Asia/Shanghai", at=AT).markdown(4096)
    en = probe_message(farm="Hillside", language="en", timezone="Asia/Shanghai", at=AT).markdown(4096)
    assert "Hillside" in zh and "2026-12-01 06:05" in zh and "告警" in zh
    assert "Hillside" in en and "2026-12-01 06:05" in en and "alerts" in en


def test_both_catalogs_have_the_same_keys():
    def keys(tree, prefix=""):
        return {prefix + k for k in tree} | {key for k, v in tree.items() if isinstance(v, dict)
                                             for key in keys(v, f"{prefix}{k}.")}
    en, zh = (json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8")) for name in ("en", "zh-CN"))
    assert keys(en) == keys(zh)
