import pytest

from orchard import topics
from orchard.errors import PayloadError


def test_build_and_parse_round_trip():
    assert topics.parse(topics.telemetry("farm-1", "dev_2")) == topics.DeviceTopic("farm-1", "dev_2", "telemetry")
    cam = topics.parse(topics.camera_jpeg("f", "d", "cam0"))
    assert (cam.kind, cam.camera) == ("camera", "cam0")


@pytest.mark.parametrize("topic", [
    "orchard/Farm/dev/telemetry", "orchard/f/-dev/telemetry", "orchard/f/d", "other/f/d/telemetry",
    "orchard/f/d/telemetry/extra", "orchard/f/d/camera/c/png", "orchard/f/" + "d" * 65 + "/telemetry",
    "orchard/f/d/camera/C!/jpeg", "orchard//d/telemetry",
])
def test_bad_topics_are_refused(topic):
    with pytest.raises(PayloadError) as caught:
        topics.parse(topic)
    assert caught.value.reason == "bad_topic"


def test_builders_refuse_bad_ids():
    with pytest.raises(ValueError, match="device"):
        topics.telemetry("farm", "Dev A")
