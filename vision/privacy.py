"""Blur people before any frame is stored: every detected person's head, and optionally citizens in
queue zones entirely; and pixelate the mask and exclude zones (counter surfaces where citizens' ID cards
and dossiers lie, screens), whatever the blur policy says. Person detection only — nothing here
recognises anyone."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vision.detections import Detections
from vision.zones import DeskZones, ZoneKind


@dataclass(frozen=True)
class BlurPolicy:
    """How hard and how much to blur.

    Attributes:
        head_fraction: Share of a standing person's box height taken as the head region.
        head_width_ratio: For boxes cut off by the frame edge (close-ups), the head region is at
            least this many box widths tall.
        margin: Extra border around each region, as a share of the box width.
        blocks: A head region is pixelated to at most this many blocks across (then blurred), so
            no facial detail survives whatever the person's size in the frame.
        block_px: Smallest pixelation block in pixels.
        blur_queue: Blur citizens standing in queue zones from head to feet.
    """

    head_fraction: float = 0.30
    head_width_ratio: float = 0.8
    margin: float = 0.12
    blocks: int = 5
    block_px: int = 8
    blur_queue: bool = True


def head_regions(detections: Detections, policy: BlurPolicy) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles ``x1, y1, x2, y2`` covering each person's head, with a margin."""
    regions = []
    for x1, y1, x2, y2 in detections.xyxy:
        width, height = x2 - x1, y2 - y1
        head = min(height, max(policy.head_fraction * height, policy.head_width_ratio * width))
        pad = policy.margin * width
        regions.append((x1 - pad, y1 - pad, x2 + pad, y1 + head + pad))
    return _clip(regions, detections.frame_size)


def blur_for_storage(
    image: np.ndarray,
    detections: Detections,
    zones: DeskZones | None = None,
    policy: BlurPolicy | None = None,
) -> np.ndarray:
    """A copy of ``image`` safe to store: mask and exclude zones pixelated, heads blurred, queue zones' people
    blurred if configured."""
    policy = policy or BlurPolicy()
    out = mask_zones(image, zones)
    regions = head_regions(detections, policy)
    if policy.blur_queue and zones is not None and len(detections):
        feet = detections.bottom_centers()
        in_queue = np.zeros(len(detections), bool)
        for zone in zones.of_kind(ZoneKind.QUEUE):
            in_queue |= zone.contains(feet)
        regions += _clip([tuple(box) for box in detections.xyxy[in_queue]], detections.frame_size)
    for x1, y1, x2, y2 in regions:
        block = max(policy.block_px, (x2 - x1) // policy.blocks)
        out[y1:y2, x1:x2] = _obscure(out[y1:y2, x1:x2], block)
    return out


MASK_KINDS = (ZoneKind.MASK, ZoneKind.EXCLUDE)
MASK_BLOCKS = 40  # a mask zone's mosaic: blocks of 1/40 of the frame width, at least MASK_MIN_BLOCK_PX
MASK_MIN_BLOCK_PX = 8


def mask_zones(image: np.ndarray, zones: DeskZones | None) -> np.ndarray:
    """A copy of ``image`` with every ``mask`` and ``exclude`` zone pixelated into coarse blocks (each block one
    colour: no text of an ID card or a screen survives). Always applied before a frame is stored; no blur
    setting turns it off."""
    out = image.copy()
    if zones is None:
        return out
    polygons = [z.polygon for z in zones.zones if z.kind in MASK_KINDS]
    if not polygons:
        return out
    height, width = image.shape[:2]
    block = max(MASK_MIN_BLOCK_PX, width // MASK_BLOCKS)
    small = cv2.resize(image, (max(1, -(-width // block)), max(1, -(-height // block))), interpolation=cv2.INTER_AREA)
    mosaic = cv2.resize(small, (small.shape[1] * block, small.shape[0] * block),
                        interpolation=cv2.INTER_NEAREST)[:height, :width]
    inside = np.zeros((height, width), np.uint8)
    for polygon in polygons:
        points = np.array([[x * width, y * height] for x, y in polygon], np.float64).round().astype(np.int32)
        cv2.fillPoly(inside, [points], 255)
    out[inside > 0] = mosaic[inside > 0]
    return out


def _obscure(patch: np.ndarray, block_px: int) -> np.ndarray:
    """Pixelate, then blur, so no facial detail survives and no block edges invite reconstruction."""
    height, width = patch.shape[:2]
    small = cv2.resize(
        patch, (max(1, width // block_px), max(1, height // block_px)), interpolation=cv2.INTER_AREA
    )
    coarse = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    kernel = max(3, (block_px * 2) | 1)
    return cv2.GaussianBlur(coarse, (kernel, kernel), 0)


def _clip(regions: list[tuple[float, float, float, float]],
          frame_size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    width, height = frame_size
    clipped = []
    for x1, y1, x2, y2 in regions:
        box = (max(0, int(np.floor(x1))), max(0, int(np.floor(y1))),
               min(width, int(np.ceil(x2))), min(height, int(np.ceil(y2))))
        if box[2] > box[0] and box[3] > box[1]:
            clipped.append(box)
    return clipped
