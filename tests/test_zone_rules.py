"""One set of zone rules (vision.zones) behind the site config, the zone editor and replay zones files.

Each bad camera-zones case is refused by all three, each in its own words: the config names the key
path, the editor speaks Vietnamese, the zones file names the file and the key.
"""

from __future__ import annotations

import copy
import json

import pytest

from deskaudit.cli import cli
from vision.zones import MAX_POINTS, MAX_ZONES, ZoneError, ZoneRule, load_zones_json, zone_set, zone_set_problems

SQUARE = [[0.2, 0.2], [0.6, 0.2], [0.6, 0.6], [0.2, 0.6]]
BOW_TIE = [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]]


def staff(name="ban", polygon=SQUARE, **extra):
    return {"name": name, "kind": "staff", "polygon": polygon, **extra}


def queue(name="hang-cho", polygon=SQUARE):
    return {"name": name, "kind": "queue", "polygon": polygon}


def circle(points: int) -> list[list[float]]:
    import math

    return [[round(0.5 + 0.4 * math.cos(2 * math.pi * i / points), 6),
             round(0.5 + 0.4 * math.sin(2 * math.pi * i / points), 6)] for i in range(points)]


# (zones, the rule broken, its key path inside the camera's zones, the config's words, the editor's words)
BAD = [
    ([staff(polygon=SQUARE[:2])], ZoneRule.TOO_FEW_POINTS, "zones[0].polygon", "at least 3 points", "ít nhất 3 điểm"),
    ([staff(polygon=circle(MAX_POINTS + 1))], ZoneRule.TOO_MANY_POINTS, "zones[0].polygon", "at most 100 points",
     "tối đa 100 điểm"),
    ([staff(polygon=[[0.1, 0.1], [1.25, 0.1], [0.5, 0.5]])], ZoneRule.RANGE, "zones[0].polygon[1]", "outside 0..1",
     "0..1"),
    ([staff(polygon=[[0.1, 0.1], ["x", 0.1], [0.5, 0.5]])], ZoneRule.POINT, "zones[0].polygon[1]",
     "expected [x, y] numbers", "hai số"),
    ([staff(polygon=[[0.1, 0.1], [True, 0.1], [0.5, 0.5]])], ZoneRule.POINT, "zones[0].polygon[1]",
     "expected [x, y] numbers", "hai số"),
    ([staff(polygon=[[0.1, 0.1], [0.5, 0.1], [0.5, 0.1], [0.5, 0.5]])], ZoneRule.REPEATED_POINT,
     "zones[0].polygon[2]", "repeats the point before it", "trùng điểm liền trước"),
    ([staff(polygon=BOW_TIE)], ZoneRule.CROSSING, "zones[0].polygon", "edges cross", "cắt nhau"),
    ([staff(polygon=[[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]])], ZoneRule.NO_AREA, "zones[0].polygon", "has no area",
     "diện tích"),
    ([staff(polygon=[[0.1, 0.1], [0.1005, 0.1], [0.1, 0.1005]])], ZoneRule.NO_AREA, "zones[0].polygon",
     "has no area", "diện tích"),
    ([staff(), {**queue(), "kind": "door"}], ZoneRule.KIND, "zones[1].kind", "is not one of",
     "staff, queue hoặc exclude"),
    ([staff(name="")], ZoneRule.NAME, "zones[0].name", "1–64 characters", "tên phải có 1–64 ký tự"),
    ([staff(name="ban/1")], ZoneRule.NAME, "zones[0].name", "without '/'", "không chứa “/”"),
    ([staff(name="b" * 65)], ZoneRule.NAME, "zones[0].name", "1–64 characters", "tên phải có 1–64 ký tự"),
    ([staff(), queue(name="BAN")], ZoneRule.DUPLICATE_NAME, "zones[1].name", "duplicate zone name", "bị trùng"),
    ([queue()], ZoneRule.NO_STAFF_ZONE, "zones", "at least one staff zone", "vùng cán bộ"),
    ([staff(name=f"z{i}") for i in range(MAX_ZONES + 1)], ZoneRule.TOO_MANY_ZONES, "zones", "at most 20 zones",
     "tối đa 20 vùng"),
    ([staff(colour="red")], ZoneRule.UNKNOWN_KEYS, "zones[0].colour", "unknown key", "không hợp lệ"),
]
IDS = [f"{case[1].value}-{i}" for i, case in enumerate(BAD)]


def vision_path(rule: ZoneRule, path: str) -> str:
    """The config names an unknown key itself (``zones[0].colour``); vision names the zone and lists the keys."""
    return path.rsplit(".", 1)[0] if rule is ZoneRule.UNKNOWN_KEYS else path

GOOD = [
    [staff()],
    [staff(name="cửa ra vào")],  # the editor has always allowed spaces and Vietnamese; the config now does too
    [staff(polygon=[[0, 0], [1, 0], [1, 1]])],  # integers, corners of the frame
    [staff(polygon=[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.4], [0.0, 1.0]])],  # concave
    [staff(polygon=circle(MAX_POINTS))],
    [staff(polygon=[*circle(MAX_POINTS), circle(MAX_POINTS)[0]])],  # a closing point is not counted
    [staff(name=f"z{i}") for i in range(MAX_ZONES)],
    [staff(), queue(), {"name": "cot", "kind": "exclude", "polygon": SQUARE}],
]


