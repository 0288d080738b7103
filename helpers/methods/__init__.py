"""The study's clustering methods as scikit-learn estimators, each usable alone on any flattened images in [0, 1].

Every estimator takes a ``random_state`` and touches no global random
generator; the Keras-based ones pickle with their exact weights.

Estimators (one module per family)
----------------------------------
autoencoder
    :class:`DenseAutoencoder` (also trained on shifted images) and :class:`ConvAutoencoder`, transformers to codes.
dec
    :class:`DEC` and :class:`IDEC`, clusterers that fine-tune a pretrained autoencoder.
n2d
    :class:`N2D`: autoencoder codes, a UMAP embedding of them (:class:`UMAPEmbedding`), a Gaussian mixture.
scan
    :class:`SCANHeads` (SCAN's loss on a neighbour graph, several heads and their consensus) and
    :class:`ClusteringCNN` (a CNN trained on a teacher's clusters, then SCAN's loss on shifted images).
resplits
    :class:`LocalResplits`: another clusterer's partition refined by local re-splits.
comparison
    :class:`CentroidAgglomerative` (Ward that predicts) and :class:`LeadingColumns` (a pipeline step).

What they are built from
------------------------
networks
    The Keras networks: dense and convolutional autoencoders, the clustering CNN.
deep_clustering, scan_training, refinement
    The training loops of DEC/IDEC, of SCAN's heads and CNN, and of the re-splits.
selection
    Choosing a setting without labels (a mixture by BIC, PCA components by explained variance).

Examples
--------
>>> from helpers.methods import DEC, DenseAutoencoder
>>> dec = DEC(DenseAutoencoder(epochs=20), max_epochs=5, random_state=0)  # doctest: +SKIP
>>> clusters = dec.fit(images).predict(new_images)  # doctest: +SKIP
"""
from . import comparison, deep_clustering, networks, refinement, scan_training, selection
from .autoencoder import ConvAutoencoder, DenseAutoencoder
from .comparison import *  # noqa: F403
from .dec import DEC, IDEC
from .deep_clustering import *  # noqa: F403
from .n2d import N2D, UMAPEmbedding
from .networks import *  # noqa: F403
from .refinement import *  # noqa: F403
from .resplits import LocalResplits
from .scan import ClusteringCNN, SCANHeads
from .scan_training import *  # noqa: F403
from .selection import *  # noqa: F403

#: The study's methods as estimators.
ESTIMATORS = ["DenseAutoencoder", "ConvAutoencoder", "DEC", "IDEC", "N2D", "UMAPEmbedding", "SCANHeads", "ClusteringCNN", "LocalResplits"]

__all__ = [
    *ESTIMATORS, *comparison.__all__, *networks.__all__, *deep_clustering.__all__, *scan_training.__all__, *refinement.__all__,
    *selection.__all__,
]
