"""Exploration for issue 5's time budget (kept as run; not part of the study): do the dense autoencoders train
faster when Keras runs several batches per call of its compiled training step, and exactly as before?

Usage: python experiments/steps_per_execution.py EPOCHS STEPS [STEPS ...]
The notebook's dense autoencoder trainings keep about 0.56 of the 2 cores idle (experiments/core_usage.log). For
each STEPS (Keras's `steps_per_execution`), in a fresh process: the Task 2 autoencoder of seed 0 exactly as the
notebook trains it (784-512-256-10 with batch normalisation, Adam with cosine decay from 1e-3 over 30 epochs,
batch 256, validation_split 0.1, early stopping), but for EPOCHS epochs; then the shifted autoencoder as the
notebook trains it (random_shift_dataset, 20-epoch cosine decay), for EPOCHS epochs. Prints the seconds per epoch
(the first, which compiles, apart), the last losses to all digits and a checksum of the codes of the test images:
equal losses and checksums mean the setting changes nothing but the time.
"""
import json, subprocess, sys, time

if len(sys.argv) == 4 and sys.argv[1] == "--one":
    epochs, steps = int(sys.argv[2]), int(sys.argv[3])
    sys.path.insert(0, ".")
    import math
    import numpy as np
    import helpers
    import keras

    (train_images, _), (test_images, _) = helpers.load_fashion_mnist()
    x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
    x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    def report(name, autoencoder, history, timer):
        encoder = helpers.encoder_of(autoencoder)
        print(json.dumps({"model": name, "steps_per_execution": steps, "first_epoch_s": round(timer.times[0], 1),
                          "later_epoch_s": round(float(np.mean(timer.times[1:])), 2),
                          "loss": repr(history.history["loss"][-1]), "val_loss": repr(history.history["val_loss"][-1]),
                          "codes": helpers.array_checksum(encoder.predict(x_test, batch_size=1024, verbose=0))}),
              flush=True)

    helpers.set_seed(0)
    autoencoder, _ = helpers.build_autoencoder(784, [512, 256], 10)
    decay = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=30 * math.ceil(0.9 * len(x_train) / 256))
    autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=decay), loss="mse", steps_per_execution=steps)
    timer = EpochTimes()
    history = autoencoder.fit(x_train, x_train, epochs=epochs, batch_size=256, validation_split=0.1, verbose=0,
                              callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=10,
                                                                       restore_best_weights=True), timer])
    report("task2_autoencoder", autoencoder, history, timer)

    helpers.set_seed(0)
    shift_autoencoder, _ = helpers.build_autoencoder(784, [512, 256], 10)
    n_fit = int(0.9 * len(x_train))
    decay = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=20 * math.ceil(n_fit / 256))
    shift_autoencoder.compile(optimizer=keras.optimizers.Adam(learning_rate=decay), loss="mse", steps_per_execution=steps)
    timer = EpochTimes()
    history = shift_autoencoder.fit(helpers.random_shift_dataset(x_train[:n_fit], 256, 0.1, 0),
                                    validation_data=(x_train[n_fit:], x_train[n_fit:]), epochs=epochs, verbose=0,
                                    callbacks=[timer])
    report("shift_autoencoder", shift_autoencoder, history, timer)
    sys.exit(0)

epochs, all_steps = sys.argv[1], sys.argv[2:]
quiet = {"stdout": subprocess.PIPE, "stderr": subprocess.DEVNULL, "text": True, "env": {"TF_CPP_MIN_LOG_LEVEL": "3"}}
for steps in all_steps:
    print(subprocess.run([sys.executable, __file__, "--one", epochs, steps], **quiet).stdout.strip(), flush=True)
