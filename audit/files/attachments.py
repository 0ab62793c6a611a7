"""Scans an official attaches to an explanation or a reply: a PDF or a JPEG, within a size limit, kept in the data
directory beside the evidence. The type is read from the file's first bytes, not trusted from its name."""

from __future__ import annotations

import secrets
from pathlib import Path

KINDS = {b"%PDF-": ".pdf", b"\xff\xd8\xff": ".jpg"}
NAME_SUFFIXES = {".pdf": ".pdf", ".jpg": ".jpg", ".jpeg": ".jpg"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class AttachmentError(ValueError):
    """The file is not a PDF or JPEG, is empty, or is over the limit; the message says which."""


def attachment_suffix(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """``.pdf`` or ``.jpg`` for an acceptable scan; AttachmentError otherwise."""
    if not data:
        raise AttachmentError(f"{filename}: the file is empty")
    if len(data) > max_bytes:
        raise AttachmentError(f"{filename}: {len(data) / 1048576:.1f} MB is over the limit of "
                              f"{max_bytes / 1048576:.1f} MB")
    by_content = next((suffix for magic, suffix in KINDS.items() if data.startswith(magic)), None)
    by_name = NAME_SUFFIXES.get(Path(filename).suffix.lower())
    if by_content is None or by_name != by_content:
        raise AttachmentError(f"{filename}: only a PDF (.pdf) or JPEG (.jpg) scan is accepted")
    return by_content


def save_attachment(data_dir: Path, folder: str, data: bytes, filename: str,
                    max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Write the scan under ``data_dir/attachments/folder`` and return its path relative to ``data_dir``."""
    suffix = attachment_suffix(data, filename, max_bytes)
    relative = Path("attachments") / folder / f"{secrets.token_hex(12)}{suffix}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return relative.as_posix()


__all__ = ["DEFAULT_MAX_BYTES", "AttachmentError", "attachment_suffix", "save_attachment"]
