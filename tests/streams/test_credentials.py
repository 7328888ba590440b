"""What latest.jpg remembers of the policy's answers, and which credential counts (pure logic)."""

from __future__ import annotations

import time

import pytest

from orchard.auth import AuthError, mint_camera_token
from streams.credentials import Admissions, Presented, presented
from tests.streams.conftest import SECRET


def test_a_yes_is_remembered_no_longer_than_the_policy_caches_it():
    token = mint_camera_token(SECRET, ["cam-1"], 600)
    what = Presented("camera", token)
    admissions = Admissions(ttl_s=0.3)
    admissions.remember(what, "cam-1")
    assert admissions.admitted(what, "cam-1")
    assert not admissions.admitted(what, "cam-2")
    assert not admissions.admitted(Presented("camera", token, in_url=True), "cam-1")  # URL rules asked anew
    time.sleep(0.35)
    assert not admissions.admitted(what, "cam-1")


def test_a_yes_is_not_remembered_past_the_tokens_expiry_or_when_the_policy_caches_nothing():
    short = Presented("camera", mint_camera_token(SECRET, ["cam-1"], 1))
    admissions = Admissions(ttl_s=60)
    admissions.remember(short, "cam-1")
    deadline = time.time() + 3
    while admissions.admitted(short, "cam-1") and time.time() < deadline:
        time.sleep(0.05)
    assert not admissions.admitted(short, "cam-1")
    uncached = Admissions(ttl_s=0)
    uncached.remember(Presented("camera", "x"), "cam-1")
    assert not uncached.admitted(Presented("camera", "x"), "cam-1")


def test_the_header_comes_first_and_urls_carry_only_short_camera_tokens():
    assert presented("h", "q", "c", "s") == Presented("camera", "h")
    assert presented(None, "q", "c", "s") == Presented("camera", "q", in_url=True)
    assert presented(None, None, "c", "s") == Presented("camera", "c")
    assert presented(None, None, None, "s") == Presented("session", "s")
    assert presented("orl_abc", None, None, None).kind == "api"
    with pytest.raises(AuthError):
        presented(None, "orl_abc", None, None)
    with pytest.raises(AuthError):
        presented(None, mint_camera_token(SECRET, ["cam-1"], 2 * 86400), None, None)
    with pytest.raises(AuthError):
        presented(None, None, None, None)
