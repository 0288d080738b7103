"""Exploration for issue 5 (kept as run; not part of the study): can a cheap representation give SCAN purer neighbours?

Usage: python experiments/neighbour_purity_features.py SEED   (reads that seed's cached shifted autoencoder from
artifacts/, as experiments/neighbour_purity.py does)
For 20 nearest neighbours per training image, prints the fraction that share the image's class (training labels,
used here for this diagnosis only) and the time to compute the space, for:
- the pixels' first 100 principal components, cosine (the best space so far, 0.81);
- the same on images blurred by a 3x3 box filter (a little tolerance to shifts);
- single-layer K-Means features (Coates & Ng, 2011): K-Means on normalised, ZCA-whitened 6x6 patches of the
  training images, each patch coded by the "triangle" activation max(0, mean distance - distance to centroid),
  sum-pooled over a 3x3 grid of the image, then PCA 100, cosine;
- agreement of two views: neighbours that are among the 20 nearest both in the pixels (PCA 100, cosine) and in
  the shifted autoencoder's codes, with how many such neighbours an image has.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA

seed = int(sys.argv[1])
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
rng = np.random.default_rng(seed)


def report(name, neighbours, seconds, **extra):
    purity = float((y_train[neighbours] == y_train[:, None]).mean())
    print(json.dumps({"seed": seed, "space": name, "purity": round(purity, 4), "s": round(seconds, 1), **extra}), flush=True)


def cosine_pca(features, components=100):
    reduced = PCA(components, random_state=seed).fit_transform(features)
    return reduced / np.linalg.norm(reduced, axis=1, keepdims=True)


start = time.perf_counter()
pixel_space = cosine_pca(x_train)
pixel_neighbours = helpers.nearest_neighbours(pixel_space, 20)
report("pca100_cosine_pixels", pixel_neighbours, time.perf_counter() - start)

start = time.perf_counter()
padded = np.pad(train_images.astype("float32") / 255, ((0, 0), (1, 1), (1, 1)))
blurred = sum(padded[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9
report("pca100_cosine_blurred", helpers.nearest_neighbours(cosine_pca(blurred.reshape(len(blurred), -1)), 20),
       time.perf_counter() - start)


def patch_features(images, size, centroids, mean, whitening, pool=3, batch=2000):
    """Triangle-coded, sum-pooled K-Means features of every size x size patch (stride 1)."""
    positions = 28 - size + 1
    edges = np.linspace(0, positions, pool + 1).astype(int)
    out = np.empty((len(images), pool * pool * len(centroids)), "float32")
    centroid_sq = (centroids ** 2).sum(1)
    for lo in range(0, len(images), batch):
        windows = np.lib.stride_tricks.sliding_window_view(images[lo:lo + batch], (size, size), axis=(1, 2))
        patches = windows.reshape(-1, size * size)
        patches = (patches - patches.mean(1, keepdims=True)) / np.sqrt(patches.var(1, keepdims=True) + 0.01)
        patches = (patches - mean) @ whitening
        distances = np.sqrt(np.maximum((patches ** 2).sum(1, keepdims=True) - 2 * patches @ centroids.T + centroid_sq, 0))
        codes = np.maximum(distances.mean(1, keepdims=True) - distances, 0).reshape(-1, positions, positions, len(centroids))
        pooled = [codes[:, edges[i]:edges[i + 1], edges[j]:edges[j + 1]].sum(axis=(1, 2)) for i in range(pool) for j in range(pool)]
        out[lo:lo + batch] = np.concatenate(pooled, axis=1)
    return out


for size, k in [(6, 128), (5, 256)]:
    start = time.perf_counter()
    images = train_images.astype("float32") / 255
    picks = rng.integers(0, len(images), 200_000), rng.integers(0, 28 - size + 1, (2, 200_000))
    sample = np.stack([images[n, r:r + size, c:c + size] for n, r, c in zip(picks[0], *picks[1])]).reshape(-1, size * size)
    sample = (sample - sample.mean(1, keepdims=True)) / np.sqrt(sample.var(1, keepdims=True) + 0.01)
    mean = sample.mean(0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(sample - mean, rowvar=False))
    whitening = (eigenvectors / np.sqrt(eigenvalues + 0.1)) @ eigenvectors.T
    centroids = MiniBatchKMeans(k, batch_size=4096, n_init=1, random_state=seed).fit((sample - mean) @ whitening).cluster_centers_
    features = patch_features(images, size, centroids.astype("float32"), mean.astype("float32"), whitening.astype("float32"))
    feature_s = time.perf_counter() - start
    report(f"kmeans_patches_{size}x{size}_k{k}", helpers.nearest_neighbours(cosine_pca(features), 20),
           time.perf_counter() - start, feature_s=round(feature_s, 1), dims=features.shape[1])

(ae_entry,) = [e for e in glob.glob("artifacts/shift_autoencoder-*")
               if json.load(open(f"{e}/meta.json"))["spec"]["seed"] == seed]
shift_encoder = helpers.encoder_of(keras.models.load_model(f"{ae_entry}/autoencoder.keras", compile=False))
code_neighbours = helpers.nearest_neighbours(shift_encoder.predict(x_train, batch_size=4096, verbose=0), 20)
report("shift_ae_codes", code_neighbours, 0.0)
shared = np.array([np.isin(p, c) for p, c in zip(pixel_neighbours, code_neighbours)])
same = y_train[pixel_neighbours] == y_train[:, None]
counts = shared.sum(1)
print(json.dumps({"seed": seed, "space": "pixels_and_codes_agree", "purity": round(float(same[shared].mean()), 4),
                  "purity_of_the_rest": round(float(same[~shared].mean()), 4), "mean_count": round(float(counts.mean()), 2),
                  "images_without_any": int((counts == 0).sum())}), flush=True)
