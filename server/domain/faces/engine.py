"""What the domain needs from a face engine, and the rules it applies to its answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from server.adapters.faces import similarity  # the one cosine, re-exported


class FaceAnalyser(Protocol):
    """server.adapters.faces.FaceEngine, as the domain uses it: `analyse(bytes)` answers an
    object with `reason` (None when usable), `embedding`, `luminance` and `faces`."""

    def analyse(self, image_bytes: bytes): ...


@dataclass(frozen=True)
class FacePolicy:
    threshold: float  # cosine similarity that counts as the same person
    long_edge: int  # of the processed photo copies


def embedding_bytes(vector) -> bytes:
    """A float32 unit vector as stored (2 KB for 512 dimensions)."""
    return np.asarray(vector, dtype=np.float32).ravel().tobytes()


def embedding_vector(data: bytes):
    return np.frombuffer(data, dtype=np.float32)


__all__ = ["FaceAnalyser", "FacePolicy", "embedding_bytes", "embedding_vector", "similarity"]
