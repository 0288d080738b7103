"""The bookkeeping of one notebook run: cached training, stage times and the rows of results.json.

A :class:`Study` holds what every step of the notebook shares (the model
cache, the seed, the training data's checksum, the test labels, a
:class:`~helpers.study.evaluation.Stopwatch` and the ``results`` dict), so that a
cell says what it fits and scores, not how the cache key, the timing and the
results row are made.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import clone

from .._estimators import clusters_in_transform, describe_estimator, fitted_summary, flatten_steps, is_fitted, json_value, needs_fit
from .cache import ArtifactCache, array_checksum, cache_spec
from ..data import VALIDATION_FRACTION
from .evaluation import Stopwatch, em_convergence, score_classifier, score_row, timed
from ..metrics import cluster_accuracy, evaluate

__all__ = ["Study", "GROUPS", "fit_step"]

#: Where a results row belongs: the assignment's three tasks, the published submissions' comparisons, or beyond.
GROUPS = ("assignment", "comparison", "beyond")


class Study:
    """Cached training, timing and results rows for one run of the notebook.

    Parameters
    ----------
    cache_dir : str or path-like
        Folder of the model cache (see :class:`~helpers.study.cache.ArtifactCache`).
    seed : int
        The run's seed; part of every cache key the study makes.
    retrain : bool, default False
        Train every model again instead of loading it.
    log : callable, default print
        Receives the cache's progress lines.

    Attributes
    ----------
    cache : ArtifactCache
    stopwatch : Stopwatch
        Wall time per stage, in seconds (``stopwatch.seconds``).
    results : dict
        ``{"methods": {key: row}}``, and whatever the run adds.
    """

    def __init__(self, cache_dir: str | os.PathLike, seed: int, retrain: bool = False, log: Any = print) -> None:
        self.cache = ArtifactCache(cache_dir, retrain=retrain, log=log)
        self.seed = seed
        self.stopwatch = Stopwatch()
        self.results: dict[str, Any] = {"methods": {}}
        self._data: str | None = None
        self._y_test: np.ndarray | None = None
        self._validation: slice | None = None
        self._y_validation: np.ndarray | None = None
        self._checksums: dict[Any, tuple[str, np.ndarray]] = {}
        # The run loop's tracing: what each product cost, and each fitted step's outputs (see run).
        self._lineage: dict[int, dict[Any, float]] = {}
        self._products: dict[int, Any] = {}
        self._outputs: dict[tuple[int, str], np.ndarray] = {}
        self._fitted_on: dict[int, str] = {}
        self._fits: dict[int, tuple[str, dict[str, Any]]] = {}
        self._pending: dict[str, Any] = {}
        self._steps: dict[str, Any] = {}

    def stage(self, name: str) -> Any:
        """A context manager that adds its wall time to stage ``name``."""
        return self.stopwatch(name)

    def set_data(self, x_train: np.ndarray, y_test: np.ndarray, validation: slice | None = None, y_validation: np.ndarray | None = None) -> None:
        """The training images (their checksum enters every cache key) and the labels that score.

        Parameters
        ----------
        x_train : numpy.ndarray
            The training images.
        y_test : numpy.ndarray
            The test labels: they score every method, and judge nothing.
        validation : slice, optional
            The validation rows of the training images (see :func:`~helpers.data.validation_split`).
        y_validation : numpy.ndarray, optional
            Their labels, the only ones that may judge a setting; with them every
            recorded row is also scored on the validation split.
        """
        if (validation is None) != (y_validation is None):
            raise ValueError("validation and y_validation go together")
        if validation is not None and len(range(*validation.indices(len(x_train)))) != len(y_validation):
            raise ValueError(f"y_validation: {len(y_validation)} labels for the validation rows {validation}")
        self._data = array_checksum(x_train)
        self._n_train = len(x_train)
        self._y_test = np.asarray(y_test)
        self._validation = validation
        self._y_validation = None if y_validation is None else np.asarray(y_validation)

    @property
    def y_test(self) -> np.ndarray:
        if self._y_test is None:
            raise ValueError("call set_data(x_train, y_test) before scoring")
        return self._y_test

    def _spec(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        if self._data is None:
            raise ValueError("call set_data(x_train, y_test) before training: the training images' checksum is part of every key")
        return cache_spec(**{"seed": self.seed, **spec, "data": self._data})

    # ----- the run loop: estimators fitted or loaded, their costs traced, their rows scored and recorded -----

    def _checksum(self, array: np.ndarray) -> str:
        """The array's checksum, computed once per array object (the notebook's arrays are never changed in place)."""
        token = (id(array), array.shape, array.dtype.str)
        if token not in self._checksums:
            self._checksums[token] = (array_checksum(array), array)  # the array is kept so that its id stays its own
        return self._checksums[token][0]

    def _key_parts(self, estimator: Any, x: np.ndarray, fit_params: Mapping[str, Any]) -> dict[str, Any]:
        arrays = {name: self._checksum(value) if isinstance(value, np.ndarray) else value for name, value in fit_params.items()}
        return {"estimator": estimator, "input": self._checksum(x), **({"fit_params": arrays} if arrays else {})}

    def _register(self, product: Any, own_s: float, upstream: Mapping[Any, float]) -> None:
        """Trace ``product`` (a fitted estimator or an array) to what it cost: itself and everything it was made from."""
        self._lineage[id(product)] = {**upstream, id(product): float(own_s)}
        self._products[id(product)] = product

    def _lineage_of(self, *values: Any) -> dict[Any, float]:
        """The union of the traced costs of ``values`` and of the estimators and arrays among their parameters."""
        lineage: dict[Any, float] = {}
        for value in values:
            lineage.update(self._lineage.get(id(value), {}))
            if hasattr(value, "get_params") and not isinstance(value, type):
                lineage.update(self._lineage_of(*value.get_params(deep=False).values()))
        return lineage

    def fit(self, name: str, estimator: Any, x: np.ndarray, **fit_params: Any) -> Any:
        """Fit ``estimator`` on ``x`` (in place), or load its fitted twin from the cache; timed as stage ``name``.

        The cache key is the estimator's class and parameters (a fitted
        estimator among them by its learnt state), the checksums of ``x`` and
        of array ``fit_params``, the run's seed and the training images'. The
        fitted estimator's cost (its fit time, plus that of what it was made
        from) is traced, so that every row built on it counts it once.

        Returns
        -------
        The fitted estimator: ``estimator`` itself, or the one loaded.
        """
        with self.stage(name):
            objects, info = self.cache.fetch(
                name, self._spec(self._key_parts(estimator, x, fit_params)), lambda: ({"estimator": estimator.fit(x, **fit_params)}, {})
            )
        fitted = objects["estimator"]
        self._register(fitted, info["fit_s"], self._lineage_of(estimator, *fit_params.values()))
        self._fits[id(fitted)] = (name, info)
        return fitted

    def fit_info(self, fitted: Any) -> dict[str, Any]:
        """What the cache says of an estimator :meth:`fit` or :meth:`run` gave: ``fit_s``, ``loaded``, ``path``."""
        if id(fitted) not in self._fits:
            raise ValueError("fitted: not an estimator this study fitted or loaded")
        return self._fits[id(fitted)][1]

    def compute(self, name: str, function: Callable[..., Any], *args: Any, record: bool = False, **kwargs: Any) -> Any:
        """``function(*args, **kwargs)``, cached under its arguments and traced like a fitted estimator; timed as stage ``name``.

        For a product that is not an estimator, such as a neighbour graph.
        With ``record`` the result is also stored in ``results[name]`` (as JSON holds it).
        """
        parts = {"args": [self._checksum(a) if isinstance(a, np.ndarray) else a for a in args],
                 **{k: self._checksum(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}}
        with self.stage(name):
            objects, info = self.cache.fetch(name, self._spec(parts), lambda: ({"value": function(*args, **kwargs)}, {}))
        value = objects["value"]
        self._register(value, info["fit_s"], self._lineage_of(*args, *kwargs.values()))
        if record:
            self.results[name] = json_value(value.tolist() if isinstance(value, np.ndarray) else value)
        return value

    def transform(self, transformer: Any, x: np.ndarray) -> np.ndarray:
        """``x`` through a fitted transformer or a pipeline of fitted ones, each output computed once per input and traced."""
        for step in flatten_steps(transformer):
            x = self._output(step, x)[0]
        return x

    def _output(self, fitted: Any, x: np.ndarray) -> tuple[np.ndarray, Any]:
        """A fitted step's output for ``x`` and the key its computation is traced under; computed once per input."""
        token = (id(fitted), self._checksum(x))
        if token not in self._outputs:
            if self._fitted_on.get(id(fitted)) == token[1] and hasattr(fitted, "embedding_"):
                output, seconds = fitted.embedding_, 0.0  # the embedding its fit made of these points (UMAP's transform differs)
            else:
                output, seconds = timed(fitted.transform, x)
            self._outputs[token] = np.asarray(output)
            self._register(self._outputs[token], seconds, {})
        return self._outputs[token], id(self._outputs[token])

    def fit_ahead(self, pipeline: Any, x_train: np.ndarray, x_test: np.ndarray) -> None:
        """Start fitting the last step of ``pipeline`` in a background process, if neither this run nor the cache holds it.

        Its earlier steps must be fitted. A later :meth:`run` whose pipeline
        has an equal step on the same rows collects it (waiting for it if need
        be), so a single-threaded step (a seeded UMAP) uses the core the
        notebook leaves idle while other cells run. The entry is named after
        the step's class, as :meth:`run` names it. See
        :meth:`ArtifactCache.fetch_in_background`.
        """
        *fitted_steps, step = flatten_steps(pipeline)
        for fitted in fitted_steps:
            x_train, x_test = self._output(fitted, x_train)[0], self._output(fitted, x_test)[0]
        name, spec = self._step_entry(step, x_train, x_test)
        key = self.cache.key(name, spec)
        if key not in self._steps:
            self._pending[key] = self.cache.fetch_in_background(name, spec, fit_step, clone(step), x_train, x_test)

    def _step_entry(self, step: Any, x_train: np.ndarray, x_test: np.ndarray) -> tuple[str, dict[str, Any]]:
        """The cache entry of a pipeline step before the last: its class's name, and a key of it and both its inputs."""
        return type(step).__name__.lower(), self._spec({**self._key_parts(step, x_train, {}), "test_input": self._checksum(x_test)})

    def _fit_step(self, step: Any, x_train: np.ndarray, x_test: np.ndarray, upstream: dict[Any, float]) -> tuple[Any, np.ndarray, np.ndarray]:
        """One step of a pipeline before the last: fitted or loaded (with its test output), then applied; its cost added to ``upstream``."""
        if is_fitted(step) or not needs_fit(step):
            fitted = step if is_fitted(step) else step.fit(x_train)
        else:
            fitted = self._fitted_step(step, x_train, x_test)
        upstream.update(self._lineage_of(fitted))
        (train_out, train_node), (test_out, test_node) = self._output(fitted, x_train), self._output(fitted, x_test)
        upstream.update(self._lineage[train_node])
        upstream.update(self._lineage[test_node])
        return fitted, train_out, test_out

    def _fitted_step(self, step: Any, x_train: np.ndarray, x_test: np.ndarray) -> Any:
        """An unfitted pipeline step fitted on ``x_train``: from earlier in this run, from a background fit, from the cache, or now."""
        name, spec = self._step_entry(step, x_train, x_test)
        key = self.cache.key(name, spec)
        if key in self._steps:  # an equal step on the same rows, fitted earlier in this run (Task 2's scaler, again)
            return self._steps[key]
        pending = self._pending.pop(key, None)
        # A copy is fitted, so that the pipeline given (and another that shares the step) is left as it was.
        objects, info = pending.result() if pending is not None else self.cache.fetch(name, spec, lambda: fit_step(clone(step), x_train, x_test))
        fitted = self._steps[key] = objects["estimator"]
        self._fitted_on[id(fitted)] = self._checksum(x_train)
        self._register(fitted, info["fit_s"], self._lineage_of(step))
        self._fits[id(fitted)] = (name, info)
        # Its test output was computed with the fit (in the background process, for a step fitted ahead).
        self._outputs[(id(fitted), self._checksum(x_test))] = objects["test_output"]
        self._register(objects["test_output"], 0.0, {})
        return fitted

    def run(
        self, key: str, label: str | Callable[[Any], str], estimator: Any, x_train: np.ndarray, x_test: np.ndarray,
        group: str = "assignment", **fit_params: Any,
    ) -> dict[str, Any]:
        """Fit or load a clusterer (or a pipeline ending in one), predict the test and validation images, score, print and record its row.

        A pipeline is fitted step by step, each step cached on its own, so a
        step two pipelines share (Task 2's and Task 3's autoencoder) is fitted
        once and its outputs computed once. The row's ``fit_s`` is the last
        step's fit; its ``representation_s`` the cost of everything before it
        (earlier steps, their outputs, and the fitted estimators or traced
        arrays among its parameters and ``fit_params``), each counted once.

        Parameters
        ----------
        key : str
            The row's key in results.json, and its cache entry's name.
        label : str or callable
            Its name in tables; a callable gets the fitted last step (so a
            label can say, for example, whether DEC converged).
        estimator : estimator or Pipeline
            The last step has ``fit`` and ``predict``.
        x_train, x_test : numpy.ndarray
            The training and test rows (images or features).
        group : {"assignment", "comparison", "beyond"}
        **fit_params
            Passed to the last step's ``fit`` (e.g. a neighbour graph); part of the key.

        Returns
        -------
        dict
            The recorded row (see :meth:`record`), with the fitted ``estimator``
            (the pipeline of fitted steps) and the test predictions ``y_pred``.
        """
        from sklearn.pipeline import make_pipeline

        *steps, last = flatten_steps(estimator)
        upstream: dict[Any, float] = {}
        with self.stage(key):
            fitted_steps = []
            for step in steps:
                fitted, x_train, x_test = self._fit_step(step, x_train, x_test, upstream)
                fitted_steps.append(fitted)
            objects, info = self.cache.fetch(
                key, self._spec(self._key_parts(last, x_train, fit_params)), lambda: ({"estimator": last.fit(x_train, **fit_params)}, {})
            )
            final = objects["estimator"]
            upstream.update(self._lineage_of(last, *fit_params.values()))
            self._register(final, info["fit_s"], upstream)
            self._fits[id(final)] = (key, info)
            y_pred, predict_s = timed(final.predict, x_test)
            features = final.transform(x_test) if clusters_in_transform(final) else x_test
            name = label(final) if callable(label) else label
            row = score_row(name, self.y_test, np.asarray(y_pred), features, info["fit_s"], predict_s)
        if hasattr(final, "lower_bound_"):  # fitted by EM: how many iterations, and whether it converged
            row.update(em_convergence(final))
        if self._validation is not None:
            labels = getattr(final, "labels_", None)
            own = labels is not None and len(labels) == len(x_train)
            row["validation"] = self._validation_scores(labels[self._validation] if own else final.predict(x_train[self._validation]))
        if hasattr(final, "head_probabilities"):  # an ensemble: each member's test accuracy, printed for reading only
            row["heads_test_acc"] = [cluster_accuracy(self.y_test, p.argmax(axis=1)) for p in final.head_probabilities(x_test)]
        row.update(params=describe_estimator(estimator), fitted=fitted_summary(final))
        representation_s = sum(cost for node, cost in upstream.items() if node != id(final))
        recorded = self.record(key, name, row, representation_s, group)
        recorded["estimator"] = make_pipeline(*fitted_steps, final) if fitted_steps else final
        return recorded

    def record(self, key: str, label: str, row: Mapping[str, Any], representation_s: float, group: str = "assignment") -> dict[str, Any]:
        """Store a method's scored row as ``results["methods"][key]`` and return it.

        Parameters
        ----------
        key : str
            The method's key in results.json (e.g. ``"ae_gmm"``).
        label : str
            Its name in tables.
        row : mapping
            Scores and times, as :func:`~helpers.study.evaluation.score_row` returns them.
        representation_s : float
            Time to compute the features it clusters (0 for raw pixels).
        group : {"assignment", "comparison", "beyond"}

        Raises
        ------
        ValueError
            For an unknown ``group`` or a ``key`` recorded before.
        """
        if group not in GROUPS:
            raise ValueError(f"group must be one of {GROUPS}, got {group!r}")
        if key in self.results["methods"]:
            raise ValueError(f"key: method {key!r} is recorded already")
        recorded = {"label": label, **row, "representation_s": float(representation_s)}
        if group != "assignment":
            recorded["group"] = group
        self.results["methods"][key] = recorded
        return recorded

    def _validation_scores(self, y_pred_validation: np.ndarray) -> dict[str, float]:
        if self._y_validation is None:
            raise ValueError("set_data was given no validation split")
        return evaluate(self._y_validation, y_pred_validation)

    def classify(self, key: str, label: str, classifier: Any, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> dict[str, Any]:
        """A supervised reference (it uses the training labels): fit or load, score, print; stored under ``results["supervised"]``."""
        fitted = self.fit(key, classifier, x_train, y=y_train)
        with self.stage("supervised"):
            row = score_classifier(label, fitted, x_test, self.y_test, self.fit_info(fitted)["fit_s"])
        self.results.setdefault("supervised", {})[key] = {"label": label, **row}
        return self.results["supervised"][key]

    # ----- the end of a run: results.json completed, written and published -----

    def summaries(self) -> dict[str, Any]:
        """The blocks of results.json that summarise particular methods, from their rows' fitted attributes.

        ``deep_clustering`` (DEC and IDEC: refreshes, passes, last change,
        whether the tolerance stopped them), ``scan_heads`` (an ensemble's
        member seeds, reference and test accuracies) and ``local_refinement``
        (the re-split steps), for each method that has one.
        """
        blocks: dict[str, Any] = {}
        for key, row in self.results["methods"].items():
            fitted, method = row.get("fitted", {}), row.get("params", {}).get("class")
            if method in ("DEC", "IDEC"):
                blocks.setdefault("deep_clustering", {})[key] = {
                    "iterations": fitted["n_iter"], "epochs": fitted["epochs"], "delta": fitted["delta"],
                    "converged": fitted["converged"], "fit_s": row["fit_s"],
                }
            if "heads_test_acc" in row:
                blocks["scan_heads"] = {
                    "seeds": fitted["head_seeds"], "chosen": fitted["reference_head"],
                    "mean_agreement": fitted["mean_agreement"] if len(fitted["head_seeds"]) > 1 else None, "test_acc": row["heads_test_acc"],
                }
            if "steps" in fitted:  # the re-splits' steps, without the cluster ids their replay needs
                blocks["local_refinement"] = [{k: v for k, v in step.items() if k != "ids"} for step in fitted["steps"]]
        return blocks

    def finish(
        self, outputs: Any, parameters: Any, started: float, environment: Mapping[str, Any], autoencoder: Any = None,
    ) -> list[Any]:
        """Complete ``results``, write results.json and the report's inputs into ``outputs``' staging folder, and publish them.

        Parameters
        ----------
        outputs : StagedOutputs
        parameters : StudyParameters
            As the run used them (after QUICK).
        started : float
            ``time.perf_counter()`` at the notebook's start, for ``total_s``.
        environment : mapping
            From :func:`~helpers.study.environment.environment_summary`.
        autoencoder : DenseAutoencoder, optional
            The assignment's autoencoder, described under ``"autoencoder"``.

        Returns
        -------
        list of pathlib.Path
            The files published.
        """
        import datetime
        import resource
        import time

        from ..publish.latex import write_report_inputs
        from ..metrics import SILHOUETTE_SAMPLE_SIZE
        from ..methods.networks import describe_layers
        from ..publish.reporting import write_results

        validation = self._validation
        self.results.update(
            protocol={
                "fit": f"the {self._n_train:,} training images, without labels",
                "validation": "none" if validation is None else (
                    f"training images {validation.start:,}-{validation.stop - 1:,} (the last {VALIDATION_FRACTION:.0%}): "
                    "their labels alone may judge a setting; every row's 'validation' scores"
                ),
                "test": f"the {len(self.y_test):,} test images: predicted and scored once, judging nothing",
            },
            created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            parameters={**parameters.recorded(), "silhouette_sample_size": SILHOUETTE_SAMPLE_SIZE, "n_train": self._n_train, "n_test": len(self.y_test)},
            **environment,
            **self.summaries(),
        )
        if autoencoder is not None:
            info = self.fit_info(autoencoder)
            self.results["autoencoder"] = {
                "epochs_run": autoencoder.n_iter_, "best_val_loss": min(autoencoder.history_["val_loss"]),
                "parameters": autoencoder.model_.count_params(), "layers": describe_layers(autoencoder.model_),
                "history": autoencoder.history_, "fit_s": info["fit_s"], "loaded_from_cache": info["loaded"],
            }
        self.results.update(
            cache={"directory": str(self.cache.directory), "retrain": self.cache.retrain, "loaded": self.cache.loaded, "trained": self.cache.trained},
            stages_s=self.stopwatch.seconds,
            total_s=time.perf_counter() - started,
            peak_memory_gib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,  # ru_maxrss is in KiB on Linux
        )
        write_results(self.results, outputs.path / "results.json")
        write_report_inputs(outputs.path / "results.json", outputs.path / "report")
        return outputs.publish()



def fit_step(step: Any, x_train: np.ndarray, x_test: np.ndarray) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit a pipeline step and transform the test rows with it (importable, so a background process can run it)."""
    step.fit(x_train)
    return {"estimator": step, "test_output": np.asarray(step.transform(x_test))}, {}
