"""Shared by the exploration scripts that measure neighbour purity (not part of the study).

The fraction of each training image's 20 nearest neighbours (cosine) that share its class, overall and for
pullover / coat / shirt, printed as one JSON line; training labels are used for this diagnosis only.
"""
import json

import numpy as np

import helpers

UPPER_BODY = [list(helpers.CLASS_NAMES).index(name) for name in ("Pullover", "Coat", "Shirt")]


def normalised(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def report(space, features, y_train, **extra):
    neighbours = helpers.nearest_neighbours(normalised(features), 20)
    same = (y_train[neighbours] == y_train[:, None]).mean(axis=1)
    print(json.dumps({"space": space, **extra, "purity": round(float(same.mean()), 4),
                      "purity_pullover_coat_shirt": round(float(same[np.isin(y_train, UPPER_BODY)].mean()), 4)}),
          flush=True)
