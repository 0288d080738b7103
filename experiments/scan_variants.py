"""Exploration for issue 5 (kept as run; not part of the study): variants of the notebook's SCAN head.

Usage: python experiments/scan_variants.py   (after `make bench`, whose UMAP embeddings it reads from artifacts/)
On each seed's N2D UMAP embedding, with neighbours from the pixels' first 50 principal components:
  single: helpers.train_neighbour_clustering as in the notebook (one head);
  best-of-5: five heads trained with different seeds, keeping the one whose final SCAN loss
      (consistency - 5 * entropy) is lowest, a label-free choice as in SCAN's paper;
  self-label: the single head, then 10 epochs of cross-entropy on its own confident training
      assignments (max probability > 0.99), SCAN's self-labelling step without augmentation.
Scored on the test set. Output: experiments/scan_variants.log (TensorFlow start-up lines removed).
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

(x_train, _), (x_test, y_test) = helpers.load_fashion_mnist()
pixels_train = x_train.reshape(len(x_train), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(50, random_state=0).fit_transform(pixels_train), 20)
quiet = lambda line: None


def report(seed, method, model, test, start):
    y_pred = model.predict(test, batch_size=4096, verbose=0).argmax(axis=1)
    print(json.dumps({"seed": seed, "method": method, "fit_s": round(time.perf_counter() - start),
                      **helpers.evaluate(y_test, y_pred)}), flush=True)


for entry in sorted(glob.glob("artifacts/umap-*")):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    train, test = np.load(f"{entry}/train.npy"), np.load(f"{entry}/test.npy")
    start = time.perf_counter()
    heads = []
    for head_seed in range(5):
        model, info = helpers.train_neighbour_clustering(train, neighbours, 10, seed=seed * 100 + head_seed, log=quiet)
        heads.append((info["consistency"] - 5.0 * info["entropy"], model))
        if head_seed == 0:
            report(seed, "single", model, test, start)
            single = model
    losses = [round(loss, 4) for loss, _ in heads]
    best = min(range(5), key=lambda i: heads[i][0])
    report(seed, f"best-of-5 by loss (losses {losses}, chose {best})", heads[best][1], test, start)
    for i, (_, model) in enumerate(heads):
        report(seed, f"head {i}", model, test, start)
    start = time.perf_counter()
    probabilities = single.predict(train, batch_size=4096, verbose=0)
    confident = probabilities.max(axis=1) > 0.99
    single.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    single.fit(train[confident], probabilities[confident].argmax(axis=1), epochs=10, batch_size=512, verbose=0)
    report(seed, f"self-label ({confident.mean():.0%} confident)", single, test, start)
