"""Running the study: the run loop, the model cache, the notebook's parameters and outputs, the environment, scoring.

Modules (each one's ``__all__`` lists its public names, all available as ``helpers.study.<name>``)
---------------------------------------------------------------------------------------------
loop
    :class:`Study`: estimators fitted or loaded through the cache, their costs traced, their rows scored and recorded.
cache
    The model cache: trained models saved under a key of everything that determines them.
runs
    Notebook runs: :class:`StudyParameters` checked up front, outputs staged and published as one set.
environment
    The run's environment: library versions and the processor, recorded beside every result.
evaluation
    Scoring a method: timing, one results row per clustering (printed as a table row), EM convergence.
"""
from . import cache, environment, evaluation, loop, runs
from .cache import *  # noqa: F403
from .environment import *  # noqa: F403
from .evaluation import *  # noqa: F403
from .loop import *  # noqa: F403
from .runs import *  # noqa: F403

__all__ = [*loop.__all__, *cache.__all__, *runs.__all__, *environment.__all__, *evaluation.__all__]
