"""A small but complete recipe run, as plain data, for the report's tests."""

from __future__ import annotations

import pytest

from deeprecipe.check import gradcheck
from deeprecipe.data import Standardizer, load_dataset
from deeprecipe.diagnose import diagnose
from deeprecipe.nn import Network
from deeprecipe.report.probes import boundary_panel, layer_samples
from deeprecipe.train import fit


@pytest.fixture(scope="session")
def sample_run() -> dict:
    """Every key :func:`build_report` reads, filled from real (tiny) trainings on moons."""
    ds = load_dataset("moons")
    X, y = ds.X[:300], ds.y[:300]
    X_dev, y_dev = ds.X[300:400], ds.y[300:400]
    scaler = Standardizer().fit(X)
    Xs, Xd = scaler.transform(X), scaler.transform(X_dev)

    baseline = Network([2, 3, 1], seed=1)
    chosen = Network([2, 16, 8, 1], l2=0.1, seed=2)
    init_check = gradcheck(chosen, Xs[:16], y[:16], label="at initialization").to_dict()
    h_base = fit(
        baseline, Xs, y, optimizer="adam", learning_rate=0.01, epochs=30, X_dev=Xd, y_dev=y_dev
    )
    h_chosen = fit(
        chosen, Xs, y, optimizer="adam", learning_rate=0.01, epochs=30, X_dev=Xd, y_dev=y_dev
    )
    after_check = gradcheck(chosen, Xs[:16], y[:16], label="after training").to_dict()

    def proba(net):
        return lambda P: net.predict_proba(scaler.transform(P))

    errors = {
        "baseline": {"train": baseline.error(Xs, y), "dev": baseline.error(Xd, y_dev)},
        "chosen": {"train": chosen.error(Xs, y), "dev": chosen.error(Xd, y_dev), "test": 0.1},
    }
    d0 = diagnose(errors["baseline"]["train"], errors["baseline"]["dev"]).to_dict()
    d1 = diagnose(errors["chosen"]["train"], errors["chosen"]["dev"]).to_dict()
    return {
        "title": "deeprecipe report: moons",
        "subtitle": "a test run",
        "task": "binary",
        "errors": errors,
        "diagnoses": {"baseline": d0, "chosen": d1},
        "steps": [
            {
                "name": "baseline",
                "decision": "train 2-3-1",
                "reason": "start small",
                "trials": [
                    {"label": "2-3-1", "train_error": 0.2, "dev_error": 0.21, "chosen": True}
                ],
                "kept": {"train_error": 0.2, "dev_error": 0.21},
            },
            {
                "name": "bigger network",
                "decision": "keep 2-16-8-1",
                "reason": "lower dev error",
                "trials": [
                    {"label": "2-8-1", "train_error": 0.1, "dev_error": 0.12},
                    {"label": "2-16-8-1", "train_error": 0.05, "dev_error": 0.08, "chosen": True},
                ],
                "kept": {"train_error": 0.05, "dev_error": 0.08},
            },
        ],
        "histories": {"baseline": h_base.to_dict(), "chosen": h_chosen.to_dict()},
        "validation_curves": {
            "l2": {
                "values": [0.0, 0.01, 0.1, 1.0],
                "train_error": [0.02, 0.03, 0.05, 0.1],
                "dev_error": [0.1, 0.08, 0.07, 0.12],
                "chosen": 0.1,
            },
            "keep_prob": {
                "values": [0.6, 0.8, 1.0],
                "train_error": [0.1, 0.06, 0.02],
                "dev_error": [0.12, 0.08, 0.1],
                "chosen": 0.8,
            },
        },
        "learning_curve": {
            "sizes": [30, 100, 300],
            "train_error": [0.0, 0.03, 0.05],
            "dev_error": [0.3, 0.12, 0.08],
        },
        "gradchecks": {"at initialization": init_check, "after training": after_check},
        "layer_samples": layer_samples(chosen, Xs, y),
        "health_warnings": [],
        "boundary": {
            "X": X,
            "y": y,
            "panels": [
                boundary_panel("baseline", proba(baseline), X),
                boundary_panel("chosen", proba(chosen), X),
            ],
        },
    }
