"""Exploration for issue 5 (kept as run; not part of the study): how much of the notebook's UMAP time is numba's
just-in-time compilation rather than computing?

Usage: python experiments/umap_compile_time.py   (after a seed-0 run of main.ipynb has cached its shifted autoencoder)
In one fresh process, the notebook's seeded UMAP (20 neighbours, 10 dimensions, min_dist 0, random_state 0) is
fitted on the seed-0 shifted autoencoder's training codes and applied to its test codes twice: the first time
includes compiling umap-learn's and pynndescent's numba functions (those not already in numba's on-disk cache),
the second reuses them. Prints the wall time of each fit and transform and whether the two embeddings agree.
"""
import json, sys, time
start_process = time.perf_counter()
import numpy as np
sys.path.insert(0, ".")
import umap
from cached_codes import shifted_autoencoder_codes

codes_train, codes_test, _, entry = shifted_autoencoder_codes(0)
print(json.dumps({"codes_from": entry, "setup_s": round(time.perf_counter() - start_process, 1)}), flush=True)

embeddings = []
for attempt in ("first, compiling", "second, compiled"):
    reducer = umap.UMAP(n_neighbors=20, n_components=10, min_dist=0.0, random_state=0, n_jobs=1)
    start = time.perf_counter()
    train = reducer.fit_transform(codes_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    test = reducer.transform(codes_test)
    transform_s = time.perf_counter() - start
    embeddings.append((train, test))
    print(json.dumps({"attempt": attempt, "fit_s": round(fit_s, 1), "transform_s": round(transform_s, 1)}), flush=True)
print(json.dumps({"identical": bool(all(np.array_equal(a, b) for a, b in zip(*embeddings)))}))
