"""Exploration for issue 5 (kept as run; not part of the study): neighbour purity of pixel-based spaces.

Usage: python experiments/neighbour_purity_pixels.py
Follows experiments/neighbour_purity.log, where the pixels' first 50 principal components gave purer
neighbours (0.799 of 20 share the class) than any learned space. Here: 20 nearest neighbours among the
first 20 / 50 / 100 / 200 principal components, each with and without scaling every vector to unit length
(cosine neighbours); training labels used for this diagnosis only.
"""
import json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers
from sklearn.decomposition import PCA

(train_images, y_train), _ = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
components = PCA(random_state=0).fit(x_train).transform(x_train)
for n in (20, 50, 100, 200):
    for cosine in (False, True):
        features = components[:, :n]
        if cosine:
            features = features / np.linalg.norm(features, axis=1, keepdims=True)
        neighbours = helpers.nearest_neighbours(features, 20)
        purity = float((y_train[neighbours] == y_train[:, None]).mean())
        print(json.dumps({"components": n, "cosine": cosine, "purity": round(purity, 4)}), flush=True)
