"""The recipe makes the same decisions on every backend present (trials built on its device)."""

from __future__ import annotations

import numpy as np

from deeprecipe.data import load_dataset
from deeprecipe.recipe import Recipe

SETTINGS = dict(
    hidden=(8,), optimizer="adam", learning_rate=0.01, epochs=60, batch_size=32,
    max_trainings=4, max_steps=2, n_jobs=1, seed=0, learning_curve_fractions=(1.0,),
)  # fmt: skip


def test_recipe_decides_alike_on_every_backend(backend):
    ds = load_dataset("iris")
    on_numpy = Recipe(**SETTINGS).run(ds.X, ds.y)
    here = Recipe(**SETTINGS, backend=backend.name, device=backend.device_name).run(ds.X, ds.y)
    assert here.summary_rows() == on_numpy.summary_rows()
    assert here.test_error == on_numpy.test_error
    np.testing.assert_allclose(
        here.model.network.get_theta(), on_numpy.model.network.get_theta(), rtol=1e-4, atol=1e-5
    )
