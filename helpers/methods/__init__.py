"""The study's clustering methods as scikit-learn estimators, each usable alone on any flattened images in [0, 1].

Every estimator takes a ``random_state`` and touches no global random
generator; Keras-based ones pickle with their exact weights.

>>> from helpers.methods import DEC, DenseAutoencoder
>>> dec = DEC(DenseAutoencoder(epochs=20), max_epochs=5, random_state=0)  # doctest: +SKIP
>>> clusters = dec.fit(images).predict(new_images)  # doctest: +SKIP
"""
from .autoencoder import ConvAutoencoder, DenseAutoencoder
from .dec import DEC, IDEC
from .n2d import N2D
from .resplits import LocalResplits
from .scan import ClusteringCNN, SCANHeads

__all__ = ["DenseAutoencoder", "ConvAutoencoder", "DEC", "IDEC", "N2D", "SCANHeads", "ClusteringCNN", "LocalResplits"]
