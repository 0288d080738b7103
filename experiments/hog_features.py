"""Exploration for issue 5 (kept as run; not part of the study): HOG features instead of a network.

Usage: python experiments/hog_features.py
A numpy HOG (4x4-pixel cells, 9 orientations, 2x2-cell blocks, clipped L2 norm), PCA 50, UMAP 10
(n_neighbors 20, min_dist 0, unseeded), full-covariance GMM with seeds 0-2; the same on raw pixels.
Output: experiments/hog_features.log (TensorFlow start-up lines removed).
"""
import sys, time, json
import numpy as np
sys.path.insert(0, ".")
import helpers
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
import umap

(tr, ytr), (te, yte) = helpers.load_fashion_mnist()

def hog(images, cell=4, bins=9):
    x = images.astype("float32") / 255.0
    gx = np.zeros_like(x); gy = np.zeros_like(x)
    gx[:, :, 1:-1] = x[:, :, 2:] - x[:, :, :-2]
    gy[:, 1:-1, :] = x[:, 2:, :] - x[:, :-2, :]
    mag = np.hypot(gx, gy)
    ang = (np.rad2deg(np.arctan2(gy, gx)) % 180.0) / (180.0 / bins)
    lo = np.floor(ang).astype(int) % bins
    hi = (lo + 1) % bins
    w_hi = ang - np.floor(ang)
    n, h, w = x.shape
    hist = np.zeros((n, h // cell, w // cell, bins), "float32")
    cy = np.arange(h) // cell; cx = np.arange(w) // cell
    for b in range(bins):
        m = mag * ((lo == b) * (1 - w_hi) + (hi == b) * w_hi)
        hist[..., b] = m.reshape(n, h // cell, cell, w // cell, cell).sum(axis=(2, 4))
    # 2x2 block L2-Hys-ish normalisation
    c = h // cell
    blocks = np.stack([hist[:, i:i+2, j:j+2].reshape(n, -1) for i in range(c-1) for j in range(c-1)], 1)
    blocks /= np.sqrt((blocks ** 2).sum(-1, keepdims=True) + 1e-6)
    blocks = np.minimum(blocks, 0.2)
    blocks /= np.sqrt((blocks ** 2).sum(-1, keepdims=True) + 1e-6)
    return blocks.reshape(n, -1)

def run(name, ftr, fte, seeds=(0,)):
    t = time.perf_counter()
    pca = PCA(50, random_state=0).fit(ftr)
    ptr, pte = pca.transform(ftr), pca.transform(fte)
    red = umap.UMAP(n_neighbors=20, n_components=10, min_dist=0.0).fit(ptr)
    etr, ete = red.embedding_, red.transform(pte)
    tu = time.perf_counter() - t
    for s in seeds:
        g = GaussianMixture(10, covariance_type="full", random_state=s).fit(etr)
        print(json.dumps({"f": name, "gmm_seed": s, "umap_s": round(tu), **{k: round(v, 4) for k, v in helpers.evaluate(yte, g.predict(ete)).items()}}), flush=True)
    return etr, ete

t = time.perf_counter()
htr, hte = hog(tr), hog(te)
print("hog", htr.shape, round(time.perf_counter() - t, 1), flush=True)
run("hog4", htr, hte, seeds=(0, 1, 2))
run("raw", tr.reshape(len(tr), -1) / 255.0, te.reshape(len(te), -1) / 255.0, seeds=(0, 1, 2))
