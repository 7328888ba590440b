"""Signing and judging the channels' answers; the URLs and their masks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest

from orchard.errors import Invalid
from orchard.notify.robots import dingtalk_sign, judge, sign_body, with_query
from orchard.registry.alert_channels import check_kind, check_url, masked_secret, masked_url
from orchard.registry.alerting import ChannelKind

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def answer(status: int = 200, json=None, headers=None) -> httpx.Response:
    return httpx.Response(status, json=json, headers=headers)


def test_dingtalk_sign_is_the_documented_hmac_base64_url_encoded():
    sign = dingtalk_sign("SECxyz", 1700000000000)
    expected = base64.b64encode(hmac.new(b"SECxyz", b"1700000000000\nSECxyz", hashlib.sha256).digest()).decode()
    assert unquote(sign) == expected and "+" not in sign and "/" not in sign and "=" not in sign


def test_webhook_signature_mirrors_the_shop_webhook():
    assert sign_body("s", 17, b"{}") == "sha256=" + hmac.new(b"s", b"17.{}", hashlib.sha256).hexdigest()


def test_with_query_keeps_the_robot_token():
    assert with_query("https://x/robot/send?access_token=t", timestamp="1", sign="a%2Bb") == (
        "https://x/robot/send?access_token=t&timestamp=1&sign=a%2Bb")


@pytest.mark.parametrize(("kind", "response", "delivered", "retry", "after"), [
    (ChannelKind.WECOM, answer(json={"errcode": 0, "errmsg": "ok"}), True, False, None),
    (ChannelKind.WECOM, answer(json={"errcode": 45009, "errmsg": "api freq out of limit"}), False, True, 60.0),
    (ChannelKind.WECOM, answer(json={"errcode": 93000, "errmsg": "invalid webhook url"}), False, False, None),
    (ChannelKind.DINGTALK, answer(json={"errcode": 130101, "errmsg": "send too fast"}), False, True, 60.0),
    (ChannelKind.DINGTALK, answer(json={"errcode": 310000, "errmsg": "sign not match"}), False, False, None),
    (ChannelKind.DINGTALK, answer(json={"errcode": 300001, "errmsg": "token is not exist"}), False, False, None),
    (ChannelKind.DINGTALK, answer(502), False, True, None),
    (ChannelKind.WEBHOOK, answer(204), True, False, None),
    (ChannelKind.WEBHOOK, answer(429, headers={"Retry-After": "120"}), False, True, 120.0),
    (ChannelKind.WEBHOOK, answer(503, headers={"Retry-After": "Mon, 30 Nov 2026 12:05:00 GMT"}), False, True, 300.0),
    (ChannelKind.WEBHOOK, answer(404), False, False, None),
    (ChannelKind.WEBHOOK, answer(301, headers={"Location": "https://elsewhere/"}), False, False, None),
    (ChannelKind.WECOM, httpx.Response(200, text="<html>portal</html>"), False, False, None),
])
def test_answers_are_judged_as_the_robots_mean_them(kind, response, delivered, retry, after):
    outcome = judge(kind, response, NOW)
    assert (outcome.delivered, outcome.retry, outcome.retry_after_s) == (delivered, retry, after)


def test_urls_are_checked_with_clear_errors():
    assert check_url(ChannelKind.WECOM, " https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc ").endswith("abc")
    for kind, url, words in [
        (ChannelKind.WEBHOOK, "ftp://example.org/x", "http:// or https://"),
        (ChannelKind.WEBHOOK, "https://", "http:// or https://"),
        (ChannelKind.WEBHOOK, "https://user:pw@example.org/x", "user or password"),
        (ChannelKind.WEBHOOK, "https://example.org:99999/x", "not a valid URL"),
        (ChannelKind.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "carries its key"),
        (ChannelKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?key=x", "carries its access_token"),
        (ChannelKind.WEBHOOK, "https://example.org/\u202ex", "control character"),
    ]:
        with pytest.raises(Invalid, match=words):
            check_url(kind, url)
    with pytest.raises(Invalid, match="kind: 'slack' is not a channel kind; use one of webhook, wecom, dingtalk"):
        check_kind("slack")


def test_masks_hide_keys_tokens_and_long_path_secrets():
    assert masked_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx-7aoc-4bc4-97a0-0ec2sifa5aaa") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…")
    assert masked_url("https://hooks.example.org:8443/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX") == (
        "https://hooks.example.org:8443/services/T0000/B0000/XXXX…")
    assert masked_secret("SEC123456789") == "SEC1…" and masked_secret(None) is None
