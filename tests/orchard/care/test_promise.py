"""orchard/care/promise.py: the promise panel says honestly what was applied on the tree, its plot or farm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchard.care.content import Content, Input
from orchard.care.promise import season_start, tree_promise
from orchard.care.records import correct_entry, record_entry
from orchard.registry.models import Tree
from tests.orchard.care.conftest import NOW

BT = Input("Bacillus thuringiensis", 2, "g/L", "biological")
SPRAY = Input("Abamectin 1.8% EC", 0.5, "ml/L", "synthetic", "PD20080001", 14)


def control(session, farm, plot_id, inputs, method, days_ago=3):
    return record_entry(session, farm_id="hill", scope="plot", plot_id=plot_id, kind="pest_control",
                        event_at=NOW - timedelta(days=days_ago), by=farm.farmer,
                        content=Content(method=method, inputs=inputs), now=NOW)


def test_biological_control_only_keeps_the_promise(session, farm):
    control(session, farm, farm.north, (BT,), "biological")
    control(session, farm, farm.north, (), "traps")
    control(session, farm, farm.south, (SPRAY,), "chemical")  # another plot: not this tree's
    session.commit()
    promise = tree_promise(session, session.get(Tree, farm.t1), NOW - timedelta(days=30), NOW)
    assert promise.kept and promise.controls == 2
    assert [m.value for m in promise.methods] == ["biological", "traps"]


def test_a_synthetic_product_on_the_plot_is_shown_with_its_date_and_interval(session, farm):
    spray = control(session, farm, farm.south, (SPRAY,), "chemical", days_ago=5)
    session.commit()
    promise = tree_promise(session, session.get(Tree, farm.t9), NOW - timedelta(days=1), NOW)
    assert not promise.kept
    [applied] = promise.synthetic
    assert applied.entry_id == spray.id and applied.input.registration == "PD20080001"
    assert applied.safe_from == NOW - timedelta(days=5) + timedelta(days=14)


def test_the_season_starts_on_new_year_on_the_farm_clock_before_the_claim(session, farm):
    # Sprayed in February, the claim starts in June: the promise still tells of it.
    record_entry(session, farm_id="hill", scope="farm", kind="pest_control",
                 event_at=datetime(2026, 2, 1, tzinfo=UTC), by=farm.farmer,
                 content=Content(method="chemical", inputs=(SPRAY,)), now=NOW)
    session.commit()
    promise = tree_promise(session, session.get(Tree, farm.t1), NOW - timedelta(days=1), NOW)
    assert len(promise.synthetic) == 1
    assert season_start(datetime(2026, 6, 1, tzinfo=UTC), "Asia/Shanghai") == datetime(2025, 12, 31, 16, 0,
                                                                                        tzinfo=UTC)


def test_a_correction_that_names_a_synthetic_product_breaks_the_promise(session, farm):
    entry = control(session, farm, farm.north, (BT,), "biological")
    correct_entry(session, entry, by=farm.farmer, content=Content(method="chemical", inputs=(SPRAY,),
                                                                   reason="it was abamectin"), now=NOW)
    session.commit()
    promise = tree_promise(session, session.get(Tree, farm.t1), NOW - timedelta(days=30), NOW)
    assert not promise.kept and promise.synthetic[0].input.product == "Abamectin 1.8% EC"
