"""Exploration for issue 5 (kept as run; not part of the study): average the last network's predictions over shifted
copies of each test image (test-time augmentation).

Usage: python experiments/test_time_shifts.py   (after `make bench`: reads each seed's cached network of the row
"N2D + SCAN + CNN, re-splits trained in" from artifacts/)
The network was trained on images shifted by up to 10 % (about 3 pixels). Here a test image's cluster is the argmax
of its softmax averaged over the image and copies translated by whole pixels (vacated pixels black); a variant adds
the left-right mirror, which the training never saw. Labels are used to read the results only.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras

(_, _), (test_images, y_test) = helpers.load_fashion_mnist()
x_test = test_images.astype("float32") / 255


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


offsets = {"none": [(0, 0)],
           "plus1": [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)],
           "square1": [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)],
           "plus2": [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (2, 0), (-2, 0), (0, 2), (0, -2)]}
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/resplit_finetune-*")}
for entry, spec in sorted(meta.items(), key=lambda item: item[1]["seed"]):
    model = keras.models.load_model(f"{entry}/model.keras", compile=False, safe_mode=False)
    cache = {}

    def soft(dy, dx, flip=False):
        if (dy, dx, flip) not in cache:
            images = helpers.translate_images(x_test[:, :, ::-1] if flip else x_test, dy, dx)
            cache[dy, dx, flip] = model.predict(images.reshape(len(images), -1), batch_size=4096, verbose=0)
        return cache[dy, dx, flip]

    row = {"seed": spec["seed"]}
    for name, offs in offsets.items():
        start = time.perf_counter()
        row[name] = score(np.mean([soft(dy, dx) for dy, dx in offs], axis=0).argmax(1))
        row[name + "+flip"] = score(np.mean([soft(dy, dx, f) for dy, dx in offs for f in (False, True)], axis=0).argmax(1))
    print(json.dumps(row), flush=True)
