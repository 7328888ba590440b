"""Alert channels from the command line: added with clear errors, listed masked, tested against local robots."""

from __future__ import annotations

from sqlalchemy import select

from orchard.registry.alerting import AlertChannel
from tests.alerts.robots import Robot

SECRET = "SECabcdef0123456789"


def test_add_list_and_remove_channels(admin, hillside, registry):
    wecom_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    added = admin("add-channel", "--farm", "hillside", "--kind", "wecom", "--url", wecom_url, "--name", "orchard group")
    assert "693a91f6" not in added.output and "key=693a…" in added.output
    admin("add-channel", "--farm", "hillside", "--kind", "dingtalk", "--secret",
          "--url", "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789", input=SECRET + "\n")
    listed = admin("list", "channels", "--farm", "hillside").output
    assert "wecom" in listed and "dingtalk" in listed and "orchard group" in listed
    assert "SECa…" in listed and SECRET not in listed and "abcdef0123456789" not in listed and "693a91f6" not in listed
    with registry() as session:
        rows = {c.kind.value: c for c in session.scalars(select(AlertChannel))}
    assert rows["dingtalk"].secret == SECRET and rows["wecom"].url == wecom_url
    removed = admin("remove-channel", rows["wecom"].id)
    assert f"channel {rows['wecom'].id} removed from farm hillside" in removed.output
    assert "wecom" not in admin("list", "channels").output


def test_bad_channels_are_refused_with_a_clear_line(admin, hillside):
    for args, words in [
        (["--kind", "wecom", "--url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"], "carries its key"),
        (["--kind", "webhook", "--url", "file:///etc/passwd"], "must be an http:// or https:// URL"),
        (["--kind", "slack", "--url", "https://example.org"], "'slack' is not one of"),
    ]:
        result = admin("add-channel", "--farm", "hillside", *args, ok=False)
        assert result.exit_code != 0 and words in result.output, result.output
    result = admin("add-channel", "--farm", "nowhere", "--kind", "webhook", "--url", "https://example.org/h", ok=False)
    assert "there is no farm 'nowhere'" in result.output
    result = admin("remove-channel", "99", ok=False)
    assert "there is no alert channel 99" in result.output


def test_test_channel_sends_a_signed_message_in_the_farm_language(admin, hillside):
    with Robot("dingtalk", secret=SECRET) as dingtalk:
        admin("add-channel", "--farm", "hillside", "--kind", "dingtalk", "--url", dingtalk.url, "--secret",
              input=SECRET + "\n")
        result = admin("test-channel", "1")
        assert "took the test message" in result.output and dingtalk.token not in result.output
        posted = dingtalk.posts()[0].json()["markdown"]
        assert "Hillside Orchard" in posted["title"] and "告警" in posted["text"]  # hillside speaks zh-CN


def test_test_channel_says_what_the_robot_answered(admin, hillside):
    with Robot("wecom", token="the-right-key") as wecom:
        wrong = wecom.url.replace("the-right", "a-wrong")
        admin("add-channel", "--farm", "hillside", "--kind", "wecom", "--url", wrong)
        result = admin("test-channel", "1", ok=False)
        assert result.exit_code == 1 and "errcode 93000: invalid webhook url" in result.output
        assert "a-wrong-key" not in result.output
