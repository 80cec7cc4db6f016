"""What the domain needs from a face engine, and the rules it applies to its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from server.adapters.faces import FaceAnalysis, similarity  # the one cosine, re-exported


class FaceAnalyser(Protocol):
    """server.adapters.faces.FaceEngine, as the domain uses it: `analyse(bytes)` answers a
    FaceAnalysis, of which the domain reads `reason` (None when usable), `embedding`,
    `luminance` and `faces`."""

    def analyse(self, image_bytes: bytes) -> FaceAnalysis: ...


@dataclass(frozen=True)
class FacePolicy:
    threshold: float  # cosine similarity that counts as the same person
    long_edge: int  # of the processed photo copies


def embedding_bytes(vector: ArrayLike) -> bytes:
    """A float32 unit vector as stored (2 KB for 512 dimensions)."""
    return np.asarray(vector, dtype=np.float32).ravel().tobytes()


def embedding_vector(data: bytes) -> NDArray[np.float32]:
    return np.frombuffer(data, dtype=np.float32)


__all__ = ["FaceAnalyser", "FacePolicy", "embedding_bytes", "embedding_vector", "similarity"]