@pytest.mark.parametrize("zones, rule, path, _config_words, _editor_words", BAD, ids=IDS)
def test_the_rule_and_where(zones, rule, path, _config_words, _editor_words):
    _, problems = zone_set_problems(zones)
    assert problems and problems[0].rule is rule
    assert problems[0].at("zones").where == vision_path(rule, path)


@pytest.mark.parametrize("zones, rule, path, config_words, _editor_words", BAD, ids=IDS)
def test_the_site_config_refuses_by_key_path(zones, rule, path, config_words, _editor_words, example_raw,
                                             write_config, cli_runner):
    camera = example_raw["units"][1]["desks"][0]["cameras"][0]
    camera["zones"] = copy.deepcopy(zones)
    config_file = write_config(example_raw)
    result = cli_runner.invoke(cli, ["config", "check", str(config_file)])
    assert result.exit_code == 2, result.output
    full = f"units[1].desks[0].cameras[0].{path}"
    line = next((text for text in result.output.splitlines() if f": {full}:" in text), None)
    assert line is not None and config_words in line, result.output


@pytest.mark.parametrize("zones, rule, _path, _config_words, editor_words", BAD, ids=IDS)
def test_the_zone_editor_refuses_in_vietnamese(zones, rule, _path, _config_words, editor_words):
    from web.pages.cameras_data import ZoneInputError, parse_zones

    with pytest.raises(ZoneInputError) as error:
        parse_zones({"zones": copy.deepcopy(zones)})
    assert editor_words in str(error.value)


@pytest.mark.parametrize("zones, rule, path, _config_words, _editor_words", BAD, ids=IDS)
def test_a_zones_file_refuses_naming_file_and_key(zones, rule, path, _config_words, _editor_words, tmp_path):
    target = tmp_path / "zones.json"
    target.write_text(json.dumps({"zones": zones}), encoding="utf-8")
    if rule is ZoneRule.NO_STAFF_ZONE:  # a replay may count a queue alone: staff is then null
        assert [z.name for z in load_zones_json(target).zones] == ["hang-cho"]
        return
    with pytest.raises(ZoneError) as error:
        load_zones_json(target)
    assert error.value.rule is rule and str(error.value).startswith(f"{target}: {vision_path(rule, path)}: ")


@pytest.mark.parametrize("zones", GOOD)
def test_good_zones_pass_everywhere(zones, example_raw, write_config, cli_runner, tmp_path):
    from web.pages.cameras_data import parse_zones

    assert [z.name for z in zone_set(zones).zones] == [z["name"] for z in zones]
    assert [z.name for z in parse_zones({"zones": copy.deepcopy(zones)})[0]] == [z["name"] for z in zones]
    example_raw["units"][1]["desks"][0]["cameras"][0]["zones"] = copy.deepcopy(zones)
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 0, result.output


def test_the_example_site_and_a_camera_without_zones_still_load(example_raw, write_config, cli_runner):
    from conftest import EXAMPLE_CONFIG

    assert cli_runner.invoke(cli, ["config", "check", str(EXAMPLE_CONFIG)]).exit_code == 0
    example_raw["units"][1]["desks"][0]["cameras"][0]["zones"] = []  # zones drawn later in the editor
    assert cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))]).exit_code == 0


def test_a_closing_point_is_dropped_everywhere(example_raw, write_config, cli_runner):
    """Rings written the GeoJSON way (last point = first) validated in the config before; they still do."""
    from web.pages.cameras_data import parse_zones

    closed = [*SQUARE, SQUARE[0]]
    assert zone_set([staff(polygon=closed)]).zones[0].polygon == tuple(map(tuple, SQUARE))
    assert parse_zones({"zones": [staff(polygon=closed)]})[0][0].polygon == SQUARE
    example_raw["units"][1]["desks"][0]["cameras"][0]["zones"][0]["polygon"] = closed
    assert cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))]).exit_code == 0
    with pytest.raises(ZoneError) as error:  # what is left must still be a polygon
        zone_set([staff(polygon=[SQUARE[0], SQUARE[1], SQUARE[0]])])
    assert error.value.rule is ZoneRule.TOO_FEW_POINTS


def test_the_editor_stores_what_it_checked():
    """Coordinates are rounded to 4 places before the checks, so a point that only differs in the 5th
    place from the one before is a repeated point, and what is stored is what passed."""
    from web.pages.cameras_data import ZoneInputError, parse_zones

    [zone], _ = parse_zones({"zones": [staff(polygon=[[0.123456, 0.2], [0.6, 0.2], [0.6, 0.6]])]})
    assert zone.polygon == [[0.1235, 0.2], [0.6, 0.2], [0.6, 0.6]]
    with pytest.raises(ZoneInputError, match="trùng điểm liền trước"):
        parse_zones({"zones": [staff(polygon=[[0.2, 0.2], [0.20001, 0.2], [0.6, 0.6], [0.2, 0.6]])]})


def test_every_problem_of_a_config_is_listed(example_raw, write_config, cli_runner):
    zones = example_raw["units"][1]["desks"][0]["cameras"][0]["zones"]
    zones[0]["polygon"][1] = [1.5, 0.3]
    zones[1]["name"] = zones[0]["name"].upper()
    zones[2]["polygon"] = BOW_TIE
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2 and "3 problems found" in result.output, result.output
