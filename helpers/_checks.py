"""Checks of arguments that several modules share: label vectors, class ids, neighbour graphs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["validate_labels", "check_class_ids", "check_neighbours"]


def validate_labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return both label vectors as 1-D integer arrays, or raise ValueError."""
    arrays = []
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
        if array.size == 0:
            raise ValueError(f"{name} is empty")
        if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"{name} must hold integer labels, got dtype {array.dtype}")
        arrays.append(array)
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"y_true and y_pred differ in length: {arrays[0].shape[0]} vs {arrays[1].shape[0]}"
        )
    return arrays[0], arrays[1]


def check_class_ids(y_true: np.ndarray, class_names: Sequence[str]) -> None:
    """Raise ValueError unless every class id of ``y_true`` names one of ``class_names``."""
    if y_true.min() < 0 or y_true.max() >= len(class_names):
        raise ValueError(
            f"y_true holds class ids {y_true.min()}..{y_true.max()} but only "
            f"{len(class_names)} class names were given"
        )


def check_neighbours(neighbours: np.ndarray, n: int) -> None:
    """Raise ValueError unless ``neighbours`` is an (n, k) array of indices into ``n`` points."""
    if neighbours.ndim != 2 or len(neighbours) != n or neighbours.shape[1] < 1:
        raise ValueError(f"neighbours must have shape ({n}, k), got {neighbours.shape}")
    if not np.issubdtype(neighbours.dtype, np.integer) or neighbours.min() < 0 or neighbours.max() >= n:
        raise ValueError(f"neighbours must be integer indices in [0, {n - 1}]")
