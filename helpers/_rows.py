"""What the run loop and the publishing code share about results rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["em_state", "methods_of"]


def em_state(row: Mapping[str, Any]) -> str:
    """The words for a row's ``em_converged``, shared by the notebook's lines and the report's macros."""
    return "converged" if row["em_converged"] else "not converged"


def methods_of(results: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``methods`` mapping of a results dict, or ValueError if absent or empty."""
    methods = results.get("methods") or {}
    if not methods:
        raise ValueError("results must hold a non-empty 'methods' mapping")
    return methods
