"""USB devices, and RTSP through OpenCV's VideoCapture on a latest-frame thread (``OpenCvRtspSource``: the
reader the sampler used before ``vision.sources.rtsp``; it decodes every frame, and stays as the benchmark's
baseline)."""

from __future__ import annotations

from urllib.parse import urlsplit

import cv2

from vision.frames import SourceError
from vision.sources.backoff import Backoff
from vision.sources.base import Target
from vision.sources.live import LiveSource
from vision.sources.rtsp import RTSP_SCHEMES


class _CaptureSource(LiveSource):
    """A ``LiveSource`` whose session is one ``cv2.VideoCapture``: grab, convert, publish, repeat."""

    def _open_capture(self) -> cv2.VideoCapture:  # pragma: no cover - abstract
        raise NotImplementedError

    def _session(self) -> None:
        cap = self._open_capture()
        try:
            if not cap.isOpened():
                raise SourceError("cannot open (unreachable, refused, wrong path or wrong credentials)")
            while not self._stopping.is_set():
                # Converting every frame to BGR costs ~1 ms at 768×576; it keeps VideoCapture in
                # this one thread (it is not thread-safe) and read() instant.
                if not cap.grab():
                    raise SourceError("stream stopped delivering frames")
                ok, image = cap.retrieve()
                if not ok or image is None:
                    raise SourceError("frame could not be decoded")
                self._publish(image)
        finally:
            cap.release()


class OpenCvRtspSource(_CaptureSource):
    """An RTSP(S) camera through OpenCV's FFmpeg backend, kept open, every frame decoded; ``read()`` returns the
    newest.

    The first frames after a connect may be ~3 s old: FFmpeg buffers them while probing the
    stream, and the thread drains them within a moment.
    """

    kind = "rtsp-opencv"

    def __init__(
        self,
        url: str,
        *,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 5.0,
        backoff: Backoff | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.target = Target.parse(url, username, password)
        scheme = urlsplit(self.target.url).scheme.lower()
        if scheme not in RTSP_SCHEMES:
            raise SourceError(f"{self.target.description}: OpenCvRtspSource needs rtsp:// or rtsps://, "
                              f"not {scheme or '(none)'}:")
        super().__init__(self.target.description, read_timeout_s=read_timeout_s, backoff=backoff)
        self.open_timeout_s = open_timeout_s
        self._start()

    def _redact(self, text: str) -> str:
        return self.target.redact(text)

    def _open_capture(self) -> cv2.VideoCapture:
        # The timeouts must be given at open: they arm FFmpeg's interrupt callback, which is what
        # unblocks a grab() on a camera that went silent without closing the connection.
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout_s * 1000),
        ]
        return cv2.VideoCapture(self.target.connect_url(), cv2.CAP_FFMPEG, params)


class DeviceSource(_CaptureSource):
    """A USB (V4L2) camera by index (``0`` is ``/dev/video0``) or device path; newest frame on read."""

    kind = "device"

    def __init__(self, index: int | str, *, read_timeout_s: float = 5.0, backoff: Backoff | None = None) -> None:
        self.index = index
        super().__init__(f"device:{index}", read_timeout_s=read_timeout_s, backoff=backoff)
        self._start()

    def _open_capture(self) -> cv2.VideoCapture:
        return cv2.VideoCapture(self.index)
