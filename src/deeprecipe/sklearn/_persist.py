"""Persistence for the estimators: pickle, and deeprecipe's safe model files (no pickle).

Pickling stores the network as (config, theta, random state, backend and device): the
network's own ``__reduce__``, because its ``W``/``b`` are views into one flat vector, a link
that pickling the arrays one by one would break. ``save``/``load`` go through
:func:`deeprecipe.io.save_model`/:func:`deeprecipe.io.load_model`, with the estimator's
hyperparameters (``device`` and ``backend`` among them), ``n_iter_`` and ``history_`` in the
file's JSON metadata; the weights come to the host to be written, from any device.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError
from deeprecipe.io import load_model, save_model
from deeprecipe.nn import Network
from deeprecipe.sklearn._fitted import require_fitted
from deeprecipe.sklearn._params import check_place, seed_sequence
from deeprecipe.train import History
from deeprecipe.train.targets import TARGET_SCALE

#: the estimator that wrote a model file, by the name stored in its metadata
ESTIMATOR_KEY = "sklearn_estimator"


class PersistenceMixin:
    """``save``/``load`` and pickling for :class:`DeepEstimatorBase`."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Pickles from before the network pickled itself hold it as a dict (on NumPy)."""
        net = state.get("network_")
        if isinstance(net, dict):
            network = Network.from_config(net["config"], seed=0)
            network.theta[...] = net["theta"]
            network.rng.bit_generator.state = net["rng_state"]
            state = {**state, "network_": network}
        super().__setstate__(state)

    def _json_params(self) -> dict[str, Any]:
        params = self.get_params(deep=False)
        random_state = params["random_state"]
        if not isinstance(random_state, (int, np.integer)) or isinstance(random_state, bool):
            params["random_state"] = None
        params["dtype"] = self.network_.dtype.name
        return json.loads(json.dumps(params, default=_jsonable))

    def _target_metadata(self) -> dict[str, Any]:
        return {}

    def _restore_targets(self, model: Any, info: dict[str, Any]) -> None:
        pass

    @classmethod
    def _targets_from_network(cls, model: Any, source: Any) -> dict[str, Any]:
        """The target layout of a model file that carries no estimator metadata."""
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> Path:
        """Write this fitted estimator to a deeprecipe model file (safetensors + JSON; no pickle).

        The file holds the weights, the input scaler, the classes, the feature names, and as
        metadata the hyperparameters, ``n_iter_``, ``t_``, the validation scores and ``history_``.
        :meth:`load` reads it back;
        ``deeprecipe.io.load_model`` reads it as a plain :class:`deeprecipe.model.Model`.
        """
        require_fitted(self)
        classes = getattr(self, "classes_", None)
        metadata = {
            ESTIMATOR_KEY: {
                "class": type(self).__name__,
                "params": self._json_params(),
                "n_iter": int(self.n_iter_),
                "t": int(self.t_),
                "validation_scores": self.validation_scores_,
                "best_validation_score": self.best_validation_score_,
                "history": self.history_.to_dict(),
                **self._target_metadata(),
            }
        }
        return save_model(
            path,
            self.network_,
            scaler=self._scaler,
            classes=None if classes is None else list(classes),
            feature_names=getattr(self, "feature_names_in_", None),
            metadata=metadata,
        )

    @classmethod
    def load(cls, path: str | os.PathLike, *, backend: str | None = None, device: Any = None):
        """Read an estimator written by :meth:`save`; it predicts exactly as the saved one did.

        Any other deeprecipe model file (from ``deeprecipe.io.save_model`` or the command
        line) loads too: the hyperparameters and targets are then read off the network, and
        ``history_`` is empty. The optimizer's moment estimates are never stored: further
        ``partial_fit`` or warm-started ``fit`` calls begin a fresh optimizer.

        The network lands where the saved ``backend``/``device`` say (NumPy for a plain model
        file); ``backend=``/``device=``, when either is given, replace both (a model trained on
        a GPU, loaded on a laptop: ``load(path, device="cpu")``).
        """
        return cls.from_model(load_model(path), backend=backend, device=device, source=path)

    @classmethod
    def from_model(
        cls, model: Any, *, backend: str | None = None, device: Any = None, source: Any = None
    ):
        """A fitted estimator around a :class:`~deeprecipe.model.Model` (a recipe's
        ``result.model``, a loaded model file): it predicts as the model does on numeric
        inputs, and its parameters are the network's and the training it was chosen with, so
        ``clone`` and ``cross_val_score`` refit the recipe's choice the scikit-learn way.

        A model that reads raw frames (a recipe run on a DataFrame with text columns or gaps:
        text one-hot encoded, gaps imputed) gives an estimator of the ENCODED columns, its
        ``feature_names_in_``, as scikit-learn's estimators take numbers only; a warning says
        so. Encode first (a ColumnTransformer in a Pipeline), or predict raw frames with the
        model itself."""
        source = "the model" if source is None else source
        metadata = model.metadata if isinstance(model.metadata, dict) else {}
        if metadata.get("schema"):
            warnings.warn(
                f"{source} reads raw frames (text one-hot encoded"
                f"{', gaps imputed' if metadata.get('imputer') else ''}) but {cls.__name__} "
                f"takes numbers only: it predicts and refits on the encoded columns "
                f"({', '.join(map(str, (model.feature_names or [])[:4]))}, ...): put a "
                "ColumnTransformer with a OneHotEncoder before it in a Pipeline to refit it on "
                "frames; the model itself predicts raw frames",
                UserWarning,
                stacklevel=2,
            )
        info = model.metadata.get(ESTIMATOR_KEY) if isinstance(model.metadata, dict) else None
        if info is None:
            info = {**_info_from_network(model), **cls._targets_from_network(model, source)}
        if not isinstance(info, dict) or info.get("class") not in (None, cls.__name__):
            found = info.get("class") if isinstance(info, dict) else "no estimator"
            raise DeepRecipeError(
                f"{source} holds a {found!r}; {cls.__name__} accepts files written by "
                f"{cls.__name__}.save or plain deeprecipe models"
            )
        params = dict(info["params"])
        for key in ("hidden_layer_sizes", "activation", "keep_prob"):
            if isinstance(params.get(key), list):
                params[key] = tuple(params[key])
        if backend is not None or device is not None:
            params["backend"], params["device"] = backend, device
        estimator = cls(**params)
        place = check_place(estimator.backend, estimator.device)
        network = model.network
        # its own copy: training the estimator leaves the model (a recipe's result) as it was
        estimator.network_ = (
            network.copy() if network.backend is place else network.to(backend=place)
        )
        estimator._scaler = model.scaler
        estimator.n_features_in_ = model.network.layer_sizes[0]
        if model.feature_names is not None:
            estimator.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        estimator.history_ = History.from_dict(info["history"])
        estimator.n_iter_ = int(info["n_iter"])
        estimator.t_ = int(info.get("t", 0))  # samples seen; files before t_ say 0
        estimator.loss_curve_ = list(estimator.history_.cost)
        estimator.validation_scores_ = info.get("validation_scores")
        estimator.best_validation_score_ = info.get("best_validation_score")
        early = estimator.validation_scores_ is not None
        curve = estimator.loss_curve_
        estimator.best_loss_ = min(curve) if curve and not early else None
        estimator._restore_targets(model, info)
        estimator._rng = np.random.default_rng(seed_sequence(estimator.random_state))
        estimator._optimizer = None
        return estimator


