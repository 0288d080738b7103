"""What the Keras-based estimators share: pickling of their networks, fitted checks and a weights checksum."""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._seeding import check_images
from .networks import encoder_of


def _model_to_bytes(model: Any) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _model_from_bytes(data: bytes) -> Any:
    import keras

    from .deep_clustering import clustering_layer_class

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return keras.models.load_model(path, custom_objects={"ClusteringLayer": clustering_layer_class()}, compile=False)


class KerasEstimator(BaseEstimator):
    """Base of the estimators that hold Keras networks in fitted attributes.

    Subclasses list those attributes in ``_networks`` (a network, or a list of
    networks); they are pickled as ``.keras`` files, so a fitted estimator can
    be cached and loaded with its exact weights.
    """

    _networks: tuple[str, ...] = ()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: the base may hand over the instance's own __dict__
        for name in self._networks:
            if name in state:
                value = state[name]
                state[name] = [_model_to_bytes(m) for m in value] if isinstance(value, list) else _model_to_bytes(value)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        for name in self._networks:
            if name in state:
                value = state[name]
                state[name] = [_model_from_bytes(m) for m in value] if isinstance(value, list) else _model_from_bytes(value)
        super().__setstate__(state)

    def weights_checksum(self) -> str:
        """SHA-256 of the fitted networks' weights: what a cache key records of a fitted estimator passed as a parameter.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        check_is_fitted(self, self._networks[0])
        digest = hashlib.sha256()
        for name in self._networks:
            value = getattr(self, name)
            for model in value if isinstance(value, list) else [value]:
                for weights in model.get_weights():
                    weights = np.ascontiguousarray(weights)
                    digest.update(f"{weights.shape}{weights.dtype.str}".encode())
                    digest.update(weights.data)
        return digest.hexdigest()


class SoftAssignmentMixin:
    """``predict_proba``, ``predict`` and ``transform`` of an estimator whose fitted ``model_`` maps images to soft assignments.

    The network's layer ``code`` gives the codes; ``_predict_batch`` is how many
    images go through it at once (only memory depends on it).
    """

    _predict_batch = 1024

    def predict_proba(self, X: Any) -> np.ndarray:
        """Soft assignments of the rows of ``X`` (each row sums to 1)."""
        check_is_fitted(self, "model_")
        return self.model_.predict(check_images(X), batch_size=self._predict_batch, verbose=0)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable cluster of each row of ``X``."""
        return self.predict_proba(X).argmax(axis=1)

    def transform(self, X: Any) -> np.ndarray:
        """The network's codes of the rows of ``X``: the space its clusters live in."""
        check_is_fitted(self, "model_")
        return encoder_of(self.model_).predict(check_images(X), batch_size=self._predict_batch, verbose=0)
