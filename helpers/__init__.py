"""The Fashion-MNIST clustering study's code: the assignment's helpers at the top, the rest by concern.

``import helpers`` gives the assignment's helpers as ``helpers.<name>``, and the three subpackages:

data
    Fashion-MNIST: the published files, their checksums, the verified loader, flattening, subsets and image shifts.
metrics
    Clustering metrics: Hungarian-matched accuracy, NMI and ARI, the matched per-class report, the silhouette.
plots
    Figures: confusion matrices, loss curves, image grids, the elbow and BIC charts, embeddings, saving.
methods
    The methods as scikit-learn estimators (``from helpers.methods import DEC``) and what they are built from.
study
    Running the study: the run loop (``helpers.study.Study``), the model cache, the parameters, the outputs.
publish
    Publishing: results.json, the README's generated blocks, the benchmark's aggregation, the report's LaTeX.

Everything is importable without TensorFlow: Keras is imported lazily, only by the functions that need it.
"""

from . import data, metrics, plots
from .data import *  # noqa: F403
from .metrics import *  # noqa: F403
from .plots import *  # noqa: F403
from . import methods, publish, study  # noqa: E402  (after the assignment's names, which they use)

__all__ = [*data.__all__, *metrics.__all__, *plots.__all__]
