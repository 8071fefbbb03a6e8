"""What both estimators share: hyperparameters, input checks and the training run.

A thin adapter: the network is a :class:`deeprecipe.nn.Network`, training is a
:class:`deeprecipe.train.Trainer` (with :class:`~deeprecipe.train.EarlyStopping` when asked),
inputs are normalized by a :class:`deeprecipe.data.Standardizer` fitted on the training rows
only; pickling and model files live in :mod:`deeprecipe.sklearn._persist`.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils.validation import validate_data

from deeprecipe._threads import using_threads
from deeprecipe._validation import missing_values
from deeprecipe.data import make_scaler
from deeprecipe.defaults import PATIENCE, SKLEARN_LEARNING_RATE, SKLEARN_MAX_EPOCHS
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.sklearn._fitted import require_fitted
from deeprecipe.sklearn._params import (
    SKLEARN_ACTIVATIONS,
    Settings,
    check_settings,
    one_name_per_setting,
    seed_sequence,
)
from deeprecipe.sklearn._persist import PersistenceMixin
from deeprecipe.sklearn._rules import SklearnRules, ValidationScores
from deeprecipe.task import Task
from deeprecipe.train import EarlyStopping, History, PublishEvents, Trainer, build_network

#: sparse inputs are densified up to this many entries (400 MB in float32); larger ones refused
MAX_DENSE_ENTRIES = 100_000_000


def _constructor_defaults() -> dict[str, Any]:
    """The estimators' parameters and their defaults, by name."""
    return {
        name: param.default
        for name, param in inspect.signature(DeepEstimatorBase.__init__).parameters.items()
    }


