"""The words of alert messages: one grouped message per channel per cycle, in the farm's language and time zone.

A `Notice` is one outbox event, read from the registry; `compose` turns a farm's notices into a
`Message` (title, lines, how many were left out) and `Message.markdown` fits it into a robot's
byte limit by leaving out lines, never by cutting one in half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LOCALES = Path(__file__).with_name("locales")
MAX_LINES = 20  # a phone shows about this many; the rest are counted ("… and 12 more")
KIND_ORDER = {"fired": 0, "reminder": 1, "acknowledged": 2, "resolved": 3}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@cache
def catalog(language: str) -> dict[str, Any]:
    """The message words of `language`; an unknown language reads as the default."""
    name = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return json.loads((LOCALES / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Notice:
    """One event of an incident, with what a farmer needs to find it in the orchard."""

    event_id: int
    incident_id: int
    kind: str  # fired | reminder | acknowledged | resolved
    rule: str
    severity: str
    at: datetime
    value: float | None = None
    metric: str | None = None
    threshold: float | None = None
    tree: str | None = None  # the tree's label
    plot: str | None = None
    device: str | None = None
    camera: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The event as a webhook carries it; `id` is the receiver's idempotency key."""
        return {"id": self.event_id, "incident_id": self.incident_id, "kind": self.kind, "rule": self.rule,
                "severity": self.severity, "at": self.at.isoformat(), "value": self.value, "metric": self.metric,
                "threshold": self.threshold, "tree": self.tree, "plot": self.plot, "device": self.device,
                "camera": self.camera}


@dataclass
class Message:
    """A farm's notices as one message: a title, lines, and the count of notices not shown as lines."""

    title: str
    summary: str
    lines: list[str]
    hidden: int = 0
    words: dict[str, Any] = field(default_factory=dict, repr=False)

    def _more(self, hidden: int) -> str:
        return self.words["more"].format(count=hidden) if hidden else ""

    def markdown(self, max_bytes: int, *, heading: bool = True) -> str:
        """The message as markdown of at most `max_bytes` UTF-8 bytes: lines that do not fit are counted."""
        shown, hidden = list(self.lines), self.hidden
        while True:
            parts = ([f"### {self.title}"] if heading else []) + [self.summary, *shown, self._more(hidden)]
            text = "\n\n".join(part for part in parts if part)
            if len(text.encode()) <= max_bytes or not shown:
                return text if len(text.encode()) <= max_bytes else _cut(text, max_bytes)
            shown.pop()
            hidden += 1


def _cut(text: str, max_bytes: int) -> str:
    """The longest start of `text` within `max_bytes` (only a title longer than a robot's limit gets here)."""
    return text.encode()[:max_bytes].decode(errors="ignore")


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _with_unit(value: float, metric: str | None, words: dict[str, Any]) -> str:
    units: dict[str, str] = words["units"]
    if metric:
        for suffix in sorted(units, key=len, reverse=True):  # "ms_cm" before "cm", "ms"
            if metric.endswith("_" + suffix) or metric == suffix:
                return _number(value) + units[suffix]
    return _number(value)


def _where(notice: Notice, words: dict[str, Any]) -> str:
    where = words["where"]
    parts = []
    if notice.tree:
        parts.append(where["tree"].format(label=notice.tree))
    if notice.plot:
        parts.append(where["plot"].format(name=notice.plot))
    if notice.device:
        parts.append(where["device"].format(id=notice.device))
    if notice.camera:
        parts.append(where["camera"].format(id=notice.camera))
    return " · ".join(parts) or where["farm"]


def rule_name(rule: str, language: str) -> str:
    """What a farmer calls a rule (霜冻风险, Frost risk); its key when the catalog has no name for it."""
    return catalog(language)["rule"].get(rule, rule)


def line(notice: Notice, language: str, zone: ZoneInfo) -> str:
    words = catalog(language)
    value = ""
    if notice.value is not None:
        shown = (words["offline_value"].format(value=_number(notice.value)) if notice.metric is None
                 else _with_unit(notice.value, notice.metric, words))
        if notice.threshold is not None and notice.kind in ("fired", "reminder") and notice.metric:
            shown += words["threshold"].format(threshold=_with_unit(notice.threshold, notice.metric, words))
        value = words["value"].format(value=shown)
    mark = words["mark"].get(notice.kind) or words["mark"].get(notice.severity, "")
    return words["line"].format(mark=mark, rule=rule_name(notice.rule, language), state=words["state"][notice.kind],
                                where=_where(notice, words), value=value,
                                time=notice.at.astimezone(zone).strftime("%m-%d %H:%M"))


def zone_label(zone: ZoneInfo, at: datetime) -> str:
    """The zone's name and its UTC offset at `at`, e.g. "Asia/Shanghai, UTC+08:00"."""
    offset = at.astimezone(zone).strftime("%z")
    return f"{zone.key}, UTC{offset[:3]}:{offset[3:]}"


def order(notices: list[Notice]) -> list[Notice]:
    """New trouble first (fired, the worst first), then reminders, then what is acknowledged or over."""
    return sorted(notices, key=lambda n: (KIND_ORDER.get(n.kind, 9), SEVERITY_ORDER.get(n.severity, 9), n.rule,
                                          n.plot or "", _natural(n.tree), n.event_id))


def _natural(label: str | None) -> tuple[int, str]:
    """Tree "9" before tree "10"."""
    text = label or ""
    return (int(text), "") if text.isdigit() else (1 << 62, text)


def compose(notices: list[Notice], *, farm: str, language: str, timezone: str,
            max_lines: int = MAX_LINES) -> Message:
    """One message for a farm's notices: up to `max_lines` lines, the others counted."""
    words, zone = catalog(language), ZoneInfo(timezone)
    ordered = order(notices)
    latest = max((n.at for n in notices), default=datetime.now(zone))
    return Message(title=words["title"].format(farm=farm),
                   summary=words["summary"].format(count=len(notices), zone=zone_label(zone, latest)),
                   lines=[line(n, language, zone) for n in ordered[:max_lines]],
                   hidden=max(0, len(ordered) - max_lines), words=words)


def probe_message(*, farm: str, language: str, timezone: str, at: datetime) -> Message:
    """What `orchard admin test-channel` sends: it names the farm, so the group knows what it will get."""
    words, zone = catalog(language), ZoneInfo(timezone)
    return Message(title=words["test_title"].format(farm=farm), lines=[],
                   summary=words["test_text"].format(farm=farm, time=at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                                                     zone=zone_label(zone, at)), words=words)
