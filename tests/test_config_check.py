"""`deskaudit config check` / `import` reject bad files with exit 2, a key path, and no writes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deskaudit.cli import cli


def _camera(raw, unit=1, desk=0, camera=0):
    return raw["units"][unit]["desks"][desk]["cameras"][camera]


def _drop_desk_field(raw):
    del raw["units"][1]["desks"][1]["field"]


def _unknown_camera_key(raw):
    _camera(raw)["colour"] = "red"


def _two_point_polygon(raw):
    _camera(raw)["zones"][0]["polygon"] = [[0.1, 0.1], [0.5, 0.5]]


def _coordinate_out_of_range(raw):
    _camera(raw, unit=2, desk=1)["zones"][1]["polygon"][2] = [1.25, 0.4]


def _duplicate_desk(raw):
    raw["units"][2]["desks"][2]["id"] = "TV-DD"


def _ftp_camera(raw):
    _camera(raw, desk=2)["url"] = "ftp://admin:hunter2@10.1.1.9/cam.mjpg"


def _negative_coordinate(raw):
    _camera(raw)["zones"][1]["polygon"][0] = [-0.01, 0.3]


def _missing_units(raw):
    del raw["units"]


def _unknown_top_level(raw):
    raw["sites"] = {"name": "typo"}


def _bad_time(raw):
    raw["hours_profiles"][0]["seasons"][0]["sessions"][0] = ["7:30", "11:30"]


def _unknown_parent(raw):
    raw["units"][2]["parent"] = "NOPE"


def _official_in_two_groups(raw):
    raw["scoring"]["groups"].append({"id": "khac", "name": "Khác", "staff": ["CB-TV-02", "CB-DC-01"]})


def _bad_cap_pool(raw):
    raw["scoring"]["cap_pool"] = "excellent"


def _long_place_name(raw):
    raw["units"][1]["place_name"] = "Trường Vinh " * 10  # 110 characters: a place name is at most 100


def _unknown_inspection_key(raw):
    raw["inspection"]["copy"] = 2


def _misspelt_place_name(raw):
    raw["units"][2]["placename"] = "Diễn Châu"


def _no_copies(raw):
    raw["inspection"]["copies"] = 0


CASES = [
    (_drop_desk_field, "units[1].desks[1].field", "missing required key"),
    (_unknown_camera_key, "units[1].desks[0].cameras[0].colour", "unknown key"),
    (_two_point_polygon, "units[1].desks[0].cameras[0].zones[0].polygon", "at least 3 points"),
    (_coordinate_out_of_range, "units[2].desks[1].cameras[0].zones[1].polygon[2]", "outside 0..1"),
    (_negative_coordinate, "units[1].desks[0].cameras[0].zones[1].polygon[0]", "outside 0..1"),
    (_duplicate_desk, "units[2].desks[2].id", "duplicate desk id"),
    (_ftp_camera, "units[1].desks[2].cameras[0].url", "unsupported URL scheme 'ftp'"),
    (_missing_units, "units", "missing required key"),
    (_unknown_top_level, "sites", "unknown key"),
    (_bad_time, "hours_profiles[0].seasons[0].sessions[0][0]", "HH:MM"),
    (_unknown_parent, "units[2].parent", "no unit with this id"),
    (_official_in_two_groups, "scoring.groups[1].staff[1]", "already in a task group at scoring.groups[0].staff[1]"),
    (_bad_cap_pool, "scoring.cap_pool", "good"),
    (_long_place_name, "units[1].place_name", "at most 100 characters"),
    (_unknown_inspection_key, "inspection.copy", "unknown key"),
    (_misspelt_place_name, "units[2].placename", "unknown key"),
    (_no_copies, "inspection.copies", "greater than or equal to 1"),
]


@pytest.mark.parametrize("mutate, path, message", CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_check_rejects_with_key_path(mutate, path, message, example_raw, write_config, cli_runner):
    mutate(example_raw)
    config_file = write_config(example_raw)
    result = cli_runner.invoke(cli, ["config", "check", str(config_file)])
    assert result.exit_code == 2, result.output
    line = next((text for text in result.output.splitlines() if f": {path}:" in text), None)
    assert line is not None, f"no line names {path!r}:\n{result.output}"
    assert str(config_file) in line
    assert message in line
    assert "nothing was written" in result.output


def test_credentials_never_echoed(example_raw, write_config, cli_runner):
    _ftp_camera(example_raw)
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2
    assert "hunter2" not in result.output and "admin" not in result.output
    assert "ftp://***@10.1.1.9/cam.mjpg" in result.output


def test_every_problem_is_listed_at_once(example_raw, write_config, cli_runner):
    _drop_desk_field(example_raw)
    _two_point_polygon(example_raw)
    _ftp_camera(example_raw)
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2
    assert "3 problems found" in result.output


def test_syntax_error_and_missing_file(tmp_path, cli_runner):
    broken = tmp_path / "broken.toml"
    broken.write_text("[site\nname = 'x'\n", encoding="utf-8")
    result = cli_runner.invoke(cli, ["config", "check", str(broken)])
    assert result.exit_code == 2 and "TOML syntax error" in result.output and "line 1" in result.output
    result = cli_runner.invoke(cli, ["config", "check", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_environment_reference(example_raw, write_config, cli_runner, monkeypatch):
    _camera(example_raw)["password"] = "${CAM_TEST_PASSWORD}"
    config_file = write_config(example_raw)
    monkeypatch.delenv("CAM_TEST_PASSWORD", raising=False)
    result = cli_runner.invoke(cli, ["config", "check", str(config_file)])
    assert result.exit_code == 2 and "CAM_TEST_PASSWORD is not set" in result.output
    monkeypatch.setenv("CAM_TEST_PASSWORD", "s3cret")
    assert cli_runner.invoke(cli, ["config", "check", str(config_file)]).exit_code == 0


def test_example_config_is_valid(cli_runner):
    from conftest import EXAMPLE_CONFIG

    result = cli_runner.invoke(cli, ["config", "check", str(EXAMPLE_CONFIG)])
    assert result.exit_code == 0, result.output
    assert "3 units, 6 desks, 7 cameras (1 room camera)" in result.output


@pytest.mark.parametrize("mutate", [_duplicate_desk, _ftp_camera, _coordinate_out_of_range])
def test_failed_import_writes_nothing(mutate, example_raw, write_config, cli_runner, migrated_url, session_for,
                                      monkeypatch):
    from models import Base

    monkeypatch.setenv("DESKAUDIT_DATABASE_URL", migrated_url)
    mutate(example_raw)
    result = cli_runner.invoke(cli, ["config", "import", str(write_config(example_raw))])
    assert result.exit_code == 2, result.output
    with session_for() as session:
        for table in Base.metadata.sorted_tables:
            assert session.scalar(select(func.count()).select_from(table)) == 0, table.name


def test_vision_defaults_are_the_pipeline_defaults():
    from deskaudit.siteconfig.schema import VisionConfig
    from deskaudit.siteconfig.vision import detector_settings, health_thresholds, presence_policy
    from vision.detector import DetectorSettings
    from vision.health import HealthThresholds
    from vision.presence import PresencePolicy

    config = VisionConfig()
    assert detector_settings(config) == DetectorSettings()
    assert health_thresholds(config) == HealthThresholds()
    assert presence_policy(config) == PresencePolicy()
    assert config.health.read_timeout_s == 5.0


@pytest.mark.parametrize(
    "vision, path",
    [
        ({"detector": {"backend": "tensorrt"}}, "vision.detector.backend"),
        ({"detector": {"imgsz": 500}}, "vision.detector.imgsz"),
        ({"detector": {"confidence": 1.5}}, "vision.detector.confidence"),
        ({"presence": {"k_present": 1, "k_absent": 3}}, "vision.presence"),
        ({"health": {"frozen_samples": 1}}, "vision.health.frozen_samples"),
        ({"health": {"colour": 1}}, "vision.health.colour"),
    ],
)
def test_bad_vision_settings(vision, path, example_raw, write_config, cli_runner):
    from deskaudit.cli import cli

    example_raw["vision"] = vision
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2, result.output
    assert path in result.output


def test_a_group_member_the_file_does_not_list_is_a_warning(example_raw, write_config, cli_runner):
    example_raw["scoring"]["groups"][0]["staff"].append("CB-IMPORTED-9")
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 0, result.output
    assert "scoring.groups[0].staff[2]: no staff 'CB-IMPORTED-9' in this file" in result.output


def test_task_weights_must_add_up_to_70(example_raw, write_config, cli_runner):
    example_raw["scoring"]["task_weights"] = {"quantity": 30, "quality": 30, "progress": 30}
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2, result.output
    assert "scoring.task_weights" in result.output and "must add up to 70 points, got 30 + 30 + 30" in result.output


def test_general_parts_must_add_up_to_30(example_raw, write_config, cli_runner):
    example_raw["scoring"]["general"] = {"discipline": 10, "ethics": 10, "capacity": 5, "innovation": 0}
    result = cli_runner.invoke(cli, ["config", "check", str(write_config(example_raw))])
    assert result.exit_code == 2, result.output
    assert "scoring.general" in result.output and "must add up to 30 points, got 10 + 10 + 5 + 0" in result.output
