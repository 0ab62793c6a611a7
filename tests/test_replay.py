"""``deskaudit replay``: real footage through the live pipeline, JSON lines on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXCERPT
from deskaudit.cli import cli

ZONES = {"zones": [
    {"name": "ben-phai", "kind": "staff", "polygon": [[0.7, 0.0], [1.0, 0.0], [1.0, 1.0], [0.7, 1.0]]},
    {"name": "giua", "kind": "queue", "polygon": [[0.3, 0.0], [0.7, 0.0], [0.7, 1.0], [0.3, 1.0]]},
]}


@pytest.fixture
def zones_file(tmp_path) -> Path:
    path = tmp_path / "zones.json"
    path.write_text(json.dumps(ZONES))
    return path


@pytest.mark.slow
def test_replay_prints_one_json_object_per_sample(zones_file, tmp_path):
    env = {**os.environ, "DESKAUDIT_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "deskaudit", "replay", str(EXCERPT), "--zones", str(zones_file), "--every", "5"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]  # stdout holds nothing else
    assert [r["t"] for r in records] == [0.0, 5.0, 10.0, 15.0]  # 200 frames at 10 fps = 20 s
    assert [r["frame"] for r in records] == [0, 50, 100, 150]
    for record in records:
        assert record["health"] == "ok"
        assert set(record["zones"]) == {"ben-phai", "giua"}
        assert record["persons"] >= record["zones"]["ben-phai"] + record["zones"]["giua"]
        assert record["staff"] == record["zones"]["ben-phai"]
        assert record["presence"] in {"present", "absent", "unknown"}
    assert records[0]["persons"] >= 2
    assert "4 sample(s)" in done.stderr


@pytest.mark.slow
def test_truncated_video_ends_cleanly(zones_file, tmp_path, cli_runner):
    truncated = tmp_path / "truncated.mp4"
    data = EXCERPT.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    result = cli_runner.invoke(cli, ["replay", str(truncated), "--zones", str(zones_file), "--every", "2"])
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    # Either the container is unreadable (exit 2, clear message) or the samples stop early.
    if result.exit_code == 2:
        assert "truncated.mp4" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert 1 <= len(lines) < 10
        assert all(json.loads(line)["health"] in {"ok", "offline"} for line in lines)


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda tmp, z: [str(tmp / "missing.mp4"), "--zones", str(z)], "missing.mp4: no such file"),
        (lambda tmp, z: [str(z), "--zones", str(z)], "not a readable video"),
        (lambda tmp, z: [str(EXCERPT), "--zones", str(tmp / "nozones.json")], "nozones.json: no such file"),
        (lambda tmp, z: [str(EXCERPT), "--zones", str(z), "--every", "0"], "--every must be a positive"),
        (lambda tmp, z: [str(EXCERPT), "--zones", str(z), "--imgsz", "500"], "multiple of 32"),
    ],
)
def test_bad_input_is_exit_2(make_args, message, zones_file, tmp_path, cli_runner):
    result = cli_runner.invoke(cli, ["replay", *make_args(tmp_path, zones_file)])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_bad_zones_file_names_the_key(tmp_path, cli_runner):
    bad = tmp_path / "zones.json"
    bad.write_text(json.dumps({"zones": [{"name": "a", "kind": "staff", "polygon": [[0, 0], [1.5, 0], [1, 1]]}]}))
    result = cli_runner.invoke(cli, ["replay", str(EXCERPT), "--zones", str(bad)])
    assert result.exit_code == 2
    assert "zones[0].polygon[1]" in result.output and "outside 0..1" in result.output


@pytest.mark.slow
def test_reference_view_enables_the_moved_check(zones_file, tmp_path, cli_runner):
    import cv2

    capture = cv2.VideoCapture(str(EXCERPT))
    ok, first = capture.read()
    assert ok
    same_view, other_view = tmp_path / "same.png", tmp_path / "other.png"
    cv2.imwrite(str(same_view), first)
    cv2.imwrite(str(other_view), cv2.flip(first, 1))  # as if the camera now faced the other way
    args = ["replay", str(EXCERPT), "--zones", str(zones_file), "--every", "5", "--reference"]
    healths = lambda result: [json.loads(line)["health"] for line in result.stdout.splitlines() if line.startswith("{")]  # noqa: E731
    assert healths(cli_runner.invoke(cli, [*args, str(same_view)])) == ["ok"] * 4
    moved = cli_runner.invoke(cli, [*args, str(other_view)])
    assert healths(moved) == ["ok", "moved", "moved", "moved"]  # two samples must agree


def test_unreadable_reference_is_bad_input(zones_file, tmp_path, cli_runner):
    junk = tmp_path / "view.png"
    junk.write_text("not an image")
    result = cli_runner.invoke(cli, ["replay", str(EXCERPT), "--zones", str(zones_file), "--reference", str(junk)])
    assert result.exit_code == 2 and "not a readable image" in result.output
