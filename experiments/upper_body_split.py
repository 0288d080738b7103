"""Exploration for issue 5 (kept as run; not part of the study): can any cheap feature split pullovers, coats and
shirts, the three classes the best method mixes most?

Usage: python experiments/upper_body_split.py
In the notebook's best row (seed 0) the three clusters matched to pullover, coat and shirt hold about 18,000
training images and are at chance within their group (Hungarian accuracy 0.39 over those images, with dresses
and T-shirts mixed in). Here the group is given exactly, by the training labels (an oracle, for this diagnosis
only): the 18,000 training images of those three classes. K-Means and a full-covariance GMM (k = 3) on each
feature space; chance is 0.33 and a perfect split 1.0.
"""
import json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
import common
from sklearn.decomposition import PCA

(train_images, y_train), _ = helpers.load_fashion_mnist()
names = list(helpers.CLASS_NAMES)
classes = [names.index("Pullover"), names.index("Coat"), names.index("Shirt")]
in_group = np.isin(y_train, classes)
images = train_images[in_group].astype("float32") / 255
labels = y_train[in_group]


def score(name, features):
    common.split_scores(name, features, labels)


flat = images.reshape(len(images), -1)
score("pixels_pca50", PCA(50, random_state=0).fit_transform(flat))
score("pixels_pca10", PCA(10, random_state=0).fit_transform(flat))
# Zips and button plackets run down the middle of coats and shirts.
score("centre_columns_10_to_17_pca20", PCA(20, random_state=0).fit_transform(images[:, :, 10:18].reshape(len(images), -1)))
gradient_y, gradient_x = np.gradient(images, axis=(1, 2))
score("gradient_magnitude_pca50", PCA(50, random_state=0).fit_transform(np.hypot(gradient_x, gradient_y).reshape(len(images), -1)))
profiles = np.concatenate([images.mean(1), images.mean(2), (images > 0.05).mean(1), (images > 0.05).mean(2)], axis=1)
score("row_and_column_profiles_pca20", PCA(20, random_state=0).fit_transform(profiles))

# SCAN's neighbours (20 nearest in the pixels' first 50 principal components, all training images): how often
# they share the image's class, for each class.
all_flat = train_images.reshape(len(train_images), -1).astype("float32") / 255
neighbours = helpers.methods.nearest_neighbours(PCA(50, random_state=0).fit_transform(all_flat), 20)
same = (y_train[neighbours] == y_train[:, None]).mean(axis=1)
print(json.dumps({"neighbour_purity_by_class": {names[c]: round(float(same[y_train == c].mean()), 3) for c in range(10)}}))
