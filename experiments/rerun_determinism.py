"""Exploration for issue 5 (kept as run; not part of the study): does a seeded training repeat exactly on one machine?

Usage: python experiments/rerun_determinism.py            (runs the check: 2 trainings one after the other, 2 side by side)
       python experiments/rerun_determinism.py --one TAG  (one training; prints one JSON line)
The notebook's seed-0 scores differed between two machines of the same kind (results/runs/ against
results/runs-earlier-machine/), from the autoencoder's first epoch on. This trains the notebook's dense autoencoder
(784-512-256-10, batch normalisation, Adam 1e-3, MSE) for 3 epochs on the first 20,000 training images with seed 0,
in separate processes, and prints the final loss to all digits and a checksum of the codes: equal lines mean the
training repeated bit for bit on this machine, also when two processes compete for the 2 cores.
"""
import json, subprocess, sys, time

if len(sys.argv) == 3 and sys.argv[1] == "--one":
    sys.path.insert(0, ".")
    import numpy as np
    import helpers

    (train_images, _), _ = helpers.load_fashion_mnist()
    x = train_images[:20_000].reshape(20_000, -1).astype("float32") / 255
    helpers.set_seed(0)
    autoencoder, encoder = helpers.build_autoencoder(784, [512, 256], 10)
    autoencoder.compile(optimizer="adam", loss="mse")
    start = time.perf_counter()
    history = autoencoder.fit(x, x, epochs=3, batch_size=256, verbose=0)
    codes = encoder.predict(x[:1000], verbose=0)
    print(json.dumps({"run": sys.argv[2], "fit_s": round(time.perf_counter() - start, 1),
                      "final_loss": repr(history.history["loss"][-1]), "codes": helpers.array_checksum(codes)}))
    sys.exit(0)

flags = open("/proc/cpuinfo").read().split()
print("CPU:", {flag: flag in flags for flag in ("avx2", "fma", "avx512f")})
command = [sys.executable, __file__, "--one"]
quiet = {"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL, "text": True, "env": {"TF_CPP_MIN_LOG_LEVEL": "3"}}
for tag in ("alone-1", "alone-2"):
    print(subprocess.run(command + [tag], **quiet).stdout.strip().splitlines()[-1], flush=True)
side_by_side = [subprocess.Popen(command + [tag], **quiet) for tag in ("side-by-side-1", "side-by-side-2")]
for process in side_by_side:
    print(process.communicate()[0].strip().splitlines()[-1], flush=True)
