"""The validation curves drawn from the recipe's sweeps: a second sweep of the same setting
on the same network extends the first (a new-user trial: fair's chosen lambda 30 came from a
second L2 step, while the figure and results.json drew the first sweep's and named 10)."""

from __future__ import annotations

from types import SimpleNamespace

from deeprecipe.recipe.advice import validation_curves
from deeprecipe.recipe.result import RecipeStep
from deeprecipe.report.from_recipe import _validation_curves


def _candidate(l2: float, dev: float, hidden: tuple[int, ...] = (20,)) -> dict:
    return {"spec": {"hidden": hidden, "l2": l2}, "label": f"lambda={l2}", "key": f"{hidden}{l2}",
            "train_error": dev / 2, "dev_error": dev, "train_loss": dev, "dev_loss": dev,
            "diverged": False}  # fmt: skip


def _step(index: int, candidates: list[dict], kept: dict | None) -> RecipeStep:
    key = None if kept is None else kept["key"]
    return RecipeStep(index, "l2", "variance", "", None, None, candidates=candidates,
                      chosen_key=key, accepted=kept is not None)  # fmt: skip


def test_a_second_sweep_on_the_same_network_extends_the_curve_and_names_the_chosen():
    first = [_candidate(v, d) for v, d in ((1.0, 0.30), (3.0, 0.28), (10.0, 0.26))]
    second = [_candidate(v, d) for v, d in ((10.0, 0.26), (30.0, 0.24), (100.0, 0.27))]
    elsewhere = [_candidate(0.3, 0.10, hidden=(5,))]  # another network: not on this curve
    steps = [_step(1, first, first[2]), _step(2, elsewhere, None), _step(3, second, second[1])]
    head = SimpleNamespace(metric="error")
    run = SimpleNamespace(steps=steps, config=SimpleNamespace(seed=0),
                          data=SimpleNamespace(targets=SimpleNamespace(head=head)))  # fmt: skip
    curve = validation_curves(run)["l2"]
    assert list(curve.values) == [1.0, 3.0, 10.0, 30.0, 100.0]
    shown = _validation_curves(
        {
            "steps": [s.to_dict() | {"candidates": s.candidates} for s in steps],
            "validation_curves": {"l2": curve.to_dict()},
        }  # fmt: skip
    )
    assert shown["l2"]["chosen"] == 30.0 and shown["l2"]["values"] == [1.0, 3.0, 10.0, 30.0, 100.0]
