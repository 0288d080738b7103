"""Exploration for issue 5 (kept as run; not part of the study): does XLA speed up or slow down training here?

Usage: python experiments/xla_timing.py            (runs every case, each in its own process)
       python experiments/xla_timing.py --one MODEL JIT  (one case; prints one JSON line)
Keras 3 compiles a model with XLA when ``jit_compile="auto"`` (the default) and every layer supports it. On this
session's machine the notebook's convolutional autoencoder took 172-208 s for its 5 epochs, against 40 s on the
machine of an earlier session, far more than the other stages slowed down. This trains the notebook's two
autoencoders for 2 epochs each on the 54,000 training images of the notebook's split (batch 256, Adam 1e-3, the
notebook's losses) with ``jit_compile`` True and False and prints the time of each epoch and the final loss: the
first epoch includes compilation, the second is the steady state.
"""
import json, subprocess, sys, time


def fit_timing_epochs(model, x, epochs: int = 2):
    """Fit an autoencoder on x (input = target, batch 256); return (seconds of each epoch, Keras history)."""
    import keras

    times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(round(time.perf_counter() - self.start, 1))

    history = model.fit(x, x, epochs=epochs, batch_size=256, verbose=0, callbacks=[EpochTimer()])
    return times, history


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--one":
    sys.path.insert(0, ".")
    import keras
    import helpers

    model_name, jit = sys.argv[2], sys.argv[3] == "True"
    (train_images, _), _ = helpers.load_fashion_mnist()
    x = train_images[:54_000].reshape(54_000, -1).astype("float32") / 255
    helpers.methods.set_seed(0)
    if model_name == "conv":
        model, _ = helpers.methods.build_conv_autoencoder()
        x = x.reshape(-1, *helpers.IMAGE_SHAPE, 1)
        loss = "binary_crossentropy"
    else:
        model, _ = helpers.methods.build_autoencoder(784, [512, 256], 10)
        loss = "mse"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss=loss, jit_compile=jit)
    times, history = fit_timing_epochs(model, x)
    print(json.dumps({"model": model_name, "jit_compile": jit, "epoch_s": times,
                      "final_loss": round(history.history["loss"][-1], 5)}), flush=True)
    sys.exit(0)

if __name__ == "__main__":
    print(open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(": "), flush=True)
    for model_name in ("conv", "dense"):
        for jit in ("True", "False"):
            out = subprocess.run([sys.executable, __file__, "--one", model_name, jit], capture_output=True, text=True)
            print(out.stdout.strip() or out.stderr[-2000:], flush=True)
