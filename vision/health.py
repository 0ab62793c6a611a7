"""Camera health per sample: ok, offline, frozen, dark, covered or moved.

Every state but ``ok`` makes presence ``unknown``: a broken camera is never evidence of absence.
Checks run on a downscaled grey copy, in this order: dark, covered, frozen, moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import cv2
import numpy as np


class Health(StrEnum):
    """One sample's camera health; values match the database."""

    OK = "ok"
    OFFLINE = "offline"  # no frame within the read timeout
    FROZEN = "frozen"  # decoded frames identical across K samples
    DARK = "dark"  # almost every pixel near black
    COVERED = "covered"  # no texture: lens taped, hand, paper, fog
    MOVED = "moved"  # the view no longer matches the reference frame
    ERROR = "error"  # the pipeline itself failed on this sample



@dataclass(frozen=True)
class HealthThresholds:
    """Defaults tuned on 768×576 footage; all measured on a grey copy at most ``analysis_width`` wide.

    Attributes:
        analysis_width: The checks look at a grey copy halved until at most 1.5 × this wide
            (768 px frames: 384 px).
        dark_p95: Dark when the 95th percentile of luma (0..255) is below this.
        covered_edges: Covered when fewer than this share of pixels lie on an edge (Sobel magnitude
            above ``edge_strength`` on a copy half the analysis size, where sensor noise averages
            out); real desks give 0.15–0.45, a taped or fogged lens 0.
        edge_strength: Sobel gradient magnitude that counts as an edge.
        frozen_max_diff: Two frames are "identical" when their mean absolute difference (luma) is
            at most this; sensor noise on a still scene gives ≥ 0.3 on real cameras.
        frozen_samples: Frozen after this many consecutive identical samples (K).
        moved_min_inliers: Moved when fewer reference features than this still match the view …
        moved_min_inlier_ratio: … or fewer than this share of the matched features agree …
        moved_max_shift: … or the view shifted by more than this fraction of the frame width …
        moved_max_rotation_deg: … or rotated by more than this many degrees …
        moved_max_scale: … or zoomed by more than this factor (either way).
        moved_samples: Moved only after this many consecutive view checks say so (a citizen
            standing in front of the lens for one sample does not move a camera).
        moved_edge_strength: Sobel magnitude of the strong edges the cheap view screen compares.
        moved_screen_overlap: Below this share of today's strong edges lying on reference edges,
            features are matched to decide (same view with people walking: ≥ 0.83 on real
            footage; a 2 % shift: 0.59).
    """

    analysis_width: int = 320
    dark_p95: float = 40.0
    covered_edges: float = 0.02
    edge_strength: float = 40.0
    frozen_max_diff: float = 0.05
    frozen_samples: int = 3
    moved_min_inliers: int = 15
    moved_min_inlier_ratio: float = 0.35
    moved_max_shift: float = 0.04
    moved_max_rotation_deg: float = 3.0
    moved_max_scale: float = 1.06
    moved_samples: int = 2
    moved_edge_strength: float = 80.0
    moved_screen_overlap: float = 0.75

    def __post_init__(self) -> None:
        if self.frozen_samples < 2:
            raise ValueError(f"frozen_samples must be ≥ 2, got {self.frozen_samples}")
        if self.moved_samples < 1:
            raise ValueError(f"moved_samples must be ≥ 1, got {self.moved_samples}")
        if self.analysis_width < 64:
            raise ValueError(f"analysis_width must be ≥ 64, got {self.analysis_width}")


@dataclass(frozen=True)
class HealthReport:
    """The verdict on one sample and the measurements behind it."""

    health: Health
    metrics: dict[str, float] = field(default_factory=dict)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.health is Health.OK


def grey_copy(image: np.ndarray, width: int) -> np.ndarray:
    """Luma of ``image`` halved by Gaussian pyramid steps until at most 1.5 × ``width`` wide.

    Pyramid steps average sensor noise like area scaling does, at a tenth of its cost.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    while grey.shape[1] > 1.5 * width:
        grey = cv2.pyrDown(grey)
    return grey


def edge_magnitude(grey: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude at half the analysis size, where sensor noise does not look like texture."""
    small = cv2.pyrDown(grey).astype(np.float32)
    return cv2.magnitude(cv2.Sobel(small, cv2.CV_32F, 1, 0), cv2.Sobel(small, cv2.CV_32F, 0, 1))


