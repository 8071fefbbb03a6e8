"""The basic recipe, run automatically: diagnose, act, repeat; sweeps in parallel (local
processes or a Dask cluster), resumable from the record of finished trials."""

from deeprecipe.recipe.actions import BIAS_ACTIONS, VARIANCE_ACTIONS, propose
from deeprecipe.recipe.config import RecipeConfig, TargetEncoding, infer_targets
from deeprecipe.recipe.heldout import HeldOutSet
from deeprecipe.recipe.recipe import Recipe, run_recipe
from deeprecipe.recipe.record import TrialRecord
from deeprecipe.recipe.result import RecipeResult, RecipeStep
from deeprecipe.recipe.sweep import Sweeper, TrialOutcome, connect, sweep
from deeprecipe.recipe.trial import (
    TrialData,
    build_network,
    make_spec,
    network_from_trial,
    run_trial,
    trial_key,
)

__all__ = [
    "BIAS_ACTIONS",
    "VARIANCE_ACTIONS",
    "HeldOutSet",
    "Recipe",
    "RecipeConfig",
    "RecipeResult",
    "RecipeStep",
    "Sweeper",
    "TargetEncoding",
    "TrialData",
    "TrialOutcome",
    "TrialRecord",
    "build_network",
    "connect",
    "infer_targets",
    "make_spec",
    "network_from_trial",
    "propose",
    "run_recipe",
    "run_trial",
    "sweep",
    "trial_key",
]
