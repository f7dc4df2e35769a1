"""Faces: detection, the yaw the head-turn check reads, aligned chips and embeddings that tell people apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kinora.cameos import faces, synthetic
from tests.cameos.clips import portrait


def test_one_face_with_landmarks_in_each_portrait() -> None:
    for name in ("astronaut", "hopper"):
        person = portrait(name)
        found = faces.load().detect(person.image)
        assert len(found) == 1 and found[0].landmarks.shape == (5, 2)
        assert abs(found[0].yaw) < 0.08  # both photos look at the camera


def test_yaw_follows_the_turn_both_ways() -> None:
    person = portrait("astronaut")
    yaws = [faces.load().detect(synthetic.turned(person, degrees))[0].yaw for degrees in (-25, -10, 0, 10, 25)]
    assert yaws == sorted(yaws) and yaws[0] < -0.12 and yaws[-1] > 0.12


def test_embeddings_tell_two_people_apart_and_keep_one_person_together() -> None:
    models = faces.load()

    def embedding(name: str, degrees: float) -> np.ndarray:
        image = synthetic.turned(portrait(name), degrees)
        face = models.detect(image)[0]
        chip = models.chip(image, face)
        assert chip.shape == (faces.CHIP, faces.CHIP, 3)
        return models.embed_chips([chip])[0]

    same = faces.distance(embedding("astronaut", 0), embedding("astronaut", 20))
    other = faces.distance(embedding("astronaut", 0), embedding("hopper", 0))
    assert same < 0.4 < 0.6 < other


def test_a_models_folder_without_the_files_is_named(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="lacks shape_predictor_5_face_landmarks.dat"):
        faces.models_folder(tmp_path)
