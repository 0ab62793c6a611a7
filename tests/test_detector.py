"""The real person detector on real images (slow: loads YOLO, exports ONNX/OpenVINO once)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from conftest import EXCERPT
from vision.detector import DetectorError, DetectorSettings, YoloDetector, cached_export, input_shape

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("backend", ["torch", "onnx", "openvino"])
@pytest.mark.parametrize("image, persons", [("bus.jpg", 4), ("zidane.jpg", 2)])
def test_counts_persons_on_reference_images(yolo, assets, backend, image, persons):
    detections = yolo(backend).detect(cv2.imread(str(assets / image)))
    assert len(detections) == persons
    assert set(detections.class_id.tolist()) == {0}
    assert detections.confidence.min() >= 0.25


@pytest.mark.parametrize("backend", ["torch", "openvino"])
def test_lean_path_matches_ultralytics_predict(yolo, assets, backend):
    detector = yolo(backend)
    capture = cv2.VideoCapture(str(EXCERPT))
    frames = []
    for index in range(0, 200, 25):
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, frame = capture.read()
        assert ok
        frames.append(frame)
    frames.append(cv2.imread(str(assets / "bus.jpg")))
    # OpenVINO converts the uint8 frame inside the model and, on CPUs with bfloat16, computes in
    # bfloat16 either way: boxes may differ by a pixel or two from ultralytics' float input path.
    tolerance = 3.0 if backend == "openvino" else 0.5
    for frame in frames:
        lean, reference = detector.detect(frame), detector.predict_with_ultralytics(frame)
        assert len(lean) == len(reference)
        np.testing.assert_allclose(np.sort(lean.xyxy, 0), np.sort(reference.xyxy, 0), atol=tolerance)


def test_model_id_names_weights_backend_and_size(yolo):
    assert yolo("openvino").model_id.startswith("yolov8n@f59b3d833e2f/openvino/640")


def test_exports_are_cached_and_verified(weights_path, tmp_path):
    calls = []

    def fake_export(source, backend, shape):
        calls.append(shape)
        out = source.with_suffix(".onnx")
        out.write_bytes(b"exported " + bytes(str(shape), "ascii"))
        return out

    sha = "f59b3d833e2ff32e194b5bb8e08d211dc7c5bdf144b90d2c8412c47ccfc83b36"
    first = cached_export(weights_path, sha, "onnx", (480, 640), tmp_path, fake_export)
    again = cached_export(weights_path, sha, "onnx", (480, 640), tmp_path, fake_export)
    assert first == again and calls == [(480, 640)]
    first.write_bytes(b"tampered")  # a changed export is not trusted: it is made again
    cached_export(weights_path, sha, "onnx", (480, 640), tmp_path, fake_export)
    assert calls == [(480, 640), (480, 640)]
    assert first.read_bytes() == b"exported (480, 640)"


@pytest.mark.parametrize(
    "size, shape",
    [((768, 576), (480, 640)), ((1280, 720), (384, 640)), ((810, 1080), (640, 480)), ((640, 640), (640, 640))],
)
def test_input_shape(size, shape):
    assert input_shape(*size, 640) == shape


def test_bad_settings_and_missing_weights(tmp_path):
    with pytest.raises(ValueError, match="backend 'tensorrt'"):
        DetectorSettings(backend="tensorrt")
    with pytest.raises(ValueError, match="multiple of 32"):
        DetectorSettings(imgsz=500)
    with pytest.raises(DetectorError, match="no such file"):
        YoloDetector(tmp_path / "missing.pt")
