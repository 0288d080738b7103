"""GMM initialisations 0-9 on saved UMAP embeddings of experiments/beyond_exploration.py (exploration, kept as run)."""
import numpy as np, sys
sys.path.insert(0,'.')
import helpers
from sklearn.mixture import GaussianMixture
from sklearn.cluster import KMeans
(_, ytr), (_, yte) = helpers.load_fashion_mnist()
for f in ['/tmp/explore/shift-20-umap20.npz','/tmp/explore/shift-20-umap50.npz','/tmp/explore/shift-40-umap20.npz']:
    e = np.load(f)
    gs = [GaussianMixture(10, covariance_type='full', random_state=s).fit(e['train']) for s in range(10)]
    accs = [helpers.cluster_accuracy(yte, g.predict(e['test'])) for g in gs]
    bics = [g.bic(e['train']) for g in gs]
    best = int(np.argmin(bics))
    Ptr = np.hstack([g.predict_proba(e['train']) for g in gs]); Pte = np.hstack([g.predict_proba(e['test']) for g in gs])
    km = KMeans(10, n_init=10, random_state=0).fit(Ptr)
    print(f, "accs", np.round(accs,3), "bic-best", round(accs[best],3), "consensus", round(helpers.cluster_accuracy(yte, km.predict(Pte)),3), flush=True)
