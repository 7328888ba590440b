"""Login throttling: variants of a name count as the name; an attacker slows down, the owner still gets in.

The throttle keeps its counts in the registry: its own tests run on SQLite and PostgreSQL.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete

from orchard.auth import AuthError, TooManyAttempts
from orchard.auth.policy import Policy
from orchard.auth.throttle import LoginThrottle
from orchard.registry.db import session_factory
from orchard.registry.models import KnownLogin
from tests.orchard.auth.conftest import SECRET
from tests.world import PASSWORD


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sessions(db_url):
    factory = session_factory(db_url)
    yield factory
    factory.kw["bind"].dispose()


def fail(policy, name, address, times=1):
    for _ in range(times):
        with pytest.raises(AuthError) as refused:
            policy.from_password(name, "guess", address)
        assert not isinstance(refused.value, TooManyAttempts)


@pytest.mark.parametrize("spelling", [" ana", "ana ", "ANA", "\tAna\n", "ａｎａ", "ＡＮＡ", "ana\u3000", "\u00a0ana"])
def test_after_five_failures_every_spelling_of_the_name_is_throttled(policy, spelling):
    fail(policy, "ana", "10.0.0.9", 5)
    with pytest.raises(TooManyAttempts):
        policy.from_password(spelling, PASSWORD, "10.0.0.9")


def test_failures_under_other_spellings_count_for_the_name(policy):
    for spelling in ("ana", " ana", "ANA ", "ａｎａ", "ana\u3000"):
        fail(policy, spelling, "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        policy.from_password("ana", PASSWORD, "10.0.0.9")


def test_guessing_from_many_addresses_does_not_lock_the_owner_out_at_home(policy):
    assert policy.from_password("ana", PASSWORD, "192.0.2.1")[0].name == "ana"  # home: logged in before
    for n in range(20):  # the name's limit from anywhere
        fail(policy, "ana", f"203.0.113.{n}")
    with pytest.raises(TooManyAttempts):
        policy.from_password("ana", PASSWORD, "198.51.100.7")  # a new address waits while the name is attacked
    assert policy.from_password("ana", PASSWORD, "192.0.2.1")[0].name == "ana"


def test_the_pause_doubles_per_name_and_address_and_others_are_not_slowed(sessions):
    clock = Clock()
    throttle = LoginThrottle(sessions, free=5, base_pause_s=1.0, clock=clock)
    for _ in range(5):
        throttle.check("ana", "10.0.0.9")
        throttle.failed("ana", "10.0.0.9")
    pauses = []
    for _ in range(4):
        with pytest.raises(TooManyAttempts) as paused:
            throttle.check("ana", "10.0.0.9")
        pauses.append(paused.value.retry_after)
        clock.advance(paused.value.retry_after)
        throttle.check("ana", "10.0.0.9")
        throttle.failed("ana", "10.0.0.9")
    assert pauses == [1, 2, 4, 8]
    throttle.check("ana", "10.0.0.10")  # the same name elsewhere, and
    throttle.check("bo", "10.0.0.9")    # another name here, go on
    clock.advance(900 + 1)
    throttle.check("ana", "10.0.0.9")   # the window forgets


def test_one_address_guessing_many_names_is_stopped(sessions):
    clock = Clock()
    throttle = LoginThrottle(sessions, per_address=50, clock=clock)
    for n in range(50):
        throttle.check(f"name-{n}", "10.0.0.9")
        throttle.failed(f"name-{n}", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-new", "10.0.0.9")
    throttle.check("someone-new", "10.0.0.10")


def test_a_success_forgets_that_address_failures(sessions):
    clock = Clock()
    throttle = LoginThrottle(sessions, clock=clock)
    for _ in range(4):
        throttle.failed("ana", "10.0.0.9")
    throttle.succeeded("ana", "10.0.0.9")
    throttle.failed("ana", "10.0.0.9")
    throttle.check("ana", "10.0.0.9")


def test_every_process_counts_the_same_failures(registry):
    sessions, _ = registry
    api, dashboard = Policy(sessions, SECRET, cache_s=0), Policy(sessions, SECRET, cache_s=0)
    for policy in (api, dashboard, api, dashboard, api):
        fail(policy, "ana", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        dashboard.from_password("ana", PASSWORD, "10.0.0.9")


def test_a_very_long_name_or_address_is_counted_not_refused(sessions):
    throttle = LoginThrottle(sessions, clock=Clock())
    name, address = "ﷺ" * 254, "x" * 300  # NFKC makes that one character eighteen
    for _ in range(5):
        throttle.check(name, address)
        throttle.failed(name, address)
    with pytest.raises(TooManyAttempts):
        throttle.check(name, address)


def test_two_successes_at_once_from_one_address_both_log_in(sessions):
    import threading

    throttle, errors = LoginThrottle(sessions, clock=Clock()), []

    def succeed() -> None:
        try:
            throttle.succeeded("ana", "10.0.0.9")
        except Exception as exc:  # the test reports what a double-clicked login would have answered
            errors.append(exc)

    for _ in range(5):
        threads = [threading.Thread(target=succeed) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with sessions.begin() as session:
            session.execute(delete(KnownLogin))
    assert errors == []
