"""A trained network bundled with what it needs to read raw inputs: the imputer and the input
scaler fitted on the training set, the class labels, and the feature names."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deeprecipe._validation import check_array
from deeprecipe.data.parts import (
    as_pandas,
    check_frame,
    columns_by_name,
    encode_by_schema,
    flat_images,
    is_frame,
)
from deeprecipe.errors import DeepRecipeError, DeepRecipeTypeError
from deeprecipe.nn.network import Network

#: a raw value this many training spreads (standard deviations, or min-max ranges) from the
#: training values is far outside what the network learned from
FAR_SPREADS = 10.0
#: rows a Model predicts at a time
PREDICT_CHUNK_ROWS = 8192


@dataclass
class Model:
    """``predict`` on raw inputs: scale with the TRAIN statistics, run the network, map labels.

    ``scaler`` is any object with ``transform(X)`` (a fitted ``Standardizer`` or
    ``MinMaxScaler``), or None when inputs were not normalized. A model trained on a table
    file with missing values imputed carries the imputer's state in ``metadata["imputer"]``
    (JSON, see :class:`~deeprecipe.data.impute.Imputer`): NaN cells of raw inputs are then
    filled with the TRAINING statistics (and its indicator columns appended) first.
    """

    network: Network
    scaler: Any = None
    classes: Sequence[Any] | None = None
    feature_names: Sequence[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict, repr=False)  # can hold a history

    @property
    def n_raw_features(self) -> int:
        """Columns of a raw input row: the network's inputs less the imputer's indicators."""
        state = (self.metadata or {}).get("imputer") or {}
        return self.network.layer_sizes[0] - len(state.get("indicators", []))

    def inputs(self, X: Any) -> np.ndarray:
        """The network's inputs for raw rows: imputed, checked, scaled (TRAIN statistics)."""
        state = (self.metadata or {}).get("imputer")
        try:  # gaps are the imputer's to fill, or refused by the network's check
            X = check_array("X", self.network.fetched(X), ndim=2, finite=False)
        except DeepRecipeTypeError as exc:
            raise DeepRecipeTypeError(f"{exc}{self._columns_hint()}") from None
        if state:
            from deeprecipe.data.impute import Imputer

            if X.shape[1] != self.n_raw_features:
                raise DeepRecipeError(
                    f"X has {X.shape[1]} columns (shape {X.shape}); this model reads "
                    f"{self.n_raw_features}{self._columns_hint()}"
                )
            X = Imputer.from_dict(state).transform(X.astype(np.float64, copy=False))
        X = self.network.check_inputs(X)
        return X if self.scaler is None else self.scaler.transform(X).astype(X.dtype, copy=False)

    def _columns_hint(self) -> str:
        """What to give instead of an array that does not fit: the training table's raw
        columns as a DataFrame, when the model was trained on one."""
        raw = self._table_columns()
        if not raw:
            return ""
        return f", or a DataFrame with the training columns {raw[:5]}" + (
            " ..." if len(raw) > 5 else ""
        )

    def _table_columns(self) -> list[str]:
        """The raw columns of the table the model was trained on (a text column once, before
        its one-hot encoding); empty without one."""
        schema = (self.metadata or {}).get("schema")
        if not schema:
            return []
        from deeprecipe.data.schema import TableSchema

        return [spec.name for spec in TableSchema.from_dict(schema).features]

    def far_from_training(self, X: Any) -> str | None:
        """A sentence on the rows of ``X`` (a 2-D array of raw rows) holding a value more than
        :data:`FAR_SPREADS` training spreads from the training values (standard deviations,
        or the min-max range), where a prediction extrapolates (a 58.9-carat diamond, a typo
        for 0.589, was priced at -$834 without a word); None when there are none."""
        if self.scaler is None:
            return None
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_raw_features or not len(X):
            return None
        # the inputs as the network sees them (imputed, scaled), less the imputer's indicators
        scaled = np.abs(np.asarray(self.inputs(X), dtype=np.float64)[:, : X.shape[1]])
        far = scaled > FAR_SPREADS
        rows = np.flatnonzero(far.any(axis=1))
        if not len(rows):
            return None
        r, c = np.unravel_index(int(np.argmax(np.where(far, scaled, 0.0))), far.shape)
        names = list(self.feature_names or [])
        column = names[c] if c < len(names) else f"column {c}"
        return (
            f"{len(rows)} row(s) hold a value more than {FAR_SPREADS:g} training spreads from "
            f"what training saw (e.g. row {r}: {column} = {X[r, c]:.6g}): their predictions "
            "extrapolate; check those values"
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for raw inputs, one column per class in the order of
        ``classes``, as scikit-learn's classifiers give them: a binary network's sigmoid ``p``
        reads as ``[1 - p, p]``. (``network.predict_proba`` gives the output layer as it is.)"""
        task = self.network.task
        return self._in_chunks(X, lambda x: task.class_probabilities(self.network.predict_proba(x)))

    def _in_chunks(self, X: Any, run: Any) -> np.ndarray:
        """``run`` on the network inputs of ``X``, :data:`PREDICT_CHUNK_ROWS` rows at a time,
        the results stacked: the imputed, scaled copies and the layers' activations then
        never grow with the number of rows (200k rows took 830 MB at once)."""
        schema = (self.metadata or {}).get("schema")
        X = self._one_row(as_pandas("X", X))
        X, _ = flat_images("X", X, (self.metadata or {}).get("image_shape"))  # (m, h, w[, c])
        if schema and is_frame(X):  # raw columns, encoded as the training table was
            X = self._encoded(X, schema)
        # a DataFrame's columns by name; the imputer's indicator columns are the model's own
        names = list(self.feature_names or [])[: self.n_raw_features]
        imputes = bool((self.metadata or {}).get("imputer"))
        X = np.asarray(check_frame("X", columns_by_name("X", X, names), missing_ok=imputes))
        if X.ndim != 2 or len(X) <= PREDICT_CHUNK_ROWS:
            return run(self.inputs(X))
        chunks = range(0, len(X), PREDICT_CHUNK_ROWS)
        return np.concatenate([run(self.inputs(X[s : s + PREDICT_CHUNK_ROWS])) for s in chunks])

    def _one_row(self, X: Any) -> Any:
        """A Series whose index holds every training column (``df.iloc[i]``) as the one-row
        frame it stands for (it read "X has dtype object and holds True at entry 4")."""
        if not (hasattr(X, "to_frame") and getattr(X, "ndim", 0) == 1):
            return X
        raw = self._table_columns() or list(self.feature_names or [])[: self.n_raw_features]
        if raw and set(raw) <= {str(label) for label in X.index}:
            return X.to_frame().T.infer_objects()
        return X

    @staticmethod
    def _encoded(frame: Any, schema: dict[str, Any]) -> Any:
        """A raw DataFrame through the training table's schema (text one-hot, gaps NaN for
        the imputer, a category training never saw none of its categories, with a warning;
        :func:`~deeprecipe.data.parts.encode_by_schema`). A frame of the encoded
        columns (the model's ``feature_names``) is left to be read by those names."""
        from deeprecipe.data.schema import TableSchema

        table = TableSchema.from_dict(schema)
        encoded_only = set(table.feature_names) - {spec.name for spec in table.features}
        if {str(column) for column in frame.columns} & encoded_only:
            return frame  # the encoded columns themselves ("sex=female"), read by name
        X, notes = encode_by_schema("X", frame, table)
        for note in notes:  # new categories read as none, columns left aside: said
            warnings.warn(note, UserWarning, stacklevel=4)
        return X

    def _repr_html_(self) -> str:
        """The notebook display: the network, what it predicts, what it reads."""
        from deeprecipe._html import block, table

        net, names = self.network, list(self.feature_names or [])
        imputes = bool((self.metadata or {}).get("imputer"))
        shown = ", ".join(map(str, names[:8])) + (
            f", ... ({len(names)} in all)" if len(names) > 8 else ""
        )
        rows = [
            ["layers", "-".join(map(str, net.layer_sizes))],
            ["hidden activations", ", ".join(net.activations) or "-"],
            ["task", f"{net.task.kind} ({net.loss.name})"],
            ["classes", ", ".join(map(str, self.classes)) if self.classes is not None else "-"],
            ["features", shown or f"{self.n_raw_features} (unnamed)"],
            ["input scaler", type(self.scaler).__name__ if self.scaler is not None else "none"],
            ["missing cells", "imputed (training statistics)" if imputes else "refused"],
        ]
        return block("deeprecipe Model", table(["", ""], rows))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted labels (mapped back through ``classes``) or values, for raw inputs."""
        predictions = self._in_chunks(X, self.network.predict)
        if self.classes is None:
            return predictions
        return self.network.task.decode(predictions, self.classes)
