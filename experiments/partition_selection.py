"""Exploration for issue 5 (kept as run; not part of the study): can a label-free criterion pick the better partition?

Usage: python experiments/partition_selection.py   (after `make bench`: reads each seed's cached seeded UMAP
embedding and fine-tuned clustering CNN from artifacts/; about 12 minutes on the 2-core CPU)

The benchmark's spread (CNN test ACC 0.632 / 0.601 / 0.708 on seeds 0 / 1 / 2) comes almost entirely from the
footwear: seed 2 puts sandals, sneakers and ankle boots in three clusters, seeds 0 and 1 cut them into three
clusters that each mix two of those classes. Labels are used here to read the results only.

Part 1, SCAN heads: eight heads per seed on the notebook's UMAP embedding and pixel neighbours (the notebook's
settings; head seeds SEED * 100 + h, so h = 0, 1, 2 are the notebook's three heads). Does SCAN's own consistency
term, mean log(p_i . p_j) over all 20 neighbours of every training image, pick the heads with the higher test ACC?

Part 2, the footwear clusters of the fine-tuned CNN (found by their majority class: a diagnosis, not a method):
re-clustered on their own (K-Means on the group's own 50 principal components, or spectral clustering of the
group's pixel-neighbour graph), and the normalised cut of each partition on that graph, as a candidate criterion.
"""
import glob, itertools, json, sys, time
import numpy as np
import scipy.sparse as sp
sys.path.insert(0, ".")
import helpers
import keras
from scipy.stats import spearmanr
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

N_HEADS, FOOTWEAR, TOPS = 8, [5, 7, 9], [0, 2, 4, 6]
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)  # as the notebook
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/*-*")}


def entry(kind, seed, *required_keys):
    (found,) = [e for e, s in meta.items() if f"/{kind}-" in e and s["seed"] == seed and all(k in s for k in required_keys)]
    return found


def consistency(soft):
    return float(np.mean(np.log(np.einsum("ik,ijk->ij", soft, soft[neighbours]) + 1e-8)))


def neighbour_graph(index):
    position = -np.ones(len(x_train), int)
    position[index] = np.arange(len(index))
    rows = np.repeat(np.arange(len(index)), neighbours.shape[1])
    cols = position[neighbours[index]].ravel()
    keep = cols >= 0
    graph = sp.csr_matrix((np.ones(keep.sum()), (rows[keep], cols[keep])), shape=(len(index), len(index)))
    return ((graph + graph.T) > 0).astype(float)


def normalised_cut(graph, labels):
    degree = np.asarray(graph.sum(1)).ravel()
    return float(sum((degree[labels == c].sum() - graph[labels == c][:, labels == c].sum()) / degree[labels == c].sum() for c in np.unique(labels)))


for seed in [0, 1, 2]:
    umap_entry = entry("umap", seed, "seeded")
    umap_train, umap_test = np.load(f"{umap_entry}/train.npy"), np.load(f"{umap_entry}/test.npy")
    heads = []
    for h in range(N_HEADS):
        started = time.perf_counter()
        model, _ = helpers.train_neighbour_clustering(umap_train, neighbours, 10, epochs=15, entropy_weight=5.0, hidden_units=[256, 256],
                                                      batch_size=512, learning_rate=1e-3, seed=seed * 100 + h, log=lambda *_: None)
        soft_train, soft_test = (model.predict(x, batch_size=4096, verbose=0) for x in (umap_train, umap_test))
        heads.append({"head": h, "s": round(time.perf_counter() - started, 1), "consistency": round(consistency(soft_train), 4),
                      "test_acc": round(helpers.cluster_accuracy(y_test, soft_test.argmax(1)), 4), "soft": (soft_train, soft_test)})
        print(json.dumps({"seed": seed, **{k: v for k, v in heads[-1].items() if k != "soft"}}), flush=True)
    summary = {"seed": seed, "spearman_consistency_acc": round(float(spearmanr([h["consistency"] for h in heads], [h["test_acc"] for h in heads])[0]), 3),
               "mean_head_acc": round(float(np.mean([h["test_acc"] for h in heads])), 4)}
    for n in (3, N_HEADS):
        summary[f"most_consistent_of_{n}"] = max(heads[:n], key=lambda h: h["consistency"])["test_acc"]
        _, _, permutations = helpers.align_runs([h["soft"][0] for h in heads[:n]])
        summary[f"consensus_of_{n}"] = round(helpers.cluster_accuracy(y_test, helpers.matched_average([h["soft"][1] for h in heads[:n]], permutations).argmax(1)), 4)
    print(json.dumps(summary), flush=True)

    cnn = keras.models.load_model(f"{entry('scan_finetune', seed, 'architecture')}/model.keras", compile=False, safe_mode=False)
    cnn_train, cnn_test = (cnn.predict(x, batch_size=4096, verbose=0).argmax(1) for x in (x_train, x_test))
    majority = np.array([np.bincount(y_train[cnn_train == c], minlength=10).argmax() for c in range(10)])
    for group_name, classes in [("footwear", FOOTWEAR), ("tops", TOPS)]:
        group = np.where(np.isin(majority, classes))[0]
        in_train, in_test = np.isin(cnn_train, group), np.isin(cnn_test, group)
        pca = PCA(50, random_state=seed).fit(x_train[in_train])
        local_train, local_test = pca.transform(x_train[in_train]), pca.transform(x_test[in_test])
        kmeans = KMeans(len(group), n_init=10, random_state=seed).fit(local_train)
        replaced = cnn_test.copy()
        replaced[in_test] = group[kmeans.predict(local_test)]
        restarts = [KMeans(len(group), n_init=1, random_state=r).fit(local_train) for r in range(6)]
        lowest_inertia = min(restarts, key=lambda k: k.inertia_)
        graph = neighbour_graph(np.where(in_train)[0])
        spectral = SpectralClustering(len(group), affinity="precomputed", assign_labels="cluster_qr", random_state=seed).fit(graph).labels_
        partitions = {"cnn": cnn_train[in_train], "local_kmeans_n_init_10": kmeans.labels_, "local_kmeans_lowest_inertia_of_6": lowest_inertia.labels_, "spectral": spectral}
        print(json.dumps({
            "seed": seed, "group": group_name, "clusters": group.tolist(),
            "test_acc_cnn": round(helpers.cluster_accuracy(y_test, cnn_test), 4),
            "test_acc_group_reclustered_by_local_kmeans": round(helpers.cluster_accuracy(y_test, replaced), 4),
            "local_kmeans_restarts_mean_pairwise_ari": round(float(np.mean([adjusted_rand_score(a.labels_, b.labels_) for a, b in itertools.combinations(restarts, 2)])), 3),
            "train_acc_within_group": {k: round(helpers.cluster_accuracy(y_train[in_train], v), 3) for k, v in partitions.items()},
            "normalised_cut": {k: round(normalised_cut(graph, v), 4) for k, v in partitions.items()},
        }), flush=True)
