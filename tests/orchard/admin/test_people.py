"""Admins, farmers, customers and claims from the command line."""

from datetime import UTC, datetime

from sqlalchemy import select

from orchard.registry.models import Claim, ClaimStatus, Role
from orchard.registry.people import authenticate, find_user


def test_create_admin_asks_for_the_password_twice(admin, registry):
    result = admin("create-admin", "Root", input="correct horse\ncorrect horse\n")
    assert "admin root added" in result.output and result.output.count("Password") >= 1
    with registry() as session:
        user = authenticate(session, "root", "correct horse")
        assert user is not None and user.role == Role.ADMIN


def test_two_different_passwords_are_asked_again(admin, registry):
    result = admin("create-admin", "root", input="correct horse\ntypo horse\ncorrect horse\ncorrect horse\n")
    assert "do not match" in result.output
    with registry() as session:
        assert authenticate(session, "root", "correct horse") is not None


def test_a_script_gives_the_password_on_stdin(admin, registry):
    admin("create-admin", "root", "--password-stdin", input="from a script\n")
    with registry() as session:
        assert authenticate(session, "root", "from a script") is not None


def test_a_short_password_and_a_taken_username_are_refused(admin, registry):
    assert "at least 8 characters" in admin("create-admin", "root", "--password-stdin", input="short\n",
                                            ok=False).output
    admin("create-admin", "root", "--password-stdin", input="long enough\n")
    assert "already a user 'root'" in admin("add-customer", "ROOT", "--no-password", ok=False).output


def test_a_farmer_is_bound_to_the_farms_given(admin, hillside, registry):
    admin("add-farmer", "wang", "--farm", "hillside", "--farm", "valley", "--name", "Wang Wei",
          "--password-stdin", input="plum blossom\n")
    with registry() as session:
        user = find_user(session, "wang")
        assert (user.role, user.display_name, [f.id for f in user.farms]) == (
            Role.FARMER, "Wang Wei", ["hillside", "valley"])
    assert "there is no farm 'nowhere'" in admin("add-farmer", "li", "--farm", "nowhere", "--password-stdin",
                                                 input="plum blossom\n", ok=False).output


def test_a_customer_may_be_created_without_a_password(admin, registry):
    assert "cannot sign in yet" in admin("add-customer", "alice", "--name", "Alice", "--no-password").output
    with registry() as session:
        user = find_user(session, "alice")
        assert user.role == Role.CUSTOMER and user.password_hash is None
    users = admin("list", "users").output.splitlines()
    assert users[1].split() == ["alice", "customer", "Alice", "yes", "none", "-"]


def test_a_claim_runs_from_the_first_to_the_last_day_on_the_farms_clock(admin, hillside, registry):
    admin("add-customer", "alice", "--password-stdin", input="apple tree\n")
    result = admin("add-claim", "alice", "hillside", "17", "--start", "2025-03-01", "--end", "2025-10-31",
                   "--order", "shop-1001")
    assert "2025-03-01 to 2025-10-31 (active)" in result.output
    with registry() as session:
        claim = session.scalar(select(Claim))
        # Asia/Shanghai is UTC+8: its midnight is 16:00 UTC the day before.
        assert claim.starts_at == datetime(2025, 2, 28, 16, tzinfo=UTC)
        assert claim.ends_at == datetime(2025, 10, 31, 16, tzinfo=UTC)
        assert (claim.status, claim.order_ref, claim.tree.label) == (ClaimStatus.ACTIVE, "shop-1001", "17")
    line = admin("list", "claims").output.splitlines()[1].split()
    assert line[1:] == ["alice", "hillside", "17", "2025-03-01", "2025-10-31", "active", "shop-1001"]


def test_claims_that_make_no_sense_are_refused(admin, hillside):
    admin("add-customer", "alice", "--no-password")
    admin("add-farmer", "wang", "--farm", "hillside", "--password-stdin", input="plum blossom\n")
    claim = ["hillside", "17", "--start", "2025-03-01", "--end", "2025-10-31"]
    assert "before the first" in admin("add-claim", "alice", "hillside", "17", "--start", "2025-03-01",
                                       "--end", "2025-02-01", ok=False).output
    assert "claims belong to customers" in admin("add-claim", "wang", *claim, ok=False).output
    assert "no user 'bob'" in admin("add-claim", "bob", *claim, ok=False).output
    assert "has no tree '99'" in admin("add-claim", "alice", "hillside", "99", *claim[2:], ok=False).output
    admin("add-claim", "alice", *claim, "--order", "o-1", "--status", "pending")
    assert "already made claim" in admin("add-claim", "alice", *claim, "--order", "o-1", ok=False).output
    assert len(admin("list", "claims").output.splitlines()) == 2


def test_password_link_prints_an_invitation_then_a_reset_that_sets_the_password(admin, registry, monkeypatch):
    from orchard.registry.invitations import redeem_link

    monkeypatch.setenv("ORCHARD_PUBLIC_URL", "https://orchard.example.coop")
    admin("add-customer", "dee", "--no-password")
    invite = admin("password-link", "DEE").output
    assert "invite link for dee" in invite and "https://orchard.example.coop/invite/" in invite
    token = invite.strip().rsplit("/", 1)[1]
    with registry() as session:
        redeem_link(session, token, "invite", "dee's new password")
        session.commit()
        assert authenticate(session, "dee", "dee's new password") is not None
    reset = admin("password-link", "dee").output
    assert "reset link for dee" in reset and "/reset/" in reset
    assert "no user 'nobody'" in admin("password-link", "nobody", ok=False).output
