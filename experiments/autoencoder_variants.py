"""Exploratory run that chose the autoencoder variant (kept exactly as run; not part of the study).

Usage: python experiments/autoencoder_variants.py VARIANT MAX_EPOCHS CHECKPOINTS
e.g.   python experiments/autoencoder_variants.py small-bn 60 10,20,40,60
VARIANT words: "dec" (784-500-500-2000-10, else 784-512-256-10), "bn" (batch norm in
the encoder), "sig" (sigmoid output, else linear), "noise"/"drop" (input corruption),
"cos" (cosine decay of the learning rate to 0 over MAX_EPOCHS; added after the first runs,
which therefore print no "val" field).
Prints test-set K-Means and GMM accuracy/NMI of the codes at each checkpoint epoch.
Output of the runs quoted in main.ipynb: experiments/autoencoder_variants.log.
"""
import gzip, sys, time, json
import numpy as np
D="/usr/share/datasets/fashion-mnist/"
def rd(f, off): return np.frombuffer(gzip.open(D+f).read(), np.uint8, offset=off)
xtr=rd("train-images-idx3-ubyte.gz",16).reshape(-1,784)/255.; ytr=rd("train-labels-idx1-ubyte.gz",8)
xte=rd("t10k-images-idx3-ubyte.gz",16).reshape(-1,784)/255.; yte=rd("t10k-labels-idx1-ubyte.gz",8)
import keras
from keras import layers
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.metrics import normalized_mutual_info_score as nmi
from scipy.optimize import linear_sum_assignment
def acc(y,p):
    c=np.zeros((p.max()+1,10));np.add.at(c,(p,y),1);r,cc=linear_sum_assignment(-c);return c[r,cc].sum()/len(y)
variant=sys.argv[1]; epochs=int(sys.argv[2]); checks=[int(x) for x in sys.argv[3].split(",")]
keras.utils.set_random_seed(0)
inp=keras.Input((784,))
x=inp
if "noise" in variant: x=layers.GaussianNoise(0.2)(x)
if "drop" in variant: x=layers.Dropout(0.2)(x)
hid=[500,500,2000] if "dec" in variant else [512,256]
for h in hid:
    x=layers.Dense(h, activation="relu")(x)
    if "bn" in variant: x=layers.BatchNormalization()(x)
z=layers.Dense(10,name="z")(x)
y=z
for h in hid[::-1]:
    y=layers.Dense(h, activation="relu")(y)
y=layers.Dense(784, activation="sigmoid" if ("bce" in variant or "sig" in variant) else "linear")(y)
ae=keras.Model(inp,y); enc=keras.Model(inp,z)
lr = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=211 * epochs) if "cos" in variant else 1e-3
ae.compile(keras.optimizers.Adam(lr), "binary_crossentropy" if "bce" in variant else "mse")
t0=time.time(); done=0
for c in checks:
    h=ae.fit(xtr[:54000],xtr[:54000],batch_size=256,epochs=c-done,verbose=0,validation_data=(xtr[54000:],xtr[54000:]))
    done=c
    ztr=enc.predict(xtr,batch_size=2048,verbose=0); zte=enc.predict(xte,batch_size=2048,verbose=0)
    km=KMeans(10,n_init=10,random_state=0).fit(ztr); pk=km.predict(zte)
    gm=GaussianMixture(10,covariance_type="full",n_init=2,random_state=0).fit(ztr); pg=gm.predict(zte)
    print(json.dumps(dict(v=variant,ep=c,t=round(time.time()-t0),km=round(acc(yte,pk),3),km_nmi=round(nmi(yte,pk),3),gmm=round(acc(yte,pg),3),gmm_nmi=round(nmi(yte,pg),3),val=round(h.history["val_loss"][-1],5))),flush=True)
