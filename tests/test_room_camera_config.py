"""`config check` and `config import` on room cameras: each error names its key and nothing is imported; a desk
filmed without a staff zone, and staff zones of two desks sharing most of the smaller one, are warnings."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from deskaudit.cli import cli

STAFF_Q1 = [[0.0, 0.0], [0.5, 0.0], [0.5, 0.4], [0.0, 0.4]]
STAFF_Q2 = [[0.5, 0.0], [1.0, 0.0], [1.0, 0.4], [0.5, 0.4]]


def with_room(raw, zones):
    unit = next(u for u in raw["units"] if u["id"] == "NA-TRUONGVINH")
    unit["cameras"] = [{"id": "TV-PHONG", "name": "Camera phòng", "url": "rtsp://192.0.2.10/room",
                        "purpose": "Giám sát khu vực tiếp nhận hồ sơ (Nghị định 118/2025/NĐ-CP)", "zones": zones}]
    return raw


def index_of_unit(raw):
    return next(i for i, u in enumerate(raw["units"]) if u["id"] == "NA-TRUONGVINH")


@pytest.mark.parametrize("zones, key, message", [
    ([{"name": "a", "kind": "staff", "polygon": STAFF_Q1}], "cameras[0].zones[0].desk", "required on a unit camera"),
    ([{"name": "a", "kind": "staff", "desk": "DC-HT", "polygon": STAFF_Q1}], "cameras[0].zones[0].desk",
     "belongs to unit NA-DIENCHAU"),
    ([{"name": "a", "kind": "queue", "desk": "NOPE", "polygon": STAFF_Q1}], "cameras[0].zones[0].desk",
     "no desk with this id in unit NA-TRUONGVINH"),
    ([{"name": "a", "kind": "staff", "desk": "TV-DD", "polygon": STAFF_Q1},
      {"name": "m", "kind": "mask", "desk": "TV-DD", "polygon": STAFF_Q2}], "cameras[0].zones[1].desk",
     "belongs to no desk"),
    ([{"name": "a", "kind": "staff", "desk": "TV-DD", "overlap": 1.5, "polygon": STAFF_Q1}],
     "cameras[0].zones[0].overlap", "overlap must be a number above 0 and at most 1"),
    ([{"name": "a", "kind": "staff", "desk": "TV-DD", "overlap": -0.1, "polygon": STAFF_Q1}],
     "cameras[0].zones[0].overlap", "overlap must be"),
    ([{"name": "a", "kind": "queue", "desk": "TV-DD", "anchor": "feet", "polygon": STAFF_Q1}],
     "cameras[0].zones[0].anchor", "is not one of bottom, center"),
])
def test_bad_room_camera_zones_name_the_key_and_import_nothing(zones, key, message, example_raw, write_config,
                                                               cli_runner, migrated_url, monkeypatch, session_for):
    from models.org import Camera

    raw = with_room(copy.deepcopy(example_raw), zones)
    path = write_config(raw)
    expected = f"units[{index_of_unit(raw)}].{key}"
    checked = cli_runner.invoke(cli, ["config", "check", str(path)])
    assert checked.exit_code == 2, checked.output
    assert expected in checked.output and message in checked.output, checked.output
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    imported = cli_runner.invoke(cli, ["config", "import", str(path)])
    assert imported.exit_code == 2 and "nothing was written" in imported.output
    with session_for() as session:
        assert session.scalar(select(func.count()).select_from(Camera)) == 0


def test_a_desk_cameras_zone_naming_another_desk_is_an_error(example_raw, write_config, cli_runner):
    raw = copy.deepcopy(example_raw)
    u = index_of_unit(raw)
    raw["units"][u]["desks"][0]["cameras"][0]["zones"][0]["desk"] = "TV-DD"
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(raw))])
    assert result.exit_code == 2 and f"units[{u}].desks[0].cameras[0].zones[0].desk" in result.output


def test_warnings_for_a_desk_without_staff_zone_and_overlapping_staff_zones(example_raw, write_config, cli_runner):
    raw = with_room(copy.deepcopy(example_raw), [
        {"name": "dd", "kind": "staff", "desk": "TV-DD", "polygon": STAFF_Q1},
        {"name": "ht", "kind": "staff", "desk": "TV-HT", "polygon": [[0.1, 0.0], [0.5, 0.0], [0.5, 0.4], [0.1, 0.4]]},
        {"name": "ct-hang", "kind": "queue", "desk": "TV-CT", "polygon": [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]},
    ])
    u = index_of_unit(raw)
    raw["units"][u]["desks"].append({"id": "TV-MC", "name": "Quầy 9", "field": "Khác"})
    raw["units"][u]["cameras"][0]["zones"].append(
        {"name": "mc-hang", "kind": "queue", "desk": "TV-MC", "polygon": [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]]})
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(raw))])
    assert result.exit_code == 0, result.output
    assert "desk TV-MC: filmed by" in result.output and "no staff zone" in result.output
    assert (f"units[{u}].cameras[0].zones[0] and units[{u}].cameras[0].zones[1]: staff zones of desks TV-DD and "
            f"TV-HT") in result.output
    assert "desk TV-CT:" not in result.output  # its own desk camera has a staff zone


def test_a_room_camera_imports_with_its_zones_desks_and_rules(example_raw, write_config, cli_runner, migrated_url,
                                                              monkeypatch, session_for):
    from models.org import Camera, Desk, Zone

    raw = with_room(copy.deepcopy(example_raw), [
        {"name": "dd", "kind": "staff", "desk": "TV-DD", "polygon": STAFF_Q1},
        {"name": "ct", "kind": "staff", "desk": "TV-CT", "overlap": 0.5, "polygon": STAFF_Q2},
        {"name": "hang", "kind": "queue", "desk": "TV-CT", "anchor": "center",
         "polygon": [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]},
        {"name": "mat", "kind": "mask", "polygon": [[0.4, 0.38], [0.6, 0.38], [0.6, 0.42], [0.4, 0.42]]},
    ])
    raw["units"][index_of_unit(raw)]["cameras"][0]["health"] = {"dark_p95": 15.0}
    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    result = cli_runner.invoke(cli, ["config", "import", str(write_config(raw))])
    assert result.exit_code == 0, result.output
    with session_for() as session:
        camera = session.scalar(select(Camera).where(Camera.code == "TV-PHONG"))
        assert camera.desk_id is None and camera.unit.code == "NA-TRUONGVINH"
        assert camera.health_overrides == {"dark_p95": 15.0}
        zones = {z.name: (session.get(Desk, z.desk_id).code if z.desk_id else None, z.kind.value, z.anchor, z.overlap)
                 for z in session.scalars(select(Zone).where(Zone.camera_id == camera.id))}
    assert zones == {"dd": ("TV-DD", "staff", None, None), "ct": ("TV-CT", "staff", None, 0.5),
                     "hang": ("TV-CT", "queue", "center", None), "mat": (None, "mask", None, None)}
