"""Exploration for issue 5 (kept as run; not part of the study): are neighbours purer in oriented-gradient features?

Usage: python experiments/neighbour_purity_oriented.py
SCAN's neighbours (20 nearest training images in the pixels' first 50 principal components) share the image's class
80% of the time, pullovers, coats and shirts much less (experiments/neighbour_purity*.log). HOG features were tried
for UMAP + GMM only (experiments/hog_features.log). Here: how pure the 20 nearest neighbours are in histograms of
oriented gradients (cells of 4 or 7 pixels, 9 orientations, each cell's histogram L2-normalised with its
neighbourhood) and in a small oriented filter bank (first derivatives of a Gaussian at 8 orientations and 2 scales,
rectified, summed over 4x4 cells), alone and beside the pixels, after PCA (cosine and Euclidean).
Labels are used to read the results only. The histograms were computed by this script's own copy of what is now
helpers.oriented_gradient_histograms (moved there after the log was written; the same output, checked on 2,000
images). A first run used scipy.ndimage's sobel and gaussian_filter over the whole (n, 28, 28) array, which also
smoothed across neighbouring images; its log was discarded.
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
from scipy import ndimage
from sklearn.decomposition import PCA
from sklearn.preprocessing import normalize

(train_images, y_train), _ = helpers.load_fashion_mnist()
images = train_images.astype("float32") / 255
upper_body = np.isin(y_train, [2, 4, 6])  # pullover, coat, shirt


def pool(maps, cell):
    """Sum each (n, 28, 28, c) map over non-overlapping cell x cell squares (the border rows dropped)."""
    n, h, w, c = maps.shape
    rows, cols = h // cell, w // cell
    return maps[:, :rows * cell, :cols * cell].reshape(n, rows, cell, cols, cell, c).sum(axis=(2, 4))


def filter_bank(orientations=8, scales=(1.0, 2.0)):
    responses = []
    for sigma in scales:
        derivative_y = ndimage.gaussian_filter(images, (0, sigma, sigma), order=(0, 1, 0))  # no blur across images
        derivative_x = ndimage.gaussian_filter(images, (0, sigma, sigma), order=(0, 0, 1))
        for angle in np.arange(orientations) * np.pi / orientations:
            response = (np.cos(angle) * derivative_x + np.sin(angle) * derivative_y)[..., None]
            responses += [pool(np.maximum(response, 0), 4), pool(np.maximum(-response, 0), 4)]
    return np.concatenate(responses, axis=-1).reshape(len(images), -1)


def purity(features, components, cosine):
    projected = PCA(components, random_state=0).fit_transform(features)
    if cosine:
        projected = normalize(projected)
    neighbours = helpers.nearest_neighbours(projected, 20)
    same = (y_train[neighbours] == y_train[:, None]).mean(axis=1)
    return round(float(same.mean()), 4), round(float(same[upper_body].mean()), 4)


def report(name, features, feature_s):
    for components in (50, 100):
        for cosine in (False, True):
            start = time.perf_counter()
            overall, upper = purity(features, components, cosine)
            print(json.dumps({"space": name, "components": components, "cosine": cosine, "purity": overall,
                              "upper_body_purity": upper, "dims": features.shape[1], "feature_s": round(feature_s, 1),
                              "s": round(time.perf_counter() - start, 1)}), flush=True)


print("# python experiments/neighbour_purity_oriented.py", flush=True)
pixels = images.reshape(len(images), -1)
report("pixels", pixels, 0.0)
for name, build in (("hog_cell4", lambda: helpers.oriented_gradient_histograms(train_images, 4)),
                    ("hog_cell7", lambda: helpers.oriented_gradient_histograms(train_images, 7)),
                    ("filter_bank", filter_bank)):
    start = time.perf_counter()
    features = build()
    feature_s = time.perf_counter() - start
    report(name, features, feature_s)
    # Side by side with the pixels, each block scaled to the same total variance.
    both = np.concatenate([pixels / np.sqrt(pixels.var(0).sum()), features / np.sqrt(features.var(0).sum())], axis=1)
    report(f"pixels_and_{name}", both, feature_s)