def _info_from_network(model: Any) -> dict[str, Any]:
    """Hyperparameters read off a bare network (a file not written by an estimator)."""
    config = model.network.config
    activations, keep_probs = config["activation"], config["keep_prob"]
    params = {
        "hidden_layer_sizes": tuple(config["layer_sizes"][1:-1]),
        "activation": activations[0] if len(set(activations)) == 1 else tuple(activations),
        "init": config["init"],
        "alpha": config["l2"],
        "keep_prob": keep_probs[0] if len(set(keep_probs)) == 1 else tuple(keep_probs),
        "normalize": False if model.scaler is None else model.scaler.kind,
        "dtype": config["dtype"],
    }
    if not activations:  # no hidden layer: keep the defaults
        del params["activation"], params["keep_prob"]
    metadata = model.metadata if isinstance(model.metadata, dict) else {}
    # a regression's training settings were chosen for standardized targets: a file without
    # the scale (an older one) continues on raw targets, where they would mean something else
    if model.network.task.is_classifier or metadata.get(TARGET_SCALE) is not None:
        params.update(_training_of(metadata))
    return {"params": params, "n_iter": 0, "history": History().to_dict()}


def _training_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """How the file's network was trained, where its metadata says (the recipe's chosen spec,
    ``deeprecipe train``'s options), in the estimator's names: a refit or a warm start then
    trains as it was trained, not with MLPClassifier's defaults (Adam at 1e-3, batch 200).
    Early stopping carries over as the estimator's (on a share of the training rows, not the
    recipe's dev set); augmentation has no estimator parameter and does not."""
    recipe = metadata.get("recipe_final") or (metadata.get("recipe") or {}).get("final") or {}
    spec = recipe.get("spec") if isinstance(recipe, dict) else None
    if not isinstance(spec, dict):
        spec = metadata.get("config") if isinstance(metadata.get("config"), dict) else {}
    names = {"optimizer": "solver", "learning_rate": "learning_rate_init",
             "batch_size": "batch_size", "epochs": "max_iter"}  # fmt: skip
    params = {ours: spec[theirs] for theirs, ours in names.items() if theirs in spec}
    stopping = spec.get("early_stopping")
    if isinstance(stopping, dict) and "patience" in stopping:  # on a held-out share, as MLP's
        params.update(early_stopping=True, n_iter_no_change=stopping["patience"])
    return params


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, type):
        return np.dtype(value).name
    return str(value)
