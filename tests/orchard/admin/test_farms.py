"""Farms, plots and trees from the command line, as a cooperative's administrator adds them."""

from datetime import date

from sqlalchemy import select

from orchard.registry.models import Farm, Tree


def test_a_farm_gets_its_name_timezone_and_location(admin, registry):
    result = admin("add-farm", "hillside", "--name", "Hillside Orchard", "--location", "Anji, Zhejiang")
    assert "farm hillside added" in result.output
    with registry() as session:
        farm = session.get(Farm, "hillside")
        assert (farm.name, farm.timezone, farm.location) == ("Hillside Orchard", "Asia/Shanghai", "Anji, Zhejiang")


def test_a_farm_is_added_only_once(admin, hillside):
    result = admin("add-farm", "hillside", "--name", "Again", ok=False)
    assert result.exit_code == 1 and "farm 'hillside' already exists" in result.output


def test_a_farm_id_must_fit_in_topics(admin):
    result = admin("add-farm", "Hill Side", "--name", "x", ok=False)
    assert result.exit_code == 1 and "farm 'Hill Side' must match" in result.output


def test_an_unknown_timezone_is_refused(admin):
    result = admin("add-farm", "hillside", "--name", "x", "--timezone", "Mars/Olympus", ok=False)
    assert result.exit_code == 1 and "unknown time zone" in result.output


def test_a_tree_gets_its_plot_variety_date_and_place(hillside, registry):
    with registry() as session:
        tree = session.scalar(select(Tree).where(Tree.label == "17"))
        assert (tree.farm_id, tree.plot.name, tree.variety, tree.planted_on, tree.latitude, tree.longitude) == (
            "hillside", "north", "Fuji", date(2019, 4, 1), 30.6, 119.7)


def test_a_tree_label_is_unique_on_its_farm_but_not_across_farms(admin, hillside):
    result = admin("add-tree", "hillside", "17", ok=False)
    assert result.exit_code == 1 and "already has a tree '17'" in result.output
    admin("add-tree", "valley", "17")


def test_a_tree_in_a_missing_plot_or_farm_is_refused_with_the_way_out(admin, hillside):
    result = admin("add-tree", "hillside", "19", "--plot", "south", ok=False)
    assert "no plot 'south'" in result.output and "add-plot hillside south" in result.output
    result = admin("add-tree", "nowhere", "1", ok=False)
    assert "there is no farm 'nowhere'" in result.output


def test_bad_dates_and_coordinates_are_refused_before_anything_is_saved(admin, hillside, registry):
    assert "not a date like" in admin("add-tree", "hillside", "20", "--planted", "2019-13-01", ok=False).output
    assert admin("add-tree", "hillside", "20", "--lat", "95", "--lon", "1", ok=False).exit_code == 2
    assert "both --lat and --lon" in admin("add-tree", "hillside", "20", "--lat", "30", ok=False).output
    with registry() as session:
        assert session.scalar(select(Tree).where(Tree.label == "20")) is None


def test_list_farms_and_trees_show_what_was_added(admin, hillside):
    farms = admin("list", "farms").output.splitlines()
    assert farms[0].split()[:3] == ["id", "name", "timezone"]
    assert farms[1].startswith("hillside  Hillside Orchard  Asia/Shanghai")
    trees = admin("list", "trees", "--farm", "hillside").output.splitlines()
    assert [line.split()[:4] for line in trees[1:]] == [["hillside", "17", "north", "Fuji"],
                                                          ["hillside", "18", "-", "-"]]
