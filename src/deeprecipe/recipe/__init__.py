"""The basic recipe, run automatically: diagnose, act, repeat; sweeps in parallel (local
processes or a Dask cluster), resumable from the record of finished trials.

Where things are
    ``recipe.py`` the entry point and the run from start to end, on one screen;
    ``prepare.py`` the data (checks in :mod:`deeprecipe.data.parts`); ``loop.py`` the baseline
    and the bias-then-variance loop; ``step.py`` the shape of a step; ``steps.py`` the steps;
    ``state.py`` a run's progress and how a step is taken; ``advice.py`` curves and what to do
    next; ``final.py`` refit and the one test read; ``trial.py``/``sweep.py``/``record.py``
    one training, many trainings, and their record on disk; ``config.py`` the settings.

Adding a step
    A step is one class in :mod:`deeprecipe.recipe.steps` (or anywhere) deriving from
    :class:`~deeprecipe.recipe.step.Step`::

        class Momentum(Step):
            name, kind = "momentum", "bias"      # its name in results; the gap it works on
            why = "momentum smooths the descent"  # recorded after the diagnosis

            def candidates(self, now):            # now: a Situation (spec, incumbent, ...)
                if now.spec.optimizer != "gd":
                    return []                      # nothing new to try: the loop moves on
                return [(f"momentum, lr {lr:g}", now.spec.replace(optimizer="momentum",
                                                                  learning_rate=lr))
                        for lr in (0.01, 0.1)]

    and one entry in :data:`~deeprecipe.recipe.steps.BIAS_STEPS` or ``VARIANCE_STEPS`` (the
    order tried). The default :meth:`~deeprecipe.recipe.step.Step.decide` keeps the best
    candidate when it beats the incumbent on dev; override it (and ``reason``, ``skip``) for
    another rule, as the learning curve does. A step for another problem than high bias or
    variance (say, training that does not work yet) overrides ``needed`` and goes in a group of
    its own in :data:`deeprecipe.recipe.loop.STEPS_FOR`, whose order is the order of focus.
    Settings a step reads belong in :class:`RecipeConfig`.
"""

from deeprecipe.recipe.config import RecipeConfig, TargetEncoding, infer_targets
from deeprecipe.recipe.heldout import HeldOutSet
from deeprecipe.recipe.recipe import Recipe, run_recipe
from deeprecipe.recipe.record import TrialRecord
from deeprecipe.recipe.result import RecipeResult, RecipeStep
from deeprecipe.recipe.step import Decision, Situation, Step
from deeprecipe.recipe.steps import (
    BIAS_ACTIONS,
    BIAS_STEPS,
    VARIANCE_ACTIONS,
    VARIANCE_STEPS,
    propose,
)
from deeprecipe.recipe.sweep import Sweeper, TrialOutcome, connect, sweep
from deeprecipe.recipe.trial import (
    TrialData,
    make_spec,
    network_from_trial,
    run_trial,
    trial_key,
)

__all__ = [
    "BIAS_ACTIONS",
    "BIAS_STEPS",
    "VARIANCE_ACTIONS",
    "VARIANCE_STEPS",
    "Decision",
    "HeldOutSet",
    "Recipe",
    "RecipeConfig",
    "RecipeResult",
    "RecipeStep",
    "Situation",
    "Step",
    "Sweeper",
    "TargetEncoding",
    "TrialData",
    "TrialOutcome",
    "TrialRecord",
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
