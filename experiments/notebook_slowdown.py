"""Exploration for issue 5 (kept as run; not part of the study): why does Keras train slower inside the notebook?

Usage: python experiments/notebook_slowdown.py                 (every case, each in its own process)
       python experiments/notebook_slowdown.py --one CASE      (one case; prints one JSON line)
Alone (experiments/xla_timing.log) an epoch of the convolutional autoencoder took 21 s without XLA; in the notebook,
after the scikit-learn stages, it took 42-46 s. This times 2 epochs of it (54,000 images, batch 256, no XLA)
- alone: nothing before it;
- after_sklearn: after a K-Means (n_init=10) and a GMM on 84 principal components of the pixels, as the notebook's
  comparison stages run them just before;
- after_sklearn_passive: the same with OMP_WAIT_POLICY=PASSIVE, so that idle OpenMP threads sleep instead of spinning.
"""
import json, os, subprocess, sys, time

CASES = {"alone": {}, "after_sklearn": {}, "after_sklearn_passive": {"OMP_WAIT_POLICY": "PASSIVE"}}

if len(sys.argv) == 3 and sys.argv[1] == "--one":
    sys.path.insert(0, ".")
    import keras
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    import helpers
    from xla_timing import fit_timing_epochs  # this script's own folder is on sys.path

    case = sys.argv[2]
    (train_images, _), _ = helpers.load_fashion_mnist()
    x = train_images.reshape(60_000, -1).astype("float32") / 255
    sklearn_s = 0.0
    if case != "alone":
        start = time.perf_counter()
        components = PCA(84, random_state=0).fit_transform(x)
        KMeans(10, n_init=10, random_state=0).fit(components)
        GaussianMixture(10, covariance_type="full", max_iter=30, random_state=0).fit(components)
        sklearn_s = time.perf_counter() - start
    helpers.set_seed(0)
    model, _ = helpers.build_conv_autoencoder()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy", jit_compile=False)
    times, _ = fit_timing_epochs(model, x[:54_000].reshape(-1, *helpers.IMAGE_SHAPE, 1))
    print(json.dumps({"case": case, "sklearn_s": round(sklearn_s, 1), "epoch_s": times}), flush=True)
    sys.exit(0)

for case, extra_env in CASES.items():
    out = subprocess.run([sys.executable, __file__, "--one", case], capture_output=True, text=True,
                         env={**os.environ, **extra_env})
    print(out.stdout.strip() or out.stderr[-2000:], flush=True)
