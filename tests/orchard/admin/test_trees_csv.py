"""Trees from a spreadsheet: every bad cell named by line and column, all or nothing, upsert on farm + label."""

from datetime import date

import pytest
from sqlalchemy import func, select

from orchard.registry.models import Plot, Tree
from orchard.registry.trees_csv import Problem, TreeRow, TreesCsvError, decode_csv, import_trees, parse_trees_csv

HEADER = "farm,label,plot,variety,planted,lat,lon\n"
GOOD = HEADER + ("hillside,17,north,Fuji,2019-04-01,30.6,119.7\n"
                 "hillside,18,south,Gala,,,\n"
                 "valley,1,,,2020-03-15,,\n")


def problems(text: str) -> list[Problem]:
    with pytest.raises(TreesCsvError) as caught:
        parse_trees_csv(text)
    return caught.value.problems


def test_a_good_file_gives_one_row_per_tree():
    rows = parse_trees_csv(GOOD)
    assert rows[0] == TreeRow(2, "hillside", "17", "north", "Fuji", date(2019, 4, 1), 30.6, 119.7,
                              frozenset({"plot", "variety", "planted", "lat", "lon"}))
    assert [(row.line, row.farm, row.label, row.plot, row.planted_on) for row in rows[1:]] == [
        (3, "hillside", "18", "south", None), (4, "valley", "1", None, date(2020, 3, 15))]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    rows = parse_trees_csv("\ufeffLabel , farm\n 17 , hillside \n\n")
    assert [(row.farm, row.label, row.given) for row in rows] == [("hillside", "17", frozenset())]


@pytest.mark.parametrize("line, column, fragment", [
    ("Hill Side,17,,,,,", "farm", "not a farm id"),
    ("hillside,,,,,,", "label", "needs a label"),
    ("hillside,17,,,2019-02-30,,", "planted", "'2019-02-30' is not a date"),
    ("hillside,17,,,1/4/2019,,", "planted", "not a date"),
    ("hillside,17,,,,91,10", "lat", "between -90 and 90"),
    ("hillside,17,,,,30,east", "lon", "'east' is not a number"),
    ("hillside,17,,,,30,", "lon", "both lat and lon"),
    ("hillside,17,,,,nan,10", "lat", "not a number"),
    ("hillside,17,,x,,,,extra", "lon", "has 8 cells"),
    ("hillside,17," + "p" * 101 + ",,,,", "plot", "longer than 100"),
])
def test_a_bad_cell_is_named_by_line_and_column(line, column, fragment):
    found = problems(HEADER + "hillside,16,,,,,\n" + line + "\n")
    assert [(p.line, p.column) for p in found] == [(3, column)] and fragment in found[0].message
    assert str(found[0]).startswith(f"line 3, column {column}: ")


def test_every_problem_is_reported_at_once():
    found = problems(HEADER + "hillside,17,,,2019-99-01,,\nhillside,18,,,,,\nhillside,17,,,,,\nBAD,,,,,,\n")
    assert [(p.line, p.column) for p in found] == [(2, "planted"), (4, "label"), (5, "farm"), (5, "label")]


@pytest.mark.parametrize("header, column, fragment", [
    ("", "farm", "empty"),
    ("farm,label,planed\n", "planed", "unknown column"),
    ("farm,variety\n", "label", "required"),
    ("farm,label,label\n", "label", "twice"),
    ("farm,label,lat\n", "lon", "together"),
])
def test_the_header_is_required_and_checked(header, column, fragment):
    found = problems(header)
    assert (found[0].line, found[0].column) == (1, column) and fragment in found[0].message


def test_a_file_that_is_not_csv_is_refused_with_its_line():
    found = problems(HEADER + "hillside,17,,,,,\nhillside,18,,\"" + "x" * 200_000 + "\",,,\n")
    assert (found[0].line, found[0].column) == (3, "-") and "not readable as CSV" in found[0].message


def test_a_chinese_excel_file_is_read():
    text = HEADER + "hillside,17,北区,红富士,2019-04-01,,\n"
    assert parse_trees_csv(decode_csv(text.encode("gb18030")))[0].variety == "红富士"
    assert parse_trees_csv(decode_csv(b"\xef\xbb\xbf" + text.encode()))[0].plot == "北区"


def test_import_creates_trees_and_missing_plots(session_with_farms):
    summary = import_trees(session_with_farms, parse_trees_csv(GOOD))
    assert summary == (3, 0, 2)
    tree = session_with_farms.scalar(select(Tree).where(Tree.label == "17"))
    assert (tree.plot.name, tree.variety, tree.latitude) == ("north", "Fuji", 30.6)


def test_import_refuses_an_unknown_farm_before_changing_anything(session_with_farms):
    with pytest.raises(TreesCsvError) as caught:
        import_trees(session_with_farms, parse_trees_csv(GOOD + "nowhere,1,,,,,\n"))
    assert [(p.line, p.column) for p in caught.value.problems] == [(5, "farm")]
    assert session_with_farms.scalar(select(func.count()).select_from(Tree)) == 0


@pytest.fixture
def session_with_farms(admin, registry):
    admin("add-farm", "hillside", "--name", "Hillside")
    admin("add-farm", "valley", "--name", "Valley")
    with registry() as session:
        yield session


def test_the_cli_imports_a_file_and_reimporting_it_updates_rather_than_duplicates(admin, hillside, tmp_path,
                                                                                      registry):
    path = tmp_path / "trees.csv"
    path.write_text(GOOD)
    assert "1 trees added, 2 updated, 1 plots added" in admin("import-trees", path).output
    path.write_text(GOOD.replace("Gala", "Golden Delicious"))
    assert "0 trees added, 3 updated, 0 plots added" in admin("import-trees", path).output
    with registry() as session:
        assert session.scalar(select(func.count()).select_from(Tree)) == 3
        assert session.scalar(select(func.count()).select_from(Plot)) == 2
        tree = session.scalar(select(Tree).where(Tree.farm_id == "hillside", Tree.label == "18"))
        assert (tree.variety, tree.plot.name) == ("Golden Delicious", "south")


def test_a_file_without_a_column_leaves_that_field_alone(admin, hillside, tmp_path, registry):
    path = tmp_path / "varieties.csv"
    path.write_text("farm,label,variety\nhillside,17,Red Fuji\n")
    admin("import-trees", path)
    with registry() as session:
        tree = session.scalar(select(Tree).where(Tree.label == "17"))
        assert (tree.variety, tree.plot.name, tree.planted_on) == ("Red Fuji", "north", date(2019, 4, 1))


def test_one_bad_row_imports_nothing_and_names_its_line_and_column(admin, hillside, tmp_path, registry):
    path = tmp_path / "trees.csv"
    path.write_text(GOOD + "hillside,19,north,Fuji,2019-04-31,,\n")
    result = admin("import-trees", path, ok=False)
    assert result.exit_code == 1
    assert f"{path}: line 5, column planted: '2019-04-31' is not a date" in result.stderr
    assert "nothing was imported (1 problem)" in result.stderr
    path.write_text(GOOD + "nowhere,1,,,,,\n")
    assert "line 5, column farm: there is no farm 'nowhere'" in admin("import-trees", path, ok=False).stderr
    with registry() as session:
        assert sorted(session.scalars(select(Tree.label))) == ["17", "18"]
        assert [p.name for p in session.scalars(select(Plot))] == ["north"]


def test_import_reads_stdin(admin, hillside):
    assert "1 trees added" in admin("import-trees", "-", input="farm,label\nvalley,5\n").output
