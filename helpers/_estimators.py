"""What the run loop and the cache share about estimators: their steps, whether fitted, and JSON descriptions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "ClusterSpaceMixin", "clusters_in_transform", "flatten_steps", "is_fitted", "needs_fit", "json_value", "describe_estimator",
    "fitted_summary", "fitted_state_checksum",
]

#: Longest list of a fitted attribute written into results.json (longer ones are summarised elsewhere or left out).
_MAX_LIST = 64


class ClusterSpaceMixin:
    """Marks a clusterer whose ``transform`` gives the space its clusters live in (learnt codes, an embedding).

    The study measures such a method's silhouette there, rather than on the
    method's input (scikit-learn's K-Means also has a ``transform``, the
    distances to its centroids, which is not such a space). A subclass whose
    space depends on how it was built overrides :meth:`has_cluster_space`.
    """

    def has_cluster_space(self) -> bool:
        """Whether ``transform`` gives the space the clusters live in."""
        return True


def clusters_in_transform(estimator: Any) -> bool:
    """Whether a fitted clusterer's ``transform`` gives the space its clusters live in (see :class:`ClusterSpaceMixin`)."""
    return isinstance(estimator, ClusterSpaceMixin) and estimator.has_cluster_space()


def flatten_steps(estimator: Any) -> list[Any]:
    """The estimators a (possibly nested) scikit-learn ``Pipeline`` chains, in order; ``[estimator]`` for any other."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list) and hasattr(estimator, "named_steps"):
        return [inner for _, step in steps for inner in flatten_steps(step)]
    return [estimator]


def is_fitted(estimator: Any) -> bool:
    """Whether ``estimator`` holds fitted state: scikit-learn's test, an attribute ending in ``_`` set by ``fit``."""
    if hasattr(estimator, "__sklearn_is_fitted__"):
        return bool(estimator.__sklearn_is_fitted__())
    return any(name.endswith("_") and not name.startswith("__") for name in vars(estimator))


def needs_fit(estimator: Any) -> bool:
    """False for a stateless transformer (scikit-learn's ``requires_fit`` tag off), which is never cached."""
    tags = getattr(estimator, "__sklearn_tags__", None)
    if tags is None:
        return True
    try:
        return bool(tags().requires_fit)
    except Exception:  # an estimator outside scikit-learn's tag system
        return True


def json_value(value: Any) -> Any:
    """``value`` as JSON can hold it (numbers, text, lists, dicts of them), or ``None`` where it cannot."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.size <= _MAX_LIST and value.dtype.kind in "biuf":
        return value.tolist()
    if isinstance(value, (list, tuple)) and len(value) <= _MAX_LIST:
        items = [json_value(v) for v in value]
        return items if all(item is not None or v is None for item, v in zip(items, value)) else None
    if isinstance(value, Mapping):
        return {str(k): v for k, v in ((k, json_value(v)) for k, v in value.items()) if v is not None}
    return None


def describe_estimator(estimator: Any) -> dict[str, Any]:
    """An estimator's class and parameters (a pipeline's steps in order), as results.json records them.

    Parameters that JSON cannot hold as they are (arrays, other objects) are
    described by their type and shape; an estimator passed as a parameter is
    described the same way, recursively.
    """
    steps = flatten_steps(estimator)
    if len(steps) > 1:
        return {"pipeline": [describe_estimator(step) for step in steps]}
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    return {"class": type(estimator).__name__, "params": {name: _describe_param(value) for name, value in params.items()}}


def _describe_param(value: Any) -> Any:
    if hasattr(value, "get_params"):
        return describe_estimator(value)
    if isinstance(value, np.ndarray):
        return f"array of shape {list(value.shape)}"
    described = json_value(value)
    return described if described is not None or value is None else repr(value)


def fitted_summary(estimator: Any) -> dict[str, Any]:
    """The fitted attributes of ``estimator`` that JSON can hold (``n_iter_``, ``converged_``, ...), without the trailing ``_``.

    Arrays longer than a few dozen values (labels, centroids) and objects are left out.
    """
    summary = {}
    for name, value in vars(estimator).items():
        if name.endswith("_") and not name.startswith("_") and not name.endswith("__") and name != "n_features_in_":
            described = json_value(value)
            if described is not None:
                summary[name[:-1]] = described
    return summary


def fitted_state_checksum(estimator: Any) -> str | None:
    """A checksum of a fitted estimator's learnt state, for cache keys; ``None`` for an unfitted one.

    Keras-based estimators give their weights' checksum (``weights_checksum``);
    others the checksum of their fitted array attributes.
    """
    from .study.cache import array_checksum

    import hashlib
    import json

    if not is_fitted(estimator):
        return None
    if hasattr(estimator, "weights_checksum"):
        return estimator.weights_checksum()
    steps = flatten_steps(estimator)
    if len(steps) > 1:
        return hashlib.sha256("".join(str(fitted_state_checksum(step)) for step in steps).encode()).hexdigest()
    fitted = {k: v for k, v in sorted(vars(estimator).items()) if k.endswith("_") and not k.startswith("_")}
    arrays = [np.asarray(v) for v in fitted.values() if isinstance(v, np.ndarray)]
    # The fitted numbers that are not arrays (an iteration count, a converged flag) count too.
    scalars = json.dumps({k: json_value(v) for k, v in fitted.items() if not isinstance(v, np.ndarray)}, sort_keys=True, default=repr)
    return hashlib.sha256((array_checksum(*arrays) + scalars).encode()).hexdigest()
