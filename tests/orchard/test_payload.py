import json
import math

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchard.errors import PayloadError
from orchard.payload import MAX_PAYLOAD_BYTES, MIN_TS_MS, decode_telemetry, encode_batch

NOW = 1_780_000_000_000


def test_single_object_with_timestamp():
    decoded = decode_telemetry(b'{"ts": 1779999999000, "values": {"air_temp_c": 21.5, "soil_ph": 6}}', NOW)
    assert decoded.values == [("air_temp_c", 21.5, 1779999999000), ("soil_ph", 6.0, 1779999999000)]
    assert decoded.rejected == []


def test_batch_keeps_each_entry_time():
    payload = encode_batch([(NOW - 2000, {"rain_mm": 0.2}), (NOW - 1000, {"rain_mm": 0.0})])
    decoded = decode_telemetry(payload, NOW)
    assert decoded.values == [("rain_mm", 0.2, NOW - 2000), ("rain_mm", 0.0, NOW - 1000)]


def test_bare_values_are_stamped_with_arrival_time():
    decoded = decode_telemetry(b'{"soil_moisture_pct": 31.2, "my_custom_probe": -5}', NOW)
    assert decoded.values == [("soil_moisture_pct", 31.2, NOW), ("my_custom_probe", -5.0, NOW)]


@pytest.mark.parametrize("value", [85.0, -127.0])
def test_ds18b20_fault_values_never_pass(value):
    decoded = decode_telemetry(orjson.dumps({"soil_temp_c": value, "air_temp_c": value}), NOW)
    assert decoded.values == []
    assert {r.reason for r in decoded.rejected} == {"out_of_range"}


def test_bad_values_are_refused_one_by_one():
    payload = b'{"values": {"air_temp_c": 20, "soil_ph": 15, "battery_v": "3.7", "Bad-Name": 1, "ok": true}}'
    decoded = decode_telemetry(payload, NOW)
    assert decoded.values == [("air_temp_c", 20.0, NOW)]
    assert [(r.metric, r.reason) for r in decoded.rejected] == [
        ("soil_ph", "out_of_range"), ("battery_v", "not_a_number"),
        ("Bad-Name", "bad_metric_name"), ("ok", "not_a_number"),
    ]


@pytest.mark.parametrize("payload, reason", [
    (b"{not json", "bad_json"),
    (b'{"air_temp_c": NaN}', "bad_json"),
    (b'{"air_temp_c": Infinity}', "bad_json"),
    (b"[]", "empty"),
    (b"{}", "empty"),
    (b"42", "bad_shape"),
    (b'"text"', "bad_shape"),
    (b"[1, 2]", "bad_shape"),
    (b'{"values": [1]}', "bad_shape"),
    (b'{"ts": 1779999999000, "values": {}, "extra": 1}', "bad_shape"),
    (b'{"ts": "yesterday", "values": {"rain_mm": 1}}', "bad_timestamp"),
    (b'{"ts": 1.5e12, "values": {"rain_mm": 1}}', "bad_timestamp"),
    (b'{"ts": 5, "values": {"rain_mm": 1}}', "bad_timestamp"),
    (b'{"ts": 9999999999999, "values": {"rain_mm": 1}}', "bad_timestamp"),
    (b'{"ts": true, "values": {"rain_mm": 1}}', "bad_timestamp"),
])
def test_unusable_messages_say_why(payload, reason):
    with pytest.raises(PayloadError) as caught:
        decode_telemetry(payload, NOW)
    assert caught.value.reason == reason


def test_oversized_payload_is_refused_before_parsing():
    big = b'{"air_temp_c": 1, "pad": "' + b"x" * MAX_PAYLOAD_BYTES + b'"}'
    with pytest.raises(PayloadError) as caught:
        decode_telemetry(big, NOW)
    assert caught.value.reason == "too_large"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def _check_result(decoded) -> None:
    for _metric, value, ts in decoded.values:
        assert isinstance(value, float) and math.isfinite(value)
        assert isinstance(ts, int) and ts >= MIN_TS_MS


@settings(max_examples=400)
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_decoder(payload):
    try:
        _check_result(decode_telemetry(payload, NOW))
    except PayloadError as exc:
        assert exc.reason


@settings(max_examples=400)
@given(json_values)
def test_random_json_is_accepted_only_when_valid(doc):
    try:
        _check_result(decode_telemetry(json.dumps(doc).encode(), NOW))
    except PayloadError as exc:
        assert exc.reason in {"bad_json", "bad_shape", "bad_timestamp", "empty", "too_large"}


@settings(max_examples=200)
@given(st.dictionaries(st.sampled_from(["air_temp_c", "soil_ph", "rain_mm", "custom_x"]),
                       st.floats(allow_nan=False, allow_infinity=False), min_size=1))
def test_every_value_is_either_kept_or_refused(values):
    decoded = decode_telemetry(orjson.dumps({"ts": NOW, "values": values}), NOW)
    assert len(decoded.values) + len(decoded.rejected) == len(values)
