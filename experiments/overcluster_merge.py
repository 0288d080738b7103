"""Exploration for issue 5 (kept as run; not part of the study): over-cluster the N2D layout, merge by pixel neighbours.

Usage: python experiments/overcluster_merge.py SEED   (after `make bench`: reads that seed's cached seeded UMAP
embedding from artifacts/)
A GMM on each seed's UMAP layout splits the sandals between the sneakers and the ankle boots
(experiments/footwear_confusion.log). Here the layout is cut into K > 10 GMM components instead, and the components
are merged into 10 clusters by how often training images of two components are nearest neighbours in the pixels
(PCA 50, Euclidean, 20 neighbours: the notebook's SCAN neighbours), so that the pixels decide which pieces belong
together. Links between components are normalised by the components' sizes (n_ij / sqrt(n_i n_j)); merging by
spectral clustering or by average-linkage agglomeration of that affinity. Fitted on the training images only; the
test images get their component from the GMM's predict and its merged cluster. Labels score the result only.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
from sklearn.cluster import AgglomerativeClustering, SpectralClustering
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

seed = int(sys.argv[1])
(train_images, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/umap-*")}
(umap_entry,) = [e for e, s in meta.items() if s["seed"] == seed and s.get("seeded")]
umap_train, umap_test = np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")
neighbours = helpers.nearest_neighbours(PCA(50, random_state=seed).fit_transform(x_train), 20)
score = lambda p: {k: round(v, 4) for k, v in helpers.evaluate(y_test, p).items()}
# The best any merge of the pieces could do: each piece given its majority class (labels, for diagnosis only).
purity = lambda p: round(sum(np.bincount(y_test[p == c]).max() for c in np.unique(p)) / len(p), 4)

for n_components in (10, 20, 30, 50):
    start = time.perf_counter()
    gmm = GaussianMixture(n_components, covariance_type="full", random_state=seed).fit(umap_train)
    pieces_train, pieces_test = gmm.predict(umap_train), gmm.predict(umap_test)
    gmm_s = time.perf_counter() - start
    if n_components == 10:
        print(json.dumps({"seed": seed, "K": 10, "merge": "none (N2D)", "test": score(pieces_test), "fit_s": round(gmm_s, 1)}), flush=True)
        continue
    links = np.zeros((n_components, n_components))
    np.add.at(links, (np.repeat(pieces_train, neighbours.shape[1]), pieces_train[neighbours].ravel()), 1)
    links = links + links.T
    sizes = np.bincount(pieces_train, minlength=n_components)
    affinity = links / np.sqrt(np.outer(sizes, sizes))
    np.fill_diagonal(affinity, 0)
    merges = {
        "spectral": SpectralClustering(10, affinity="precomputed", random_state=seed).fit_predict(affinity),
        "average": AgglomerativeClustering(10, metric="precomputed", linkage="average").fit_predict(affinity.max() - affinity),
    }
    for name, merged in merges.items():
        print(json.dumps({"seed": seed, "K": n_components, "merge": name, "test": score(merged[pieces_test]),
                          "pieces_purity": purity(pieces_test), "fit_s": round(time.perf_counter() - start, 1)}), flush=True)
