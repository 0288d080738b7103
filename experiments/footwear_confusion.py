"""Diagnosis for issue 5 (labels used to read the result only): the fine-tuned SCAN network's test confusion per seed.

Usage: python experiments/footwear_confusion.py   (after `make bench`: reads each seed's cached fine-tuned network
from artifacts/). Rows are the true classes in helpers' class order, columns the clusters in the order of the
classes they are matched to, so the diagonal holds the matched images. Seed 1's footwear clusters (columns 5, 7, 9)
each mix sandals with sneakers or ankle boots.
"""
import glob, json, sys
import numpy as np
sys.path.insert(0, ".")
import helpers, keras
(tr, ytr), (te, yte) = helpers.load_fashion_mnist()
x_test = te.reshape(len(te), -1).astype("float32") / 255
meta = {e: json.load(open(f"{e}/meta.json"))["spec"] for e in glob.glob("artifacts/scan_finetune-*")}
for seed in [0,1,2]:
    (ft,) = [e for e, s in meta.items() if s["seed"] == seed and s["scan_epochs"] == 6 and s["learning_rate"] == 1e-4 and s.get("distill_epochs")==2]
    m = keras.models.load_model(f"{ft}/model.keras", compile=False)
    pred = m.predict(x_test, batch_size=4096, verbose=0).argmax(1)
    c = np.zeros((10,10), int)
    np.add.at(c, (yte, pred), 1)
    mapping = helpers.match_clusters(yte, pred)
    order = [k for k,_ in sorted(mapping.items(), key=lambda kv: kv[1])]
    print(seed, helpers.evaluate(yte, pred)); print(c[:, order])
