"""A farm's alert channels over the API: secrets never come back whole, bad input is a clear 422."""

from __future__ import annotations

from tests.alerts.robots import Robot

SECRET = "SECa1b2c3d4e5f6a7b8c9"


def test_a_farmer_adds_tests_lists_and_removes_a_robot(api):
    farmer = api.client("farmer_this_farm")
    with Robot("dingtalk", token="abcdef0123456789abcdef", secret=SECRET) as dingtalk:
        added = farmer.post("/api/farms/hill/channels", json={"kind": "dingtalk", "url": dingtalk.url,
                                                              "name": "果园群", "secret": SECRET})
        assert added.status_code == 201, added.text
        channel = added.json()
        assert channel["secret"] == "SECa…" and channel["url"].endswith("access_token=abcd…")
        assert SECRET not in added.text and dingtalk.token not in added.text

        listed = farmer.get("/api/farms/hill/channels")
        assert [c["name"] for c in listed.json()] == ["果园群"] and dingtalk.token not in listed.text

        tested = farmer.post(f"/api/farms/hill/channels/{channel['id']}/test")
        assert tested.json() == {"delivered": True, "error": ""}
        assert "告警" in dingtalk.posts()[0].json()["markdown"]["text"]  # signed, so the robot took it

        assert farmer.delete(f"/api/farms/hill/channels/{channel['id']}").status_code == 204
        assert farmer.get("/api/farms/hill/channels").json() == []


def test_a_test_message_the_robot_refuses_says_why(api):
    admin = api.client("admin")
    with Robot("wecom", token="right") as wecom:
        url = wecom.url.replace("key=right", "key=wrong")
        channel = admin.post("/api/farms/hill/channels", json={"kind": "wecom", "url": url}).json()
        tested = admin.post(f"/api/farms/hill/channels/{channel['id']}/test").json()
        assert tested == {"delivered": False, "error": "errcode 93000: invalid webhook url"}
        admin.delete(f"/api/farms/hill/channels/{channel['id']}")


def test_bad_channels_get_a_422_naming_the_field(api):
    admin = api.client("admin")
    for body, words in [
        ({"kind": "slack", "url": "https://example.org/x"}, "kind: 'slack' is not a channel kind"),
        ({"kind": "webhook", "url": "javascript:alert(1)"}, "url: must be an http:// or https:// URL"),
        ({"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}, "url: a wecom robot's URL"),
        ({"kind": "webhook", "url": "https://example.org/x", "name": "=HYPERLINK(1)"}, "name"),
        ({"kind": "webhook", "url": "https://example.org/x", "extra": 1}, "extra"),
    ]:
        answer = admin.post("/api/farms/hill/channels", json=body)
        assert answer.status_code == 422 and words in answer.text, answer.text
    assert admin.get("/api/farms/hill/channels").json() == []
    assert admin.post("/api/farms/nowhere/channels", json={"kind": "webhook", "url": "https://e.org/x"}
                      ).status_code == 404
