"""Exploration for issue 5 (kept as run; not part of the study): train the local re-splits back into the CNN.

Usage: python experiments/refined_distill.py ROUNDS DISTILL SCAN [ROUNDS DISTILL SCAN ...]
  (after `make bench`: reads each seed's cached clustering CNN from artifacts/; a few minutes per seed and variant)
The notebook's last row assigns a test image to a re-split cluster with the K-Means of the group's own principal
components, fitted on the training images (helpers.apply_local_refinement). Here, instead, each variant
(ROUNDS, DISTILL, SCAN) repeats ROUNDS times: re-split the current network's training clusters
(helpers.refine_locally, the notebook's settings), then train a copy of the network's code layers with a fresh
softmax head on those labels (helpers.fine_tune_clustering: DISTILL epochs of cross-entropy on shifted images, then
SCAN epochs of SCAN's neighbour loss), which becomes the current network; the last one predicts the test images
from their pixels. Labels are used to read the results only.
"""
import glob, json, sys, time
import numpy as np
sys.path.insert(0, ".")
import helpers
import keras
from sklearn.decomposition import PCA

numbers = [int(arg) for arg in sys.argv[1:]]
if not numbers or len(numbers) % 3:
    sys.exit(__doc__)
variants = [tuple(numbers[i:i + 3]) for i in range(0, len(numbers), 3)]

(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
neighbours = helpers.nearest_neighbours(PCA(random_state=0).fit_transform(x_train)[:, :50], 20)  # as the notebook
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/scan_finetune-*")}


def score(labels):
    return {k: round(v, 4) for k, v in helpers.evaluate(y_test, labels).items()}


def predict(model, x):
    return model.predict(x, batch_size=4096, verbose=0).argmax(1)


print(" ".join(["python experiments/refined_distill.py"] + sys.argv[1:]), flush=True)
for seed in [0, 1, 2]:
    (entry,) = [e for e, s in meta.items() if s["seed"] == seed and "architecture" in s]
    cnn = keras.models.load_model(f"{entry}/model.keras", compile=False, safe_mode=False)
    cnn_train, cnn_test = predict(cnn, x_train), predict(cnn, x_test)
    refined_train, steps = helpers.refine_locally(x_train, cnn_train.copy(), neighbours, 10, seed=seed, log=lambda line: None)
    print(json.dumps({"seed": seed, "cnn": score(cnn_test), "refined": score(helpers.apply_local_refinement(steps, x_test, cnn_test)),
                      "train_changed": int((refined_train != cnn_train).sum())}), flush=True)
    for rounds, distill_epochs, scan_epochs in variants:
        start, model, labels = time.perf_counter(), cnn, refined_train
        for round_index in range(rounds):
            if round_index:
                labels, _ = helpers.refine_locally(x_train, predict(model, x_train), neighbours, 10, seed=seed, log=lambda line: None)
            code_model = keras.Model(model.input, model.get_layer("code").output)  # below the softmax head
            model, _ = helpers.fine_tune_clustering(code_model, x_train, neighbours, np.eye(10, dtype="float32")[labels],
                                                    distill_epochs=distill_epochs, scan_epochs=scan_epochs, seed=seed,
                                                    log=lambda line: None)
        print(json.dumps({"seed": seed, "rounds": rounds, "distill_epochs": distill_epochs, "scan_epochs": scan_epochs,
                          "fit_s": round(time.perf_counter() - start, 1), "redistilled": score(predict(model, x_test))}),
              flush=True)
