"""Exploration for issue 5 (kept as run; not part of the study): is the submissions' convolutional autoencoder slow
on machines without AVX-512 because of oneDNN's code path for them?

Usage: python experiments/onednn_isa.py                 (every case, each in its own process)
       python experiments/onednn_isa.py --one MODEL CASE (one case; prints one JSON line)
In the benchmarks the convolutional autoencoder took 44-53 s on a 2-core machine with AVX-512 and 123-172 s on
machines without it (experiments/machine_kinds.log), while the dense autoencoders took about the same on both.
oneDNN, which TensorFlow uses for these layers, picks its kernels by the processor's instruction sets, and
ONEDNN_MAX_CPU_ISA=AVX2 makes it use the AVX2 ones on a machine that has AVX-512. TF_ENABLE_ONEDNN_OPTS=0 turns
oneDNN off (TensorFlow's own Eigen kernels). Each case trains the notebook's network (batch 256, Adam 1e-3, the
notebook's loss) for 2 epochs on 20,000 training images and prints the time of each epoch (the first includes
tracing) and the final loss.
"""
import json, os, subprocess, sys, time

CASES = {
    "default": {},
    "onednn_avx2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "no_onednn": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}

if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--one":
    sys.path.insert(0, ".")
    import keras
    import helpers

    model_name, case = sys.argv[2], sys.argv[3]
    (train_images, _), _ = helpers.load_fashion_mnist()
    x = train_images[:20_000].astype("float32") / 255
    helpers.set_seed(0)
    if model_name == "conv":
        model, _ = helpers.build_conv_autoencoder()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", jit_compile=False)
        x = x[..., None]
    else:
        model, _ = helpers.build_autoencoder(784, [512, 256], 10)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
        x = x.reshape(len(x), -1)
    epoch_s = []
    for _ in range(2):
        start = time.perf_counter()
        history = model.fit(x, x, epochs=1, batch_size=256, verbose=0)
        epoch_s.append(round(time.perf_counter() - start, 1))
    print(json.dumps({"model": model_name, "case": case, "epoch_s": epoch_s, "final_loss": round(history.history["loss"][-1], 6)}))
elif __name__ == "__main__":
    for repeat in range(2):
        for model_name in ("conv", "dense"):
            for case, env in CASES.items():
                output = subprocess.run(
                    [sys.executable, __file__, "--one", model_name, case], env={**os.environ, **env},
                    capture_output=True, text=True, check=True,
                ).stdout
                print(output.strip().splitlines()[-1], flush=True)
