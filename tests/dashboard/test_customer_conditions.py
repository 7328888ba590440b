"""Today's conditions in plain words: bands, grades and when the rain fell, in the farm's time zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dashboard.customer.conditions import Phrase, TimeParam, describe, rain_grade, rain_phrase, soil_phrase

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = 3_600_000


def ms(*args, tz=SHANGHAI) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp() * 1000)


@pytest.mark.parametrize("pct, band", [(5, "very_dry"), (11.9, "very_dry"), (12, "dry"), (19.9, "dry"),
                                       (20, "moist"), (36, "moist"), (36.1, "wet"), (60, "wet")])
def test_soil_bands_for_fruit_trees(pct, band):
    assert soil_phrase(pct) == Phrase(f"customer.conditions.soil.{band}", {"pct": round(pct)})


@pytest.mark.parametrize("mm, grade", [(0, None), (0.05, None), (0.1, "light"), (2.5, "light"), (2.6, "moderate"),
                                       (8.0, "moderate"), (8.1, "heavy"), (15.9, "heavy"), (16, "storm")])
def test_rain_grades_follow_the_cma_hourly_grades(mm, grade):
    assert rain_grade(mm) == grade


def test_the_example_sentence_soil_moist_18_degrees_light_rain_this_morning():
    now = ms(2026, 5, 10, 14, 0)
    latest = {"soil_moisture_pct": (now - 60_000, 28.0), "air_temp_c": (now - 60_000, 18.2),
              "rain_mm": (now - 60_000, 0.0)}
    rain = [(ms(2026, 5, 10, 7, 0), 0.4), (ms(2026, 5, 10, 8, 0), 1.2), (ms(2026, 5, 10, 12, 0), 0.0)]
    assert describe(latest, rain, now, "Asia/Shanghai") == [
        Phrase("customer.conditions.soil.moist", {"pct": 28}),
        Phrase("customer.conditions.temp", {"temp": 18}),
        Phrase("customer.conditions.rain.light.this_morning", {"mm": 1.2}),
    ]


def test_when_is_judged_in_the_farms_time_zone_not_utc():
    # 23:30 UTC on 9 May is 07:30 on 10 May in Shanghai: this morning there, last night in UTC.
    hour = ms(2026, 5, 9, 23, 0, tz=ZoneInfo("UTC"))
    now = ms(2026, 5, 10, 14, 0)
    assert rain_phrase([(hour, 3.0)], now, SHANGHAI).key == "customer.conditions.rain.moderate.this_morning"
    assert rain_phrase([(hour, 3.0)], now, ZoneInfo("UTC")).key == "customer.conditions.rain.moderate.last_night"


@pytest.mark.parametrize("hour, when", [((2026, 5, 10, 13, 30), "now"), ((2026, 5, 10, 2, 0), "last_night"),
                                        ((2026, 5, 9, 21, 0), "last_night"), ((2026, 5, 9, 16, 0), "yesterday"),
                                        ((2026, 5, 10, 12, 0), "this_afternoon")])
def test_when_the_last_rain_fell(hour, when):
    now = ms(2026, 5, 10, 14, 0)
    assert rain_phrase([(ms(*hour), 9.0)], now, SHANGHAI).key == f"customer.conditions.rain.heavy.{when}"


def test_the_heaviest_hour_of_the_last_shower_gives_the_grade_and_older_rain_is_forgotten():
    now = ms(2026, 5, 10, 20, 30)
    rain = [(ms(2026, 5, 9, 12, 0), 40.0),  # a storm over a day ago: not "recent"
            (ms(2026, 5, 10, 9, 0), 9.0),  # an earlier shower, apart from the last one
            (ms(2026, 5, 10, 18, 0), 0.5), (ms(2026, 5, 10, 19, 0), 17.0), (ms(2026, 5, 10, 20, 0), 0.2)]
    assert rain_phrase(rain, now, SHANGHAI) == Phrase("customer.conditions.rain.storm.this_evening", {"mm": 17.0})
    assert rain_phrase(rain[:2], now, SHANGHAI) == Phrase("customer.conditions.rain.heavy.this_morning", {"mm": 9.0})
    assert rain_phrase(rain[:1], now, SHANGHAI) == Phrase("customer.conditions.rain.none")


def test_frost_and_soil_temperature_when_there_is_no_air_sensor():
    now = ms(2026, 1, 10, 6, 0)
    assert describe({"air_temp_c": (now, -1.6)}, [], now, SHANGHAI) == [
        Phrase("customer.conditions.frost", {"temp": -2})]
    assert describe({"soil_temp_c": (now, 9.4)}, [], now, SHANGHAI) == [
        Phrase("customer.conditions.soil_temp", {"temp": 9})]


def test_no_readings_and_old_readings_say_so():
    now = ms(2026, 5, 10, 14, 0)
    assert describe({}, [], now, SHANGHAI) == [Phrase("customer.conditions.no_readings")]
    old = ms(2026, 5, 10, 9, 5)
    phrases = describe({"air_temp_c": (old, 12.0)}, [], now, SHANGHAI)
    assert phrases[-1] == Phrase("customer.conditions.as_of", {"time": old})
    assert isinstance(phrases[-1].params["time"], TimeParam)


def every_phrase() -> list[Phrase]:
    """Every phrase `describe` can say, with the parameters it says it with."""
    phrases = [soil_phrase(p) for p in (5, 15, 28, 40)]
    phrases += [Phrase("customer.conditions.temp", {"temp": 18}), Phrase("customer.conditions.frost", {"temp": -2}),
                Phrase("customer.conditions.soil_temp", {"temp": 9}), Phrase("customer.conditions.rain.none"),
                Phrase("customer.conditions.no_readings"),
                Phrase("customer.conditions.as_of", {"time": "30 Nov 09:05"})]
    for grade in ("light", "moderate", "heavy", "storm"):
        for when in ("now", "this_morning", "this_afternoon", "this_evening", "last_night", "yesterday"):
            phrases.append(Phrase(f"customer.conditions.rain.{grade}.{when}", {"mm": 1.0}))
    return phrases


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_phrase_is_in_both_catalogs(lang):
    from dashboard.i18n import catalog

    words = catalog(lang)
    for phrase in every_phrase():
        assert phrase.key in words, f"{phrase.key} missing in {lang}"
        words[phrase.key].format(**phrase.params)  # every field it names is given
    assert set(k for k in catalog("en") if k.startswith("customer.")) == set(
        k for k in catalog("zh-CN") if k.startswith("customer."))
