"""One forward pass of the detector network per backend: ``prepare`` a frame, then ``infer``.

The pipeline and the benchmark go through the same two calls, so "bare inference" in the benchmark
is exactly what a sample pays for the network itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vision.yolo_io import Letterbox, letterbox, letterbox_blob


class UltralyticsRunner:
    """torch and ONNX: ultralytics' AutoBackend forward on a float ``1×3×H×W`` tensor."""

    def __init__(self, predictor: Any, shape: tuple[int, int]) -> None:
        self.predictor = predictor
        self.shape = shape

    def prepare(self, image: np.ndarray, *, reuse: bool = True) -> tuple[Any, Letterbox]:
        return letterbox_blob(image, self.shape, reuse=reuse)

    def infer(self, prepared: Any) -> Any:
        import torch

        with torch.inference_mode():
            return self.predictor.inference(prepared)


class OpenVinoRunner:
    """OpenVINO with the input conversion built into the compiled model.

    The model takes the letterboxed frame as it is — ``1×H×W×3`` uint8 BGR — and converts it to
    float RGB in 0..1 itself, on its own threads: a quarter of the bytes to hand over and no float
    copy in Python.
    """

    def __init__(
        self,
        model_dir: Path,
        shape: tuple[int, int],
        *,
        threads: int | None = None,
    ) -> None:
        import openvino as ov
        from openvino.preprocess import ColorFormat, PrePostProcessor

        xml = next(Path(model_dir).glob("*.xml"), None)
        if xml is None:
            raise FileNotFoundError(f"{model_dir}: no OpenVINO model (*.xml)")
        core = ov.Core()
        model = core.read_model(str(xml))
        ppp = PrePostProcessor(model)
        tensor = ppp.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC"))
        tensor.set_color_format(ColorFormat.BGR)
        steps = ppp.input().preprocess().convert_element_type(ov.Type.f32).convert_color(ColorFormat.RGB)
        steps.scale(255.0)
        ppp.input().model().set_layout(ov.Layout("NCHW"))
        config: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY"}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        self._compiled = core.compile_model(person_head(ppp.build()), "CPU", config)
        self._request = self._compiled.create_infer_request()
        self._output = self._compiled.output(0)
        self.shape = shape

    def prepare(self, image: np.ndarray, *, reuse: bool = True) -> tuple[np.ndarray, Letterbox]:
        resized, box = letterbox(image, self.shape, reuse=reuse)
        return resized[np.newaxis], box

    def infer(self, prepared: np.ndarray) -> np.ndarray:
        """The ``1×5×N`` output (box, person score), shared with OpenVINO: valid until the next
        ``infer`` on this runner (callers hold their own lock until done with it)."""
        result = self._request.infer({0: prepared}, share_inputs=True, share_outputs=True)
        return result[self._output]


def person_head(model: Any) -> Any:
    """Reduce YOLO's ``1×(4+C)×N`` output to ``1×5×N``: the box and the person score, the score
    zeroed wherever another class scores higher (ultralytics' rule for ``classes=[0]``).

    The class comparison then runs inside the network's own parallel code, and the sample reads
    100 KB back instead of 2 MB.
    """
    import openvino as ov
    import openvino.opset13 as ops

    from vision.detections import PERSON_CLASS_ID

    raw = model.get_results()[0].input_value(0)  # what feeds the original result
    rows = raw.get_partial_shape()[1].get_length()
    anchors = raw.get_partial_shape()[2].get_length()

    def rows_of(start: int, stop: int) -> Any:
        return ops.slice(raw, np.array([0, start, 0]), np.array([1, stop, anchors]), np.array([1, 1, 1]))

    boxes = rows_of(0, 4)
    person = rows_of(4 + PERSON_CLASS_ID, 5 + PERSON_CLASS_ID)
    best = ops.topk(rows_of(4, rows), k=1, axis=1, mode="max", sort="none", index_element_type="i32")
    is_person = ops.equal(best.output(1), ops.constant(np.array(PERSON_CLASS_ID, np.int32)))
    score = ops.select(is_person, person, ops.constant(np.array(0.0, np.float32)))
    head = ops.concat([boxes, score], axis=1)
    return ov.Model([ops.result(head)], model.get_parameters(), "yolo-persons")
