"""What the report measures on a trained network: per-layer values, decision-boundary grids.

These turn a network into the plain arrays that :mod:`deeprecipe.report.figures` draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from deeprecipe.nn import Network
from deeprecipe.report.figures import boundary_grid


def layer_samples(network: Network, X: Any, y: Any, *, limit: int = 512) -> list[dict[str, Any]]:
    """Each layer's activations ``a[l]`` (prediction mode: no dropout) and weight gradient
    ``dW[l]`` on up to ``limit`` examples, for histograms. The network is left unchanged."""
    twin = network.copy()
    X = twin.check_inputs(X)[:limit]
    targets = twin.prepare_targets(np.asarray(y)[:limit], X.shape[0])
    twin.loss_and_gradient(X, targets, training=False)
    # Z[L] feeds a sigmoid or softmax (logits), or is the prediction itself (identity)
    output = "logits" if twin.task.output_activation != "identity" else "predictions"
    out = []
    for l, layer in enumerate(twin.layers, start=1):
        hidden = l < twin.n_layers
        out.append(
            {
                "name": f"layer {l}" + ("" if hidden else f" (output, {output})"),
                "activations": np.array(layer._a if hidden else layer._z, dtype=float),
                "gradients": np.array(layer.dW, dtype=float),
            }
        )
    return out


def boundary_panel(
    title: str, predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray
) -> dict[str, Any]:
    """A decision-boundary panel over the raw 2-D inputs ``X``."""
    xx, yy, p = boundary_grid(predict_proba, X, resolution=150)
    return {"title": title, "xx": xx, "yy": yy, "p": p}
