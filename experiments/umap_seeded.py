"""Exploration for issue 5 (kept as run; not part of the study): what seeding UMAP would cost and change.

Usage: python experiments/umap_seeded.py   (after a seed-0 run of main.ipynb has cached its shifted autoencoder)
The notebook's UMAP step is unseeded, so UMAP uses both cores but its embedding, and every row built on
it, differs between runs of the same seed. umap-learn makes a seeded run reproducible by giving up its
parallel optimisation. Here the notebook's UMAP (20 neighbours, 10 dimensions, min_dist 0) is fitted
twice unseeded and twice with random_state=0 on the seed-0 shifted autoencoder's codes: wall time, whether
the two embeddings are identical, and the N2D GMM (the notebook's settings) scored on the test set.
Output: experiments/umap_seeded.log (TensorFlow start-up lines removed).
"""
import json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import umap
from sklearn.mixture import GaussianMixture
from cached_codes import shifted_autoencoder_codes

codes_train, codes_test, y_test, entry = shifted_autoencoder_codes(0)
print(json.dumps({"codes_from": entry}), flush=True)

embeddings = {}
for mode, random_state in (("unseeded", None), ("unseeded", None), ("seeded", 0), ("seeded", 0)):
    start = time.perf_counter()
    reducer = umap.UMAP(n_neighbors=20, n_components=10, min_dist=0.0, random_state=random_state)
    train, test = reducer.fit_transform(codes_train), reducer.transform(codes_test)
    umap_s = time.perf_counter() - start
    same_as_before = bool(mode in embeddings and np.array_equal(embeddings[mode], train))
    embeddings[mode] = train
    y_pred = GaussianMixture(10, covariance_type="full", random_state=0).fit(train).predict(test)
    print(json.dumps({"mode": mode, "umap_s": round(umap_s, 1), "identical_to_previous_of_this_mode": same_as_before,
                      **helpers.evaluate(y_test, y_pred)}), flush=True)
