"""Reusable, tested building blocks of the Fashion-MNIST clustering study.

The notebook ``main.ipynb`` calls these functions through ``import helpers``; every public name of the
modules below is available as ``helpers.<name>``. Everything is importable without TensorFlow: Keras is
imported lazily, only by the functions that need it.

Modules (each one's ``__all__`` lists its public names)
-------------------------------------------------------
data
    Fashion-MNIST: the published files, their checksums, the verified loader and image shifts.
metrics
    Clustering metrics: Hungarian-matched accuracy, NMI and ARI, the matched per-class report, the silhouette.
plots
    Figures: confusion matrices, loss curves, image grids, the elbow and BIC charts, embeddings, saving.
models
    Keras model builders (dense and convolutional autoencoders, the clustering CNN) and model helpers.
deep_clustering
    DEC and IDEC (a clustering layer on an autoencoder) and the UMAP step of N2D.
scan
    SCAN: neighbours, clustering heads trained on them, their consensus, and training clusters into a CNN.
refinement
    Local re-splits: groups of similar clusters cut again where a normalised cut improves.
environment
    The run's environment: library versions and the processor, recorded beside every result.
study
    The bookkeeping of one notebook run: cached training, stage times and the rows of results.json.
evaluation
    Benchmarking a method: timing, one results row per clustering, EM convergence, model selection, comparisons.
cache
    The model cache: trained models saved under a key of everything that determines them.
runs
    Notebook runs: parameters checked up front, outputs staged and published as one set.
reporting
    results.json, the README's generated tables and the multi-seed benchmark's aggregation.
latex
    The report's LaTeX inputs (tables and macros) generated from the results, checked, and the PDF's build.
"""

from . import cache, data, deep_clustering, environment, evaluation, latex, metrics, models, plots, refinement, reporting, runs, scan, study
from .data import *  # noqa: F403
from .metrics import *  # noqa: F403
from .plots import *  # noqa: F403
from .models import *  # noqa: F403
from .deep_clustering import *  # noqa: F403
from .scan import *  # noqa: F403
from .refinement import *  # noqa: F403
from .environment import *  # noqa: F403
from .evaluation import *  # noqa: F403
from .study import *  # noqa: F403
from .cache import *  # noqa: F403
from .runs import *  # noqa: F403
from .reporting import *  # noqa: F403
from .latex import *  # noqa: F403

__all__ = [
    *data.__all__,
    *metrics.__all__,
    *plots.__all__,
    *models.__all__,
    *deep_clustering.__all__,
    *scan.__all__,
    *refinement.__all__,
    *environment.__all__,
    *evaluation.__all__,
    *study.__all__,
    *cache.__all__,
    *runs.__all__,
    *reporting.__all__,
    *latex.__all__,
]