class DeepEstimatorBase(PersistenceMixin, BaseEstimator):
    """Shared machinery; use :class:`DeepClassifier` or :class:`DeepRegressor`."""

    #: regressors ask validate_data for numeric targets
    _is_regressor = False

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: str | tuple[str, ...] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str | None = "auto",
        learning_rate: str | float = "constant",
        learning_rate_init: float = SKLEARN_LEARNING_RATE,
        power_t: float = 0.5,
        max_iter: int = SKLEARN_MAX_EPOCHS,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = PATIENCE,
        nesterovs_momentum: bool = True,
        max_fun: int = 15000,
        init: str | None = None,
        keep_prob: float | tuple[float, ...] = 1.0,
        normalize: bool | str = True,
        dtype: str = "float32",
        l2: float | None = None,
        optimizer: str | None = None,
        max_epochs: int | None = None,
        patience: int | None = None,
        device: Any = None,
        backend: str | None = None,
        n_threads: int | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.nesterovs_momentum = nesterovs_momentum
        self.max_fun = max_fun
        self.init = init
        self.keep_prob = keep_prob
        self.normalize = normalize
        self.dtype = dtype
        self.l2 = l2
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.patience = patience
        self.device = device
        self.backend = backend
        self.n_threads = n_threads

    def set_params(self, **params: Any) -> DeepEstimatorBase:
        """scikit-learn's ``set_params``; a setting given by one of its two names (``alpha``
        or deeprecipe's earlier ``l2``, ...) resets the other, so the value set last trains
        (:func:`~deeprecipe.sklearn._params.one_name_per_setting`)."""
        current = self.get_params(deep=False)
        return super().set_params(**one_name_per_setting(params, current, _constructor_defaults()))

    # ----------------------------------------------------------------- subclass hooks
    def _prepare_targets(self, y: Any, *, continuing: bool, classes: Any) -> np.ndarray:
        """Validate ``y``; on a fresh fit also learn the target layout. Return network targets."""
        raise NotImplementedError

    def _output_spec(self) -> tuple[int, Task]:
        """(number of output units, the task) for the target layout learned from ``y``."""
        raise NotImplementedError

    def _stratify(self, targets: np.ndarray) -> np.ndarray | None:
        return None

    # ----------------------------------------------------------------- input checks
    def _validate(self, X: Any, y: Any = "no_validation", *, reset: bool) -> Any:
        """scikit-learn's ``validate_data`` (it records ``n_features_in_`` and
        ``feature_names_in_`` and checks them later), with errors re-raised as
        DeepRecipeError that say which estimator refused the input."""
        no_y = isinstance(y, str) and y == "no_validation"
        _refuse_text_columns(type(self).__name__, X)
        if not no_y:
            _refuse_bad_targets(type(self).__name__, y, regressor=self._is_regressor)
        targets = {} if no_y else {"multi_output": True, "y_numeric": self._is_regressor}
        with sklearn_errors(type(self).__name__):
            out = validate_data(
                self,
                X,
                y,
                reset=reset,
                accept_sparse=True,
                dtype=(np.float64, np.float32),
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
        """Normalize with the TRAINING statistics, then cast to the network's dtype: in that
        order, as :meth:`_logits` does, so that a feature far from zero (a timestamp near 1.7e9)
        is not rounded to a few float32 values before it is centred."""
        X = np.asarray(X)
        if self._scaler is not None:  # float32 input is centred as it is: nothing to lose
            exact = X.dtype.kind in "iu" or X.dtype == np.float64
            X = self._scaler.transform(X.astype(np.float64 if exact else self.network_.dtype))
        return X.astype(self.network_.dtype, copy=False)

    def _logits(self, X: Any) -> np.ndarray:
        """Validated, normalized ``X`` through the network (prediction mode), in float64, as
        a NumPy array whatever the network's device.

        The forward pass runs in float64 even for a float32 network (its weights are exact in
        float64): a float32 matrix product rounds differently for different row counts, and
        scikit-learn expects predictions not to depend on how the rows are batched. Off NumPy
        it runs on the network's device, through a float64 copy of it (PyTorch refuses to
        multiply float64 inputs by float32 weights).
        """
        require_fitted(self)
        X = np.asarray(self._validate(X, reset=False), dtype=np.float64)
        if self._scaler is not None:
            X = self._scaler.transform(X)
        net = self.network_
        if not net.backend.in_place and net.dtype != np.float64:
            net = net.copy(dtype=np.float64)
        with using_threads(self.n_threads):
            logits = net.forward(X, training=False)
        net.clear_cache()
        return np.asarray(net.backend.to_host(logits), dtype=np.float64)

    # ----------------------------------------------------------------- training
    def _settings(self) -> Settings:
        """The hyperparameters checked, with deeprecipe's earlier names resolved."""
        return check_settings(self.get_params(deep=False), _constructor_defaults())

    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None):
        settings = self._settings()
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
        if early_stopping:  # split first: the scalers must never see the dev rows
            X, targets, X_dev, y_dev = self._split_dev(X, targets, settings)
        if continuing:
            self._adapt_network(settings)
        else:
            self._start(X, settings)
        targets, y_dev = self._scale_targets(targets, y_dev, fresh=not continuing)
        if not incremental or getattr(self, "_optimizer", None) is None:
            self._optimizer = settings.optimizer()
        elif settings.learning_rate == "constant" or settings.solver == "adam":
            self._optimizer.learning_rate = settings.learning_rate_init
        X = self._inputs(X)
        rules = SklearnRules(
            settings, n_train=X.shape[0], t_start=self.t_, watch_cost=not early_stopping
        )
        epochs = 1 if incremental else settings.max_iter
        # the training's events reach logging.getLogger("deeprecipe") as every training's do
        callbacks: list = [rules, PublishEvents(epochs=epochs, label=type(self).__name__)]
        if early_stopping:
            X_dev = self._inputs(X_dev)
            scores = ValidationScores(self._score_logits, X_dev, y_dev)
            callbacks += [
                scores,
                EarlyStopping(
                    "dev_cost", patience=settings.n_iter_no_change, min_delta=settings.tol
                ),
            ]
        trainer = Trainer(
            self.network_,
            optimizer=self._optimizer,
            batch_size=settings.batch_size,
            seed=int(self._rng.integers(2**32)),
            callbacks=callbacks,
            metrics_every=1 if early_stopping else 0,
            shuffle=settings.shuffle,
            n_threads=settings.n_threads,
        )
        epochs_before = len(self.history_)  # every epoch so far, warm starts included
        trainer.history, trainer.epoch = self.history_, epochs_before
        message_before = self.history_.message
        with self._training_units(fresh=not continuing):
            trainer.fit(X, targets, epochs=epochs, X_dev=X_dev, y_dev=y_dev)
        ran = trainer.epoch - epochs_before
        # scikit-learn's n_iter_: the epochs of this fit (a warm start counts afresh), the
        # epochs of every call for partial_fit (one each)
        self.n_iter_ = self.n_iter_ + ran if incremental else ran
        self.t_ = rules.t
        self.loss_curve_ = list(self.history_.cost)
        if early_stopping:
            self._record_validation(scores.scores, epochs_before)
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self.best_loss_ = None if early_stopping else min(self.loss_curve_)
        history = self.history_
        if history.diverged and history.message != message_before:
            warnings.warn(history.message, ConvergenceWarning, stacklevel=3)
        elif (
            not incremental
            and ran == epochs
            and not rules.converged
            and not history.stopped_early
            and not history.diverged
        ):
            warnings.warn(
                f"{type(self).__name__}: max_iter={epochs} epochs ran and the training cost was "
                f"still falling by more than tol={settings.tol:g} (see loss_curve_); raise "
                "max_iter or learning_rate_init",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _record_validation(self, scores: list[float], epochs_before: int) -> None:
        """validation_scores_ for this fit; best_validation_score_ is the score of the epoch
        whose weights early stopping kept (the best dev cost J)."""
        self.validation_scores_ = scores
        best_epoch = self.history_.best_epoch
        index = None if best_epoch is None else best_epoch - epochs_before - 1
        self.best_validation_score_ = (
            scores[index] if index is not None and 0 <= index < len(scores) else None
        )

    def _scale_targets(self, targets, y_dev, *, fresh: bool):
        """Hook: the regressor standardizes its targets; classes pass through."""
        return targets, y_dev

    @contextlib.contextmanager
    def _training_units(self, *, fresh: bool) -> Iterator[None]:
        """Hook: the network in the units it trains in, for the duration of the training."""
        yield

    def _score_logits(self, logits: np.ndarray, targets: np.ndarray) -> float:
        """The estimator's ``score`` from network outputs and network targets."""
        raise NotImplementedError

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
        n_outputs, task = self._output_spec()
        self.network_ = build_network(
            settings.network_spec(),
            X.shape[1],
            n_outputs,
            task,
            seed=np.random.default_rng(init_seed),
            backend=settings.place,
        )
        self.history_ = History()
        self.n_iter_ = 0
        self.t_ = 0
        self._optimizer = None

    def _adapt_network(self, settings: Settings) -> None:
        """warm_start / partial_fit: keep the weights; take the new l2 and keep_prob. A new
        architecture, activation, dtype or normalization is refused (``init`` only shapes a
        fresh network, so it has nothing to change here)."""
        net = self.network_
        hidden = tuple(net.layer_sizes[1:-1])
        if hidden != settings.hidden_layer_sizes or settings.dtype != net.dtype.name:
            raise DeepRecipeError(
                f"hidden_layer_sizes={settings.hidden_layer_sizes} and dtype={settings.dtype!r} "
                f"differ from the fitted network's {hidden} and {net.dtype.name!r}; warm_start "
                "and partial_fit continue the same network (set warm_start=False to start over)"
            )

        def per_layer(value):
            return list(value) if isinstance(value, list) else [value] * len(hidden)

        scaler = None if self._scaler is None else self._scaler.kind
        for name, wanted, fitted in (
            ("activation", per_layer(settings.activation), net.activations),
            ("normalize", settings.normalize, scaler),
        ):
            if wanted != fitted:
                raise DeepRecipeError(
                    f"{name}={getattr(self, name)!r} differs from the fitted network's "
                    f"{fitted!r}; warm_start and partial_fit continue the same network (set "
                    "warm_start=False to start over)"
                )
        spec = settings.network_spec()
        net.set_regularization(l2=spec.l2, keep_prob=spec.keep_prob)
        if settings.place is not net.backend:
            self._move(settings.place)

    def _move(self, place: Any) -> None:
        """The network, and the optimizer's moments that ``partial_fit`` continues with, onto
        another backend or device (a changed ``device``/``backend`` before a continued fit)."""
        old = self.network_.backend
        self.network_ = self.network_.to(backend=place)
        if getattr(self, "_optimizer", None) is not None:
            state = self._optimizer.state_dict()  # moments come home; the next step moves them
            self._optimizer.load_state_dict(
                {k: old.to_host(v) if hasattr(v, "__dlpack__") else v for k, v in state.items()}
            )

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
            X,
            targets,
            test_size=n_dev,
            random_state=int(self._rng.integers(2**31)),
            stratify=stratify,
        )
        return X_train, t_train, X_dev, t_dev

    # ----------------------------------------------------------------- fitted state
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    @property
    def coefs_(self) -> list[np.ndarray]:
        """``coefs_[l]`` is ``W[l+1]``, shape (n[l], n[l+1]), float64 copies, in the data's own
        units: the input normalization is folded into ``coefs_[0]``/``intercepts_[0]``, so
        ``activation(... activation(X @ coefs_[0] + intercepts_[0]) ...)`` with
        ``out_activation_`` on the last layer gives ``predict_proba``/``predict`` exactly as
        scikit-learn's MLP does. The weights as trained are ``network_``'s."""
        return self._layers_in_data_units()[0]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """``intercepts_[l]`` is ``b[l+1]``, shape (n[l+1],), float64, in the data's own units
        (see ``coefs_``)."""
        return self._layers_in_data_units()[1]

    @property
    def n_layers_(self) -> int:
        """Layers counted as scikit-learn does: input, hidden layers and output."""
        require_fitted(self)
        return len(self.network_.layer_sizes)

    @property
    def n_outputs_(self) -> int:
        require_fitted(self)
        return int(self.network_.layer_sizes[-1])

    @property
    def loss_(self) -> float:
        """The last epoch's cost, ``loss_curve_[-1]``, as scikit-learn's MLP gives it."""
        require_fitted(self)
        return self.loss_curve_[-1]

    @property
    def out_activation_(self) -> str:
        """scikit-learn's name of the output activation: 'logistic', 'softmax' or 'identity'."""
        require_fitted(self)
        activation = self.network_.loss.output_activation
        ours = {name: sklearn for sklearn, name in SKLEARN_ACTIVATIONS.items()}
        return ours.get(activation, activation)

    def _layers_in_data_units(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The network's layers in float64 with the input scaler ``x' = gain * x + shift``
        folded into the first: ``W[1] := gain[:, None] * W[1]``, ``b[1] := b[1] + shift W[1]``."""
        require_fitted(self)
        weights = self.network_.get_weights()  # NumPy copies, from any device
        n_layers = len(self.network_.layers)
        coefs = [np.array(weights[f"W{i}"], dtype=np.float64) for i in range(1, n_layers + 1)]
        intercepts = [
            np.array(weights[f"b{i}"], dtype=np.float64).reshape(-1) for i in range(1, n_layers + 1)
        ]
        if self._scaler is not None:
            n = coefs[0].shape[0]
            shift = np.asarray(self._scaler.transform(np.zeros((1, n))), dtype=np.float64)[0]
            gain = np.asarray(self._scaler.transform(np.ones((1, n))), dtype=np.float64)[0]
            gain -= shift
            intercepts[0] = intercepts[0] + shift @ coefs[0]
            coefs[0] = gain[:, None] * coefs[0]
        return coefs, intercepts


def _refuse_text_columns(where: str, X: Any) -> None:
    """A DataFrame's text columns, named ("could not convert string to float: 'no'" named
    none): an estimator takes numbers, as scikit-learn's do."""
    from deeprecipe.data.columns import dates_advice
    from deeprecipe.data.parts import is_frame

    if not is_frame(X):
        return
    kinds = {str(c): getattr(dtype, "kind", "O") for c, dtype in X.dtypes.items()}
    dates = [c for c, kind in kinds.items() if kind in "Mm"]
    if dates:
        raise DeepRecipeError(
            f"{where}: X has date or duration columns {dates[:5]}; accepted: numbers only, "
            f"as scikit-learn's estimators take them: {dates_advice(dates[0], 'X')}"
        )
    text = [c for c, kind in kinds.items() if kind not in "biuf"]
    if text:
        raise DeepRecipeError(
            f"{where}: X has text or category columns {text[:5]}"
            f"{' ...' if len(text) > 5 else ''}; "
            "accepted: numbers only, as scikit-learn's estimators take them: encode the text "
            "first (a Pipeline with a ColumnTransformer and OneHotEncoder), or read the frame "
            "with deeprecipe.data.from_frame, which one-hot encodes it as deeprecipe.Recipe does"
        )


