"""orchard/registry/orchards.py: farms, plots, trees, devices, cameras, and the constraints that guard them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from orchard.errors import Invalid, NotFound
from orchard.registry.models import Camera, Device, Plot, Tree, camera_trees
from orchard.registry.orchards import (
    DeviceLocation,
    create_camera,
    create_device,
    create_farm,
    create_plot,
    create_tree,
    device_location,
    find_tree,
    get_camera,
    get_device,
    get_farm,
    get_tree,
    list_cameras,
    list_devices,
    list_farms,
    list_plots,
    list_trees,
    reset_device_password,
    revoke_device,
    set_camera_trees,
)
from orchard.registry.passwords import verify_mqtt_password

AT = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture
def farm(session):
    return create_farm(session, "green-valley", "Green Valley", location="Yunnan", timezone="Asia/Shanghai")


def test_a_farm_with_plots_and_trees_reads_back(session, farm):
    create_farm(session, "apple-hill", "Apple Hill")
    north = create_plot(session, farm.id, "North")
    tree = create_tree(session, farm.id, " 17 ", plot_id=north.id, variety="Fuji", planted_on=date(2019, 3, 12),
                       latitude=25.04, longitude=102.71, photo="trees/17.jpg")
    session.commit()
    session.expunge_all()

    assert [f.id for f in list_farms(session)] == ["apple-hill", "green-valley"]
    assert get_farm(session, "green-valley").timezone == "Asia/Shanghai"
    stored = get_tree(session, tree.id)
    assert (stored.label, stored.variety, stored.planted_on, stored.plot.name) == ("17", "Fuji", date(2019, 3, 12),
                                                                                   "North")
    assert (stored.latitude, stored.longitude, stored.photo) == (25.04, 102.71, "trees/17.jpg")
    assert find_tree(session, "green-valley", "17").id == tree.id
    assert find_tree(session, "apple-hill", "17") is None
    assert [p.name for p in list_plots(session, "green-valley")] == ["North"]
    assert [t.id for t in list_trees(session, "green-valley")] == [tree.id]
    assert list_trees(session, "apple-hill") == []


@pytest.mark.parametrize("bad_id", ["Green Valley", "-leading-dash", "", "x" * 65, "farm/1"])
def test_farm_ids_must_be_topic_ids(session, bad_id):
    with pytest.raises(Invalid, match="farm"):
        create_farm(session, bad_id, "Bad")


def test_a_farm_needs_a_real_time_zone(session):
    with pytest.raises(Invalid, match="time zone"):
        create_farm(session, "f1", "F1", timezone="China/Beijing")


def test_a_tree_label_is_unique_within_its_farm_only(session, farm):
    create_farm(session, "apple-hill", "Apple Hill")
    create_tree(session, farm.id, "17")
    create_tree(session, "apple-hill", "17")
    session.commit()
    with pytest.raises(IntegrityError):
        create_tree(session, farm.id, "17")
    session.rollback()


def test_a_tree_is_somewhere_on_earth(session, farm):
    with pytest.raises(IntegrityError):
        create_tree(session, farm.id, "17", latitude=95.0, longitude=10.0)
    session.rollback()


def test_a_tree_or_device_cannot_sit_in_another_farms_plot(session, farm):
    other = create_farm(session, "apple-hill", "Apple Hill")
    plot = create_plot(session, other.id, "South")
    with pytest.raises(Invalid, match="not 'green-valley'"):
        create_tree(session, farm.id, "17", plot_id=plot.id)
    with pytest.raises(Invalid, match="not 'green-valley'"):
        create_device(session, "pi-1", farm.id, plot_id=plot.id)


def test_a_device_gets_an_mqtt_password_that_is_stored_only_hashed(session, farm):
    device, password = create_device(session, "pi-1", farm.id, sensors="ds18b20=soil_temp_c")
    session.commit()
    stored = get_device(session, "pi-1")
    assert password not in stored.mqtt_password_hash
    assert stored.mqtt_password_hash.startswith("$7$")
    assert verify_mqtt_password(stored.mqtt_password_hash, password)
    assert stored.sensors == "ds18b20=soil_temp_c"
    new_password = reset_device_password(session, stored)
    assert verify_mqtt_password(stored.mqtt_password_hash, new_password)
    assert not verify_mqtt_password(stored.mqtt_password_hash, password)


def test_device_ids_are_unique_across_the_cooperative(session, farm):
    create_farm(session, "apple-hill", "Apple Hill")
    create_device(session, "pi-1", farm.id)
    session.commit()
    session.expunge_all()  # as another process would: only the database knows pi-1
    with pytest.raises(IntegrityError):
        create_device(session, "pi-1", "apple-hill")
    session.rollback()


def test_revoked_devices_are_kept_but_can_be_left_out(session, farm):
    create_device(session, "pi-1", farm.id)
    old, _ = create_device(session, "pi-2", farm.id)
    revoke_device(session, old, at=AT)
    revoke_device(session, old)  # a second revoke keeps the first time
    session.commit()
    assert get_device(session, "pi-2").revoked_at == AT
    assert [d.id for d in list_devices(session, farm.id)] == ["pi-1", "pi-2"]
    assert [d.id for d in list_devices(session, include_revoked=False)] == ["pi-1"]


def test_device_location_tags_readings_with_farm_tree_and_plot(session, farm):
    north = create_plot(session, farm.id, "North")
    tree = create_tree(session, farm.id, "17", plot_id=north.id)
    create_device(session, "at-tree", farm.id, tree_id=tree.id)
    create_device(session, "in-plot", farm.id, plot_id=north.id)
    create_device(session, "weather", farm.id)
    session.commit()
    assert device_location(session, "at-tree") == DeviceLocation("green-valley", tree.id, north.id)
    assert device_location(session, "in-plot") == DeviceLocation("green-valley", None, north.id)
    assert device_location(session, "weather") == DeviceLocation("green-valley", None, None)
    assert device_location(session, "nobody") is None


def test_a_camera_sees_several_trees_of_its_farm(session, farm):
    trees = [create_tree(session, farm.id, label) for label in ("1", "2", "3")]
    create_device(session, "pi-1", farm.id)
    camera = create_camera(session, "cam-1", "pi-1", [t.id for t in trees])
    session.commit()
    session.expunge_all()
    stored = get_camera(session, "cam-1")
    assert [t.label for t in stored.trees] == ["1", "2", "3"]
    assert [c.id for c in get_tree(session, trees[0].id).cameras] == ["cam-1"]
    assert [c.id for c in list_cameras(session, farm.id)] == ["cam-1"]
    set_camera_trees(session, stored, [trees[1].id])
    session.commit()
    assert [t.label for t in get_camera(session, camera.id).trees] == ["2"]


def test_a_camera_cannot_see_trees_of_another_farm_or_unknown_trees(session, farm):
    other = create_farm(session, "apple-hill", "Apple Hill")
    far_tree = create_tree(session, other.id, "9")
    create_device(session, "pi-1", farm.id)
    with pytest.raises(Invalid, match="not on farm"):
        create_camera(session, "cam-1", "pi-1", [far_tree.id])
    session.rollback()
    with pytest.raises(NotFound):
        create_camera(session, "cam-1", "pi-1", [987654])
    session.rollback()
    with pytest.raises(NotFound):
        create_camera(session, "cam-1", "no-such-device")


def test_deleting_a_farm_removes_its_plots_trees_devices_and_cameras(session, farm):
    plot = create_plot(session, farm.id, "North")
    tree = create_tree(session, farm.id, "17", plot_id=plot.id)
    create_device(session, "pi-1", farm.id, tree_id=tree.id)
    create_camera(session, "cam-1", "pi-1", [tree.id])
    session.commit()
    session.delete(farm)
    session.commit()
    for model in (Plot, Tree, Device, Camera):
        assert session.scalars(select(model)).all() == []
    assert session.execute(select(camera_trees)).all() == []


def test_removing_a_tree_leaves_its_device_standing_on_the_farm(session, farm):
    tree = create_tree(session, farm.id, "17")
    create_device(session, "pi-1", farm.id, tree_id=tree.id)
    session.commit()
    session.delete(tree)
    session.commit()
    session.expire_all()
    assert device_location(session, "pi-1") == DeviceLocation("green-valley", None, None)
