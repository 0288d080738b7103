"""Choosing a setting without labels: a Gaussian mixture's covariance and starts by BIC, PCA components by explained variance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["GMM_INITIALISATIONS", "n_components_for_variance", "select_gmm_by_bic", "select_gmm"]

# scikit-learn's ways of placing a Gaussian mixture's initial means (GaussianMixture's init_params).
GMM_INITIALISATIONS = ("kmeans", "k-means++", "random", "random_from_data")


def n_components_for_variance(explained_variance_ratio: Sequence[float], level: float) -> int:
    """Fewest leading principal components whose explained variance reaches ``level``.

    Parameters
    ----------
    explained_variance_ratio : sequence of float
        Per-component ratios in decreasing order (``PCA.explained_variance_ratio_``).
    level : float
        Target fraction of the variance, in (0, 1].

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``level`` is outside (0, 1] or the components do not reach it.
    """
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    cumulative = np.cumsum(explained_variance_ratio)
    # A tolerance, so that a level the components reach exactly is not missed by rounding.
    reached = np.flatnonzero(cumulative >= level - 1e-12)
    if reached.size == 0:
        raise ValueError(f"the components explain {cumulative[-1]:.4f} of the variance, less than {level}")
    return int(reached[0] + 1)


def select_gmm_by_bic(
    codes: np.ndarray,
    n_components: int,
    covariance_types: Sequence[str] = ("full", "tied", "diag", "spherical"),
    n_inits: Sequence[int] = (1, 3),
    seed: int = 0,
    init_params: str = "kmeans",
) -> tuple[dict[str, Any], dict[str, dict[int, float]]]:
    """Choose a Gaussian mixture's covariance type and n_init by BIC.

    Only the (unlabelled) training codes are used. Among settings whose BIC
    is within 0.1% of the lowest, the cheapest one (fewest initialisations)
    wins, so extra restarts are kept only when they really help. Every
    candidate starts from the same kind of initialisation, ``init_params``,
    which is therefore not chosen here.

    Parameters
    ----------
    codes : numpy.ndarray, shape (n, d)
        Training features.
    n_components : int
        Number of mixture components.
    covariance_types : sequence of str
        Candidates, as scikit-learn names them.
    n_inits : sequence of int
        Candidate numbers of initialisations.
    seed : int
        ``random_state`` of every fit.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}
        How each fit places its initial means, as scikit-learn names it:
        ``"kmeans"`` runs a whole K-Means, ``"k-means++"`` only its seeding.

    Returns
    -------
    best : dict
        ``{"covariance_type": ..., "n_init": ..., "init_params": ...}``, the
        keyword arguments of the chosen ``GaussianMixture``.
    bic : dict
        ``{covariance_type: {n_init: bic}}`` for every candidate.

    Raises
    ------
    ValueError
        If ``covariance_types`` or ``n_inits`` is empty, or ``init_params``
        is not one of scikit-learn's initialisations.
    """
    from sklearn.mixture import GaussianMixture

    if not covariance_types or not n_inits:
        raise ValueError("covariance_types and n_inits must not be empty")
    if init_params not in GMM_INITIALISATIONS:
        raise ValueError(f"init_params must be one of {GMM_INITIALISATIONS}, got {init_params!r}")
    bic: dict[str, dict[int, float]] = {}
    for covariance_type in covariance_types:
        bic[covariance_type] = {}
        for n_init in n_inits:
            model = GaussianMixture(
                n_components, covariance_type=covariance_type, n_init=n_init, init_params=init_params, random_state=seed
            ).fit(codes)
            bic[covariance_type][n_init] = float(model.bic(codes))
    lowest = min(min(row.values()) for row in bic.values())
    tolerance = 1e-3 * abs(lowest)
    candidates = [(n, t) for t, row in bic.items() for n, value in row.items() if value <= lowest + tolerance]
    n_init, covariance_type = min(candidates, key=lambda c: (c[0], bic[c[1]][c[0]]))
    return {"covariance_type": covariance_type, "n_init": n_init, "init_params": init_params}, bic


def select_gmm(codes: np.ndarray, n_components: int, **kwargs: Any) -> dict[str, Any]:
    """:func:`select_gmm_by_bic` as one record: the chosen settings and, under ``"bic"``, every candidate's BIC."""
    settings, bic = select_gmm_by_bic(codes, n_components, **kwargs)
    return {**settings, "bic": bic}
