"""orchard/care/records.py and the registry's append-only guard, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orchard.care.content import Content, Input
from orchard.care.records import correct_entry, record_entry
from orchard.care.visible import claim_care_log, tree_care_log
from orchard.errors import Invalid, NotFound
from orchard.registry.care_log import AppendOnly, CareEntry, CareInput, CareRevision
from orchard.registry.models import Claim, Tree
from tests.orchard.care.conftest import NOW

SPRAY = Input("Abamectin 1.8% EC", 0.5, "ml/L", "synthetic", "PD20080001", 14)


def record(session, farm, **overrides):
    values = {"farm_id": "hill", "scope": "tree", "tree_id": farm.t1, "kind": "watering",
              "event_at": NOW - timedelta(days=1), "by": farm.farmer,
              "content": Content(notes="20 L at the roots", quantity=20, unit="L"), "now": NOW}
    return record_entry(session, **{**values, **overrides})


def test_an_entry_keeps_both_times_who_and_the_tree_camera(session, farm):
    entry = record(session, farm)
    session.commit()
    assert entry.event_at == NOW - timedelta(days=1) and entry.recorded_at == NOW
    assert entry.recorded_by == farm.farmer and entry.camera_id == "cam-1"
    [view] = tree_care_log(session, session.get(Tree, farm.t1), NOW - timedelta(days=2), NOW)
    assert view.current.notes == "20 L at the roots" and view.current.recorded_by == "Li Wei"
    assert not view.changed


def test_a_correction_is_a_new_revision_and_the_old_text_stays(session, farm):
    entry = record(session, farm)
    correct_entry(session, entry, by=farm.farmer, content=Content(notes="30 L", quantity=30, unit="L",
                                                                   reason="misread the meter"),
                  now=NOW + timedelta(hours=1))
    session.commit()
    [view] = tree_care_log(session, session.get(Tree, farm.t1), NOW - timedelta(days=2), NOW)
    assert [r.notes for r in view.revisions] == ["20 L at the roots", "30 L"]
    assert [r.number for r in view.revisions] == [1, 2] and view.changed
    assert view.current.reason == "misread the meter"


def test_changing_or_deleting_a_care_row_in_place_is_refused(session, farm):
    entry = record(session, farm)
    session.commit()
    revision = session.scalars(select(CareRevision)).one()
    revision.notes = "rewritten history"
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
    session.delete(session.get(CareEntry, entry.id))
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()
    assert session.scalars(select(CareRevision.notes)).one() == "20 L at the roots"


def test_a_correction_leaves_the_first_revision_as_it_was(session, farm):
    entry = record(session, farm)
    first = session.scalars(select(CareRevision)).one()
    before = (first.notes, first.quantity, first.recorded_at)
    correct_entry(session, entry, by=farm.farmer, content=Content(notes="x", quantity=1, unit="L"), now=NOW)
    session.commit()
    again = session.scalars(select(CareRevision).where(CareRevision.number == 1)).one()
    assert (again.notes, again.quantity, again.recorded_at) == before
    assert session.scalar(select(func.count()).select_from(CareRevision)) == 2


def test_a_future_event_is_refused_with_a_clear_message_and_nothing_is_written(session, farm):
    with pytest.raises(Invalid, match="in the future"):
        record(session, farm, event_at=NOW + timedelta(hours=1))
    record(session, farm, event_at=NOW + timedelta(minutes=4))  # a phone's clock slightly ahead
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CareEntry)) == 0


@pytest.mark.parametrize(("overrides", "words"), [
    ({"scope": "tree", "tree_id": None}, "no tree"),
    ({"scope": "plot", "tree_id": None, "plot_id": 10_000}, "no plot"),
    ({"scope": "forest"}, "scope"),
    ({"kind": "singing"}, "kind"),
    ({"kind": "pruning"}, "no quantity"),
    ({"content": Content(notes="bad\x00text")}, "control character"),
    ({"kind": "pest_control", "content": Content(method="chemical")}, "needs the product"),
    ({"kind": "pest_control", "content": Content(method="traps", inputs=(SPRAY,))}, "applies no product"),
    ({"kind": "pest_control", "content": Content(method="chemical", inputs=(
        Input("X", 1, "ml/L", "synthetic", "not-a-number", 7),))}, "registration"),
    ({"kind": "pest_control", "content": Content(method="chemical", inputs=(
        Input("X", 1, "ml/L", "synthetic", "PD20080001", None),))}, "pre-harvest"),
    ({"kind": "pest_control", "content": Content(method="chemical", inputs=(
        Input("X", -1, "ml/L", "synthetic", "PD20080001", 7),))}, "more than 0"),
    ({"kind": "watering", "content": Content(quantity=float("nan"), unit="L")}, "number"),
])
def test_bad_content_is_invalid_and_names_the_field(session, farm, overrides, words):
    with pytest.raises((Invalid, NotFound), match=words):
        record(session, farm, **overrides)


def test_an_entry_on_another_farms_tree_is_not_found(session, farm):
    with pytest.raises(NotFound):
        record(session, farm, tree_id=farm.other_tree)


def test_registration_numbers_are_read_loosely(session, farm):
    entry = record(session, farm, kind="pest_control", content=Content(method="chemical", inputs=(
        Input("Abamectin", 0.5, "ml/L", "synthetic", " pd 20080001 ", 14),)))
    session.commit()
    assert session.scalars(select(CareInput.registration)).one() == "PD20080001"
    assert entry.kind == "pest_control"


def test_a_claim_sees_its_tree_its_plot_and_its_farm_within_its_dates(session, farm):
    mine = record(session, farm)
    plot = record(session, farm, scope="plot", tree_id=None, plot_id=farm.north, kind="pruning",
                  content=Content(notes="north pruned"))
    whole = record(session, farm, scope="farm", tree_id=None, kind="inspection", content=Content(notes="walked"))
    record(session, farm, scope="plot", tree_id=None, plot_id=farm.south, kind="pruning",
           content=Content(notes="south"))
    record(session, farm, tree_id=farm.t2)
    record(session, farm, event_at=NOW - timedelta(days=40))  # before the claim began
    session.commit()
    claim = session.scalars(select(Claim)).one()
    seen = claim_care_log(session, claim, now=NOW)
    assert {e.id for e in seen} == {mine.id, plot.id, whole.id}
