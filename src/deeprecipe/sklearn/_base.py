"""What both estimators share: input checks, the training run, pickling and model files.

A thin adapter: the network is a :class:`deeprecipe.nn.Network`, training is a
:class:`deeprecipe.train.Trainer` (with :class:`~deeprecipe.train.EarlyStopping` when asked),
inputs are normalized by a :class:`deeprecipe.data.Standardizer` fitted on the training rows
only, and model files go through :func:`deeprecipe.io.save_model`.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import check_is_fitted, validate_data

from deeprecipe.data import make_scaler
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.io import load_model, save_model
from deeprecipe.nn import Network
from deeprecipe.sklearn._params import Settings, check_settings, seed_sequence
from deeprecipe.train import EarlyStopping, History, Trainer, get_optimizer

#: sparse inputs are densified up to this many entries (400 MB in float32); larger ones refused
MAX_DENSE_ENTRIES = 100_000_000

#: the estimator that wrote a model file, by the name stored in its metadata
ESTIMATOR_KEY = "sklearn_estimator"


class DeepEstimatorBase(BaseEstimator):
    """Shared machinery; use :class:`DeepClassifier` or :class:`DeepRegressor`."""

    #: regressors ask validate_data for numeric targets
    _is_regressor = False

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        *,
        activation: str | tuple[str, ...] = "relu",
        init: str | None = None,
        l2: float = 1e-4,
        keep_prob: float | tuple[float, ...] = 1.0,
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        batch_size: int | None = 200,
        max_epochs: int = 200,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        normalize: bool | str = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        dtype: str = "float32",
        warm_start: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.l2 = l2
        self.keep_prob = keep_prob
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.normalize = normalize
        self.random_state = random_state
        self.dtype = dtype
        self.warm_start = warm_start

    # ----------------------------------------------------------------- subclass hooks
    def _prepare_targets(self, y: Any, *, continuing: bool, classes: Any) -> np.ndarray:
        """Validate ``y``; on a fresh fit also learn the target layout. Return network targets."""
        raise NotImplementedError

    def _output_spec(self) -> tuple[int, str]:
        """(number of output units, loss name) for the target layout learned from ``y``."""
        raise NotImplementedError

    def _stratify(self, targets: np.ndarray) -> np.ndarray | None:
        return None

    # ----------------------------------------------------------------- input checks
    def _validate(self, X: Any, y: Any = "no_validation", *, reset: bool) -> Any:
        """scikit-learn's ``validate_data`` (it records ``n_features_in_`` and
        ``feature_names_in_`` and checks them later), with errors re-raised as
        DeepRecipeError that say which estimator refused the input."""
        no_y = isinstance(y, str) and y == "no_validation"
        targets = {} if no_y else {"multi_output": True, "y_numeric": self._is_regressor}
        with sklearn_errors(type(self).__name__):
            out = validate_data(
                self, X, y, reset=reset, accept_sparse=True, dtype=(np.float64, np.float32),
                **targets,
            )
        if no_y:
            return self._densify(out)
        X, y = out
        if sp.issparse(y):
            y = y.toarray()
        return self._densify(X), y

    def _densify(self, X: Any) -> np.ndarray:
        if not sp.issparse(X):
            return X
        entries = X.shape[0] * X.shape[1]
        if entries > MAX_DENSE_ENTRIES:
            raise DeepRecipeError(
                f"X is sparse with shape {X.shape} ({entries:,} entries when dense); "
                f"{type(self).__name__} densifies sparse input up to {MAX_DENSE_ENTRIES:,} "
                "entries; reduce the features (e.g. TruncatedSVD) or feed dense batches to "
                "partial_fit"
            )
        return X.toarray()

    def _inputs(self, X: np.ndarray) -> np.ndarray:
        """Cast to the network's dtype and normalize with the TRAINING statistics."""
        X = np.asarray(X).astype(self.network_.dtype, copy=False)
        return X if self._scaler is None else self._scaler.transform(X)

    def _logits(self, X: Any) -> np.ndarray:
        """Validated, normalized ``X`` through the network (prediction mode), in float64.

        The forward pass runs in float64 even for a float32 network (its weights are exact in
        float64): a float32 matrix product rounds differently for different row counts, and
        scikit-learn expects predictions not to depend on how the rows are batched.
        """
        check_is_fitted(self, "network_")
        X = np.asarray(self._validate(X, reset=False), dtype=np.float64)
        if self._scaler is not None:
            X = self._scaler.transform(X)
        logits = self.network_.forward(X, training=False)
        self.network_.clear_cache()
        return np.asarray(logits, dtype=np.float64)

    # ----------------------------------------------------------------- training
    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None):
        settings = check_settings(self.get_params(deep=False))
        fitted = hasattr(self, "network_")
        continuing = fitted and (incremental or settings.warm_start)
        if not continuing:
            self._forget_fit()  # a fit that fails leaves an unfitted estimator, not a mix
        X, y = self._validate(X, y, reset=not continuing)
        with sklearn_errors(type(self).__name__):
            targets = self._prepare_targets(y, continuing=continuing, classes=classes)
        if not continuing:
            self._rng = np.random.default_rng(seed_sequence(self.random_state))
        early_stopping = settings.early_stopping and not incremental
        X_dev = y_dev = None
        if early_stopping:  # split first: the scaler must never see the dev rows
            X, targets, X_dev, y_dev = self._split_dev(X, targets, settings)
        if continuing:
            self._adapt_network(settings)
        else:
            self._start(X, settings)
        if not incremental or getattr(self, "_optimizer", None) is None:
            self._optimizer = get_optimizer(settings.optimizer, settings.learning_rate)
        else:
            self._optimizer.learning_rate = settings.learning_rate
        X = self._inputs(X)
        if early_stopping:
            X_dev = self._inputs(X_dev)
        trainer = Trainer(
            self.network_,
            optimizer=self._optimizer,
            batch_size=settings.batch_size,
            seed=int(self._rng.integers(2**32)),
            callbacks=[EarlyStopping("dev_cost", patience=settings.patience)]
            if early_stopping
            else (),
            metrics_every=1 if early_stopping else 0,
        )
        trainer.history, trainer.epoch = self.history_, self.n_iter_
        message_before = self.history_.message
        trainer.fit(X, targets, epochs=1 if incremental else settings.max_epochs,
                    X_dev=X_dev, y_dev=y_dev)
        self.n_iter_ = trainer.epoch
        self.loss_curve_ = list(self.history_.cost)
        if self.history_.diverged and self.history_.message != message_before:
            warnings.warn(self.history_.message, ConvergenceWarning, stacklevel=3)
        return self

    def _forget_fit(self) -> None:
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)
        for name in ("_rng", "_scaler", "_optimizer"):
            self.__dict__.pop(name, None)

    def _start(self, X: np.ndarray, settings: Settings) -> None:
        """A fresh fit: scaler fitted on the training rows only, new network."""
        init_seed = self._rng.integers(2**63)
        scaler = make_scaler(settings.normalize)
        self._scaler = None if scaler is None else scaler.fit(X)
        n_outputs, loss = self._output_spec()
        self.network_ = Network(
            [X.shape[1], *settings.hidden_layer_sizes, n_outputs],
            activation=settings.activation,
            loss=loss,
            init=settings.init,
            keep_prob=settings.keep_prob,
            l2=settings.l2,
            dtype=settings.dtype,
            seed=np.random.default_rng(init_seed),
        )
        self.history_ = History()
        self.n_iter_ = 0
        self._optimizer = None

    def _adapt_network(self, settings: Settings) -> None:
        """warm_start / partial_fit: keep the weights; take the new l2 and keep_prob."""
        net = self.network_
        hidden = tuple(net.layer_sizes[1:-1])
        if hidden != settings.hidden_layer_sizes or settings.dtype != net.dtype.name:
            raise DeepRecipeError(
                f"hidden_layer_sizes={settings.hidden_layer_sizes} and dtype={settings.dtype!r} "
                f"differ from the fitted network's {hidden} and {net.dtype.name!r}; warm_start "
                "and partial_fit continue the same network (set warm_start=False to start over)"
            )
        net.l2 = settings.l2
        keep = settings.keep_prob
        keep_probs = list(keep) if isinstance(keep, list) else [keep] * len(hidden)
        net.keep_probs = keep_probs
        for layer, k in zip(net.layers[:-1], keep_probs):
            layer.keep_prob = float(k)

    def _split_dev(self, X, targets, settings: Settings):
        """Hold out ``validation_fraction`` of the rows (stratified for classes when every class
        has two examples) as the dev set that early stopping watches."""
        from sklearn.model_selection import train_test_split

        m = X.shape[0]
        n_dev = int(np.ceil(settings.validation_fraction * m))
        if m < 2 or n_dev >= m:
            raise DeepRecipeError(
                f"early_stopping holds out validation_fraction={settings.validation_fraction} of "
                f"{m} sample(s), which leaves no training or no dev examples; give more samples "
                "or set early_stopping=False"
            )
        stratify = self._stratify(targets)
        if stratify is not None:
            counts = np.bincount(stratify)
            n_classes = np.count_nonzero(counts)
            if counts[counts > 0].min() < 2 or min(n_dev, m - n_dev) < n_classes:
                stratify = None
        X_train, X_dev, t_train, t_dev = train_test_split(
            X, targets, test_size=n_dev, random_state=int(self._rng.integers(2**31)),
            stratify=stratify,
        )
        return X_train, t_train, X_dev, t_dev

    # ----------------------------------------------------------------- fitted state
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the network as (config, theta, random state): its ``W``/``b`` are views into
        one flat vector, a link that pickling the arrays one by one would break."""
        state = dict(super().__getstate__())
        net = state.get("network_")
        if isinstance(net, Network):
            state["network_"] = {
                "config": net.config,
                "theta": net.theta.copy(),
                "rng_state": net.rng.bit_generator.state,
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        net = state.get("network_")
        if isinstance(net, dict):
            network = Network.from_config(net["config"], seed=0)
            network.theta[...] = net["theta"]
            network.rng.bit_generator.state = net["rng_state"]
            state = {**state, "network_": network}
        super().__setstate__(state)

    # ----------------------------------------------------------------- model files
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
        metadata the hyperparameters, ``n_iter_`` and ``history_``. :meth:`load` reads it back;
        ``deeprecipe.io.load_model`` reads it as a plain :class:`deeprecipe.model.Model`.
        """
        check_is_fitted(self, "network_")
        classes = getattr(self, "classes_", None)
        metadata = {
            ESTIMATOR_KEY: {
                "class": type(self).__name__,
                "params": self._json_params(),
                "n_iter": int(self.n_iter_),
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
    def load(cls, path: str | os.PathLike):
        """Read an estimator written by :meth:`save`; it predicts exactly as the saved one did.

        Any other deeprecipe model file (from ``deeprecipe.io.save_model`` or the command
        line) loads too: the hyperparameters and targets are then read off the network, and
        ``history_`` is empty. The optimizer's moment estimates are never stored: further
        ``partial_fit`` or warm-started ``fit`` calls begin a fresh optimizer.
        """
        model = load_model(path)
        info = model.metadata.get(ESTIMATOR_KEY) if isinstance(model.metadata, dict) else None
        if info is None:
            info = {**_info_from_network(model), **cls._targets_from_network(model, path)}
        if not isinstance(info, dict) or info.get("class") not in (None, cls.__name__):
            found = info.get("class") if isinstance(info, dict) else "no estimator"
            raise DeepRecipeError(
                f"{path} holds a {found!r}; {cls.__name__}.load accepts files written by "
                f"{cls.__name__}.save or plain deeprecipe model files"
            )
        params = dict(info["params"])
        for key in ("hidden_layer_sizes", "activation", "keep_prob"):
            if isinstance(params.get(key), list):
                params[key] = tuple(params[key])
        estimator = cls(**params)
        estimator.network_ = model.network
        estimator._scaler = model.scaler
        estimator.n_features_in_ = model.network.layer_sizes[0]
        if model.feature_names is not None:
            estimator.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        estimator.history_ = History.from_dict(info["history"])
        estimator.n_iter_ = int(info["n_iter"])
        estimator.loss_curve_ = list(estimator.history_.cost)
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
        "l2": config["l2"],
        "keep_prob": keep_probs[0] if len(set(keep_probs)) == 1 else tuple(keep_probs),
        "normalize": False if model.scaler is None else model.scaler.kind,
        "dtype": config["dtype"],
    }
    if not activations:  # no hidden layer: keep the defaults
        del params["activation"], params["keep_prob"]
    return {"params": params, "n_iter": 0, "history": History().to_dict()}


@contextlib.contextmanager
def sklearn_errors(where: str) -> Iterator[None]:
    """Re-raise scikit-learn's ValueError/TypeError as DeepRecipeError (same message, prefixed
    with the estimator's name); NotFittedError and our own errors pass through unchanged."""
    try:
        yield
    except (NotFittedError, DeepRecipeError):
        raise
    except TypeError as exc:
        raise DeepRecipeTypeError(f"{where}: {exc}") from exc
    except ValueError as exc:
        raise DeepRecipeError(f"{where}: {exc}") from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, type):
        return np.dtype(value).name
    return str(value)
