"""Which part of a range query reads hourly rollups, and how rollup hours and raw buckets combine."""

from __future__ import annotations

from orchard.readings import Bucket
from orchard.store.rollups import HOUR_MS, ReadPlan, RollupMarks, merge, plan_read, regroup

H = HOUR_MS
DAY = 24 * H


def test_without_rollups_everything_is_raw():
    assert plan_read(0, 10 * DAY, DAY, RollupMarks()) == ReadPlan(None, ((0, 10 * DAY),))


def test_hour_multiples_read_rollups_where_raw_readings_are_gone_and_raw_for_the_edges_and_the_rest():
    pruned = RollupMarks(rolled_until_ms=8 * DAY, raw_since_ms=6 * DAY)
    assert plan_read(H // 2, 10 * DAY, DAY, pruned) == ReadPlan((H, 6 * DAY), ((H // 2, H), (6 * DAY, 10 * DAY)))
    assert plan_read(0, 3 * H + 5, H, pruned) == ReadPlan((0, 3 * H), ((3 * H, 3 * H + 5),))


def test_while_raw_readings_are_kept_they_are_read_even_where_rolled_up():
    """A reading that came later than the rollups' lookback (a spool after a long outage) is in no rollup."""
    kept = RollupMarks(rolled_until_ms=8 * DAY)
    assert plan_read(0, 10 * DAY, DAY, kept) == ReadPlan(None, ((0, 10 * DAY),))


def test_a_range_inside_one_hour_or_after_the_mark_is_raw():
    marks = RollupMarks(rolled_until_ms=8 * DAY, raw_since_ms=8 * DAY)
    assert plan_read(10, H - 10, H, marks) == ReadPlan(None, ((10, H - 10),))
    assert plan_read(9 * DAY, 10 * DAY, H, marks) == ReadPlan(None, ((9 * DAY, 10 * DAY),))
    assert plan_read(5, 5, H, marks) == ReadPlan(None, ())


def test_finer_widths_read_rollups_only_where_raw_readings_are_gone():
    kept = RollupMarks(rolled_until_ms=8 * DAY)
    assert plan_read(0, 2 * DAY, 60_000, kept) == ReadPlan(None, ((0, 2 * DAY),))
    pruned = RollupMarks(rolled_until_ms=8 * DAY, raw_since_ms=2 * DAY)
    assert plan_read(0, 3 * DAY, 60_000, pruned) == ReadPlan((0, 2 * DAY), ((2 * DAY, 3 * DAY),))


def test_an_hour_cut_by_the_range_reads_raw_readings_even_where_they_are_gone():
    """Its rollup holds readings outside the range (before a customer's claim, say): better none."""
    pruned = RollupMarks(rolled_until_ms=8 * DAY, raw_since_ms=2 * DAY)
    assert plan_read(H + 5, 3 * DAY, DAY, pruned) == ReadPlan((2 * H, 2 * DAY), ((H + 5, 2 * H), (2 * DAY, 3 * DAY)))
    assert plan_read(H + 5, 5 * H + 5, 60_000, pruned) == ReadPlan((2 * H, 5 * H), ((H + 5, 2 * H), (5 * H, 5 * H + 5)))


def test_merge_combines_buckets_of_the_same_start_by_count():
    raw = [Bucket(0, 2.0, 1.0, 3.0, 2), Bucket(DAY, 10.0, 10.0, 10.0, 1)]
    rolled = [Bucket(0, 5.0, 4.0, 6.0, 2)]
    assert merge([raw, rolled]) == [Bucket(0, 3.5, 1.0, 6.0, 4), Bucket(DAY, 10.0, 10.0, 10.0, 1)]
    assert merge([]) == []


def test_regroup_sums_hours_into_the_bucket_holding_their_start():
    hours = [(0, 6.0, 1.0, 5.0, 2), (H, 9.0, 0.5, 8.0, 3), (DAY + H, 4.0, 4.0, 4.0, 1), (-H, 2.0, 2.0, 2.0, 1)]
    assert regroup(hours, DAY) == [Bucket(-DAY, 2.0, 2.0, 2.0, 1), Bucket(0, 3.0, 0.5, 8.0, 5),
                                   Bucket(DAY, 4.0, 4.0, 4.0, 1)]
    assert regroup(hours[:1], 60_000) == [Bucket(0, 3.0, 1.0, 5.0, 2)]
