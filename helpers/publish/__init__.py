"""Publishing the results: results.json, the README's generated blocks, the benchmark's aggregation and the report's LaTeX.

Modules (each one's ``__all__`` lists its public names, all available as ``helpers.publish.<name>``)
-----------------------------------------------------------------------------------------------
reporting
    results.json, the README's generated tables and sentences, and the multi-seed benchmark's aggregation.
latex
    The report's LaTeX inputs (tables and macros) generated from the results, checked, and the PDF's build.
"""
from . import latex, reporting
from .latex import *  # noqa: F403
from .reporting import *  # noqa: F403

__all__ = [*reporting.__all__, *latex.__all__]