class ViewMatcher:
    """Tells whether a view still matches the reference frame.

    A cheap screen runs on every sample: the share of today's strong edges that lie where the
    reference had edges (people walking through change a few; a moved camera changes most). Only
    when that share drops below ``moved_screen_overlap`` are ORB features matched with RANSAC to
    measure shift, rotation and zoom.
    """

    def __init__(self, reference: np.ndarray, thresholds: HealthThresholds) -> None:
        self.t = thresholds
        self._orb = cv2.ORB_create(nfeatures=500)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
        grey = grey_copy(reference, thresholds.analysis_width)
        self.size = (grey.shape[1], grey.shape[0])
        self._ref_edges = edge_magnitude(grey) > thresholds.moved_edge_strength
        self._ref_points, self._ref_desc = self._orb.detectAndCompute(grey, None)
        self.usable = self._ref_desc is not None and len(self._ref_points) >= thresholds.moved_min_inliers

    def check(self, grey: np.ndarray, magnitude: np.ndarray) -> tuple[bool, dict[str, float]]:
        """``(moved, metrics)`` for a grey copy and its edge magnitude."""
        if not self.usable:
            return False, {"reference_features": float(len(self._ref_points or ()))}
        if (grey.shape[1], grey.shape[0]) != self.size:  # the camera's resolution changed
            return True, {"view_overlap": 0.0}
        edges = magnitude > self.t.moved_edge_strength
        overlap = float(np.count_nonzero(edges & self._ref_edges)) / max(1, int(np.count_nonzero(edges)))
        if overlap >= self.t.moved_screen_overlap:
            return False, {"view_overlap": overlap}
        moved, metrics = self.compare(grey)
        metrics["view_overlap"] = overlap
        return moved, metrics

    def compare(self, grey: np.ndarray) -> tuple[bool, dict[str, float]]:
        """ORB + RANSAC similarity between the reference and this view: ``(moved, metrics)``."""
        points, desc = self._orb.detectAndCompute(grey, None)
        if desc is None or len(points) < 4:
            return True, {"inliers": 0.0, "matches": 0.0}
        matches = self._matcher.match(self._ref_desc, desc)
        if len(matches) < 4:
            return True, {"inliers": 0.0, "matches": float(len(matches))}
        src = np.float32([self._ref_points[m.queryIdx].pt for m in matches])
        dst = np.float32([points[m.trainIdx].pt for m in matches])
        transform, inlier_mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0)
        inliers = int(inlier_mask.sum()) if inlier_mask is not None else 0
        metrics = {"matches": float(len(matches)), "inliers": float(inliers), "inlier_ratio": inliers / len(matches)}
        if (transform is None or inliers < self.t.moved_min_inliers
                or metrics["inlier_ratio"] < self.t.moved_min_inlier_ratio):
            return True, metrics
        scale = float(np.hypot(transform[0, 0], transform[1, 0]))
        rotation = float(np.degrees(np.arctan2(transform[1, 0], transform[0, 0])))
        centre = np.array([self.size[0] / 2, self.size[1] / 2, 1.0])
        shift = float(np.linalg.norm(transform @ centre - centre[:2])) / self.size[0]
        metrics.update(scale=scale, rotation_deg=rotation, shift=shift)
        moved = (
            shift > self.t.moved_max_shift
            or abs(rotation) > self.t.moved_max_rotation_deg
            or max(scale, 1 / scale) > self.t.moved_max_scale
        )
        return moved, metrics


class HealthMonitor:
    """Classifies each sample of one camera; remembers the previous frame and the reference view."""

    def __init__(self, thresholds: HealthThresholds | None = None, reference: np.ndarray | None = None) -> None:
        self.t = thresholds or HealthThresholds()
        self._previous: np.ndarray | None = None
        self._identical_run = 1
        self._moved_run = 0
        self._view: ViewMatcher | None = None
        if reference is not None:
            self.set_reference(reference)

    def set_reference(self, reference: np.ndarray | None) -> None:
        """The frame saved when the zones were drawn; ``None`` switches the moved check off."""
        self._view = None if reference is None else ViewMatcher(reference, self.t)
        self._moved_run = 0

    def offline(self, reason: str) -> HealthReport:
        """No frame this sample; the frozen and moved runs restart with the next frame."""
        self._previous, self._identical_run, self._moved_run = None, 1, 0
        return HealthReport(Health.OFFLINE, {}, reason)

    def check(self, image: np.ndarray) -> HealthReport:
        """Classify one decoded frame."""
        if image is None or image.size == 0 or image.ndim not in (2, 3):
            return self.offline("empty frame")
        grey = grey_copy(image, self.t.analysis_width)
        metrics: dict[str, float] = {
            "luma_mean": cv2.mean(grey)[0],
            # Share of pixels at least dark_p95 bright; under 5 % means the 95th percentile is below it.
            "bright_share": float(np.count_nonzero(grey >= self.t.dark_p95)) / grey.size,
        }
        frozen = self._frozen(grey, metrics)
        if metrics["bright_share"] < 0.05:
            return HealthReport(Health.DARK, metrics, f"95% of pixels darker than {self.t.dark_p95:g}")
        magnitude = edge_magnitude(grey)
        metrics["edge_fraction"] = float(np.count_nonzero(magnitude > self.t.edge_strength)) / magnitude.size
        if metrics["edge_fraction"] < self.t.covered_edges:
            return HealthReport(Health.COVERED, metrics, "no texture in the view")
        if frozen:
            return HealthReport(Health.FROZEN, metrics, f"{self._identical_run} identical frames in a row")
        if self._view is not None:
            moved, view_metrics = self._view.check(grey, magnitude)
            metrics.update(view_metrics)
            self._moved_run = self._moved_run + 1 if moved else 0
            if self._moved_run >= self.t.moved_samples:
                return HealthReport(Health.MOVED, metrics, "view no longer matches the reference frame")
        return HealthReport(Health.OK, metrics)

    def _frozen(self, grey: np.ndarray, metrics: dict[str, float]) -> bool:
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            self._identical_run = 1
            return False
        diff = float(cv2.mean(cv2.absdiff(previous, grey))[0])
        metrics["frame_diff"] = diff
        self._identical_run = self._identical_run + 1 if diff <= self.t.frozen_max_diff else 1
        return self._identical_run >= self.t.frozen_samples
