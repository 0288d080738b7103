"""Exploration for issue 5 (kept as run; not part of the study): more features for splitting pullovers, coats and
shirts, after experiments/upper_body_split.py.

Usage: python experiments/upper_body_features.py
As in experiments/upper_body_split.py: the group is given exactly by the training labels (an oracle, for this
diagnosis only), the 18,000 training images of pullover, coat and shirt, and K-Means and a full-covariance GMM
(k = 3) split them; chance is 0.33. Features: the histograms of oriented gradients that gave SCAN purer
neighbours (helpers.oriented_gradient_histograms, 4-pixel cells, first 50 principal components; their neighbours
are 68.4% pure for these classes against the pixels' 62.4%, experiments/neighbour_purity_oriented.log), the
same with 7-pixel cells, the pixels scaled to unit length (so that dark and light garments of one shape
coincide), and binary silhouettes (pixels above 0.05).
"""
import sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from sklearn.decomposition import PCA

(train_images, y_train), _ = helpers.load_fashion_mnist()
names = list(helpers.CLASS_NAMES)
in_group = np.isin(y_train, [names.index("Pullover"), names.index("Coat"), names.index("Shirt")])
images = train_images[in_group].astype("float32") / 255
labels = y_train[in_group]
flat = images.reshape(len(images), -1)


def score(name, features):
    common.split_scores(name, PCA(50, random_state=0).fit_transform(features), labels)


score("pixels_pca50", flat)
score("hog_cell4_pca50", helpers.oriented_gradient_histograms(images, cell=4))
score("hog_cell7_pca50", helpers.oriented_gradient_histograms(images, cell=7))
score("unit_length_pixels_pca50", flat / np.linalg.norm(flat, axis=1, keepdims=True))
score("silhouette_pca50", (flat > 0.05).astype("float32"))