def _refuse_bad_targets(where: str, y: Any, *, regressor: bool) -> None:
    """Targets scikit-learn's checks refuse in their own words ("Unknown label type:
    unknown", "could not convert string to float"), named by row: a missing label, or text
    given to a regressor."""
    try:
        values = np.asarray(y)
    except (TypeError, ValueError):
        return  # ragged: scikit-learn's check says so
    if y is None or values.ndim == 0 or values.dtype.kind not in "OUS":
        return  # no targets, or numbers (a NaN among floats scikit-learn names itself)
    flat = values.reshape(len(values), -1)
    gaps = missing_values(flat)
    if gaps.any():
        row, column = (int(i) for i in np.argwhere(gaps)[0])
        raise DeepRecipeError(
            f"{where}: y has a missing {'target' if regressor else 'label'} "
            f"({flat[row, column]!r} in row {row}); accepted: one per row: leave the rows "
            "without one out of X and y"
        )
    if not regressor:
        return
    try:  # numbers written as text ('1.5') read as numbers, in one pass
        flat.astype(np.float64)
        return
    except (TypeError, ValueError):
        pass
    for row, entry in ((i, v) for i, cells in enumerate(flat) for v in cells):
        try:  # the first cell that is not a number, named
            float(entry)
        except (TypeError, ValueError):
            raise DeepRecipeError(
                f"{where}: y holds text ({str(entry)!r} in row {row}); accepted: numbers, one "
                "target per row (labels go to DeepClassifier)"
            ) from None


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
