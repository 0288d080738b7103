"""Exploration for issue 5 (kept as run; not part of the study): predicting the test images by a vote of their
nearest training images' clusters, instead of (or beside) the last row's network.

Usage: python experiments/knn_vote.py
Reads the cached network of the notebook's last row ("re-splits trained in") of each seed from artifacts/
(resplit_finetune-*). Each test image's k nearest training images in the pixels' first 50 principal components (the
space of SCAN's neighbours) vote with the clusters the network gives them: "knnK" is the vote alone, "mixK" the vote
added to the network's softmax of the test image, "softmixK" the neighbours' mean softmax added to it. No label is
used but to score.
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers, keras
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
(train_images, y_train), (test_images, y_test) = helpers.load_fashion_mnist()
x_train = train_images.reshape(len(train_images), -1).astype("float32") / 255
x_test = test_images.reshape(len(test_images), -1).astype("float32") / 255
pca = PCA(random_state=0).fit(x_train)
p_train, p_test = pca.transform(x_train)[:, :50], pca.transform(x_test)[:, :50]
nn = NearestNeighbors(n_neighbors=50).fit(p_train)
_, idx = nn.kneighbors(p_test)
for entry in sorted(glob.glob("artifacts/resplit_finetune-*")):
    seed = json.load(open(f"{entry}/meta.json"))["spec"]["seed"]
    model = keras.models.load_model(f"{entry}/model.keras", compile=False, safe_mode=False)
    s_train = model.predict(x_train, batch_size=4096, verbose=0); s_test = model.predict(x_test, batch_size=4096, verbose=0)
    l_train = s_train.argmax(1)
    row = {"seed": seed, "cnn": round(helpers.cluster_accuracy(y_test, s_test.argmax(1)), 4)}
    for k in (5, 10, 20, 50):
        vote = np.eye(10)[l_train[idx[:, :k]]].mean(1)
        row[f"knn{k}"] = round(helpers.cluster_accuracy(y_test, vote.argmax(1)), 4)
        row[f"mix{k}"] = round(helpers.cluster_accuracy(y_test, (vote + s_test).argmax(1)), 4)
        soft = s_train[idx[:, :k]].mean(1)
        row[f"softmix{k}"] = round(helpers.cluster_accuracy(y_test, (soft + s_test).argmax(1)), 4)
    print(json.dumps(row), flush=True)
