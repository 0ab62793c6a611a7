"""``deskaudit camera probe``: connect to a camera once and say what it sends and whether it is usable."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from deskaudit.cli.common import BadInput, Failure


@click.group()
def camera() -> None:
    """Cameras: test one before it goes into the site config."""


@camera.command()
@click.argument("url")
@click.option("--username", "-u", help="Camera user name (or put it in the URL).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--transport", type=click.Choice(["tcp", "udp"]), default="tcp", show_default=True,
              help="RTSP transport.")
@click.option("--insecure", is_flag=True, help="https: accept a self-signed certificate (many NVRs have one).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0.5, 120), default=8.0, show_default=True,
              help="Seconds to connect, and again to get the first frame.")
@click.option("--snapshot", "snapshot_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("camera-probe.jpg"), show_default=True, help="Where to save the blurred snapshot.")
@click.option("--no-snapshot", is_flag=True, help="Save no snapshot.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def probe(url: str, username: str | None, password_stdin: bool, transport: str, insecure: bool, timeout_s: float,
          snapshot_path: Path, no_snapshot: bool, as_json: bool) -> None:
    """Connect to the camera at URL, decode one frame and print what came.

    Prints the codec, resolution, frame rate, keyframe interval (RTSP), time to connect and to the first
    frame, and the health of that frame; saves the frame blurred as a whole (no face or document shows).
    A wrong password, an unreachable host, a wrong path and an unsupported codec each say so; no
    credential is ever printed. Exit 0: a frame came (its health is in the report); 1: no frame; 2: bad input.
    """
    from vision.probe import ProbeFailed, save_snapshot
    from vision.probe import probe as run_probe
    from vision.urls import mask_credentials

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise BadInput("--password-stdin: standard input had no password")
    try:
        report = run_probe(url, username=username, password=password, transport=transport,
                           verify_tls=not insecure, timeout_s=timeout_s)
    except ProbeFailed as error:
        if as_json:
            click.echo(json.dumps({"url": mask_credentials(url), "ok": False, "error": str(error)}, ensure_ascii=False))
        raise Failure(f"{mask_credentials(url)}: {error}") from None
    except ValueError as error:  # not a camera URL
        raise BadInput(str(error)) from None
    saved = None if no_snapshot else save_snapshot(report.image, snapshot_path)
    if as_json:
        click.echo(json.dumps({**report.as_dict(), "ok": True, "snapshot": str(saved) if saved else None},
                              ensure_ascii=False))
        return
    click.echo(_text(report.as_dict(), saved))


def _text(found: dict, saved: Path | None) -> str:
    def seconds(value: float | None) -> str:
        return "?" if value is None else f"{value:.2f} s"

    gop = ("không thấy khung khóa thứ hai / no second keyframe in time" if found["keyframe_interval"] is None
           else f"{found['keyframe_interval']} khung / frames ({seconds(found['keyframe_interval_s'])})")
    lines = [
        found["url"],
        f"  loại / kind:               {found['kind']}",
        f"  codec:                     {found['codec'] or '?'}",
        f"  độ phân giải / resolution: {found['width']}×{found['height']}",
        f"  khung hình/s / fps:        {found['fps'] if found['fps'] is not None else '?'}",
    ]
    if found["kind"] == "rtsp":
        lines.append(f"  khung khóa / keyframe every: {gop}")
    lines += [
        f"  kết nối / connect:         {seconds(found['connect_s'])}",
        f"  khung đầu / first frame:   {seconds(found['first_frame_s'])}",
        f"  tình trạng / health:       {found['health']}"
        + (f" ({found['health_reason']})" if found["health_reason"] else ""),
    ]
    if saved:
        lines.append(f"  ảnh đã làm mờ / blurred snapshot: {saved}")
    return "\n".join(lines)
