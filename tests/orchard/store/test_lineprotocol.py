"""Line protocol and InfluxQL quoting: what InfluxDB receives, byte for byte."""

from __future__ import annotations

import pytest

from orchard.errors import StoreError
from orchard.readings import Reading
from orchard.store.lineprotocol import LineEncoder, quote_ident, quote_string, tag_conditions

TAGS = {"farm": "f1", "device": "d1"}


def encode(*readings: Reading) -> list[str]:
    return LineEncoder().encode(readings)


def test_a_reading_is_one_line_with_sorted_tags_metric_value_and_ms_time():
    assert encode(Reading("air_temp_c", 21.5, 1_700_000_000_123, TAGS)) == [
        "readings,device=d1,farm=f1,metric=air_temp_c value=21.5 1700000000123"]


def test_tags_that_sort_after_metric_follow_it():
    tags = {"tree": "t9", "farm": "f1", "plot": "p2", "device": "d1"}
    assert encode(Reading("soil_ph", 6.5, 1, tags)) == [
        "readings,device=d1,farm=f1,metric=soil_ph,plot=p2,tree=t9 value=6.5 1"]
    assert encode(Reading("soil_ph", 6.5, 1, {})) == ["readings,metric=soil_ph value=6.5 1"]


def test_commas_spaces_and_equals_signs_are_escaped_in_keys_and_values():
    tags = {"plot name": "north, river=left", "farm": "果园"}
    assert encode(Reading("odd metric", 1.0, 2, tags)) == [
        "readings,farm=果园,metric=odd\\ metric,plot\\ name=north\\,\\ river\\=left value=1.0 2"]


def test_quotes_and_a_lone_backslash_go_as_they_are():
    assert encode(Reading("m", 1.0, 2, {"t": "O'Neil \"C:\\x\""})) == [
        "readings,metric=m,t=O'Neil\\ \"C:\\x\" value=1.0 2"]


@pytest.mark.parametrize("value, text", [(-127, "-127.0"), (0.1, "0.1"), (1e-3, "0.001"),
                                         (1e-05, "1e-05"), (6.02e23, "6.02e+23")])
def test_values_are_written_as_shortest_exact_floats(value, text):
    assert encode(Reading("m", value, 5, {})) == [f"readings,metric=m value={text} 5"]


def test_readings_sharing_a_tags_dict_and_readings_with_equal_dicts_encode_alike():
    shared = dict(TAGS)
    encoder = LineEncoder()
    first = encoder.encode([Reading("a", 1.0, 1, shared), Reading("b", 2.0, 1, shared)])
    second = encoder.encode([Reading("a", 1.0, 1, dict(TAGS)), Reading("b", 2.0, 1, dict(TAGS))])
    assert first == second == ["readings,device=d1,farm=f1,metric=a value=1.0 1",
                               "readings,device=d1,farm=f1,metric=b value=2.0 1"]


@pytest.mark.parametrize("tags", [
    {"metric": "x"}, {"time": "now"}, {"_field": "x"}, {"farm": ""}, {"": "x"},
    {"farm": "two\nlines"}, {"farm": "ends\\"}, {"farm": "a\\,b"}, {"farm": "a\\ b"}, {"farm": "a\\\\b"},
    {"farm": 7},
])
def test_tags_influxdb_cannot_store_unchanged_are_refused(tags):
    with pytest.raises(StoreError):
        encode(Reading("m", 1.0, 1, TAGS), Reading("m", 1.0, 1, tags))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "warm", None])
def test_values_that_are_not_finite_numbers_are_refused(value):
    with pytest.raises(StoreError):
        encode(Reading("m", value, 1, TAGS))


def test_influxql_quoting_escapes_quotes_and_backslashes():
    assert quote_ident('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert quote_string("O'Brien's C:\\") == "'O\\'Brien\\'s C:\\\\'"
    assert tag_conditions({"tree": "t'1", "farm": "f1"}) == [
        "\"farm\"::tag = 'f1'", "\"tree\"::tag = 't\\'1'"]
