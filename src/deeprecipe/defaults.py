"""Every default of deeprecipe that more than one room uses, in one table, with its reason.

A module of its own at the bottom of the package (it imports nothing), so that the engine, the
recipe, the estimators and the command line quote one value instead of each writing its own.
Where two faces legitimately start from different values, both rows are here, side by side,
with the reason; the CLI's ``--help`` is built from these rows.

Learning rate alpha, per face and optimizer (:data:`LEARNING_RATES`)
=================  ====  ========  =======  =====  ===============================================
face               gd    momentum  rmsprop  adam   why
=================  ====  ========  =======  =====  ===============================================
``engine``         0.01  0.01      0.001    0.001  ``get_optimizer(name)`` and the optimizer
                                                   classes: the course's assignments (0.01 for
                                                   gradient descent on raw-ish inputs; Adam's
                                                   paper default 0.001, Keras's for RMSprop)
``train``          0.01  0.01      0.01     0.01   ``deeprecipe train --learning-rate``
                                                   (:data:`TRAIN_LEARNING_RATE`): one value for
                                                   every optimizer, as a checkpoint's recorded
                                                   options say
``recipe``         0.1   0.1       0.001    0.001  :class:`~deeprecipe.recipe.RecipeConfig` and a
                                                   trial spec: full-batch descent on standardized
                                                   inputs takes a 10x larger step than the
                                                   engine's; the adaptive ones keep 0.001
``run``            0.1   0.1       0.01     0.01   ``deeprecipe run``: its baseline starts from
                                                   Adam, and at 0.001 the embedded datasets need
                                                   far more than the 1000 epochs of the budget
                                                   to reach their error
``sklearn``        1e-3  1e-3      1e-3     1e-3   the estimators (:data:`SKLEARN_LEARNING_RATE`):
                                                   scikit-learn's ``learning_rate_init``, one
                                                   value since ``__init__`` cannot read one
                                                   parameter off another
=================  ====  ========  =======  =====  ===============================================

Diagnosis tolerances
    :data:`TOLERANCE` (0.015, :func:`deeprecipe.diagnose.diagnose` and ``deeprecipe
    diagnose``): the lecture's four examples come out as the lecture says. :data:`RECIPE_TOLERANCE`
    (0.02, the recipe): a looser gap, since every trial's errors carry training noise, and for
    regression the tolerance is a share of the targets' variance. Both use
    :data:`RELATIVE_TOLERANCE` (0.1).

Budgets and training lengths
    :data:`RECIPE_MAX_TRAININGS` (80 trainings, the Python API: the same decisions on every
    machine) and :data:`RUN_BUDGET` (``deeprecipe run``: 3 minutes of wall time, a wait a user
    accepts; the run ends within it, trainings still running then are stopped);
    :data:`EPOCHS` (1000, ``train``, ``run`` and the recipe; fewer over mini-batches,
    :func:`epochs_for`) and :data:`SKLEARN_MAX_EPOCHS`
    (200, scikit-learn's ``max_iter``); early-stopping patience :data:`TRAIN_PATIENCE` (50
    epochs, ``deeprecipe train``) and :data:`PATIENCE` (10: the recipe's, counted in
    measurements of the dev cost, and the estimators', in epochs like scikit-learn's
    ``n_iter_no_change``).

Batch size
    :func:`batch_size_for`: the course's rule, full batch up to :data:`FULL_BATCH_ROWS` (2,000)
    training examples, mini-batches of :data:`MINI_BATCH` (256) above (the recipe, ``run`` and
    ``train`` when no batch size is given).
"""

from __future__ import annotations

#: the optimizers every face knows ("sgd" is the engine's other name for "gd")
OPTIMIZER_NAMES = ("gd", "sgd", "momentum", "rmsprop", "adam")
#: where the recipe's dev set comes from when only a test set is given (RecipeConfig.dev_from,
#: ``deeprecipe run --dev-from``): auto, off the training data, off the test data
DEV_SOURCES = ("auto", "train", "test")

#: the learning rate used when none is given: ``LEARNING_RATES[face][optimizer]`` (see above)
LEARNING_RATES: dict[str, dict[str, float]] = {
    "engine": {"gd": 0.01, "sgd": 0.01, "momentum": 0.01, "rmsprop": 0.001, "adam": 0.001},
    "recipe": {"gd": 0.1, "sgd": 0.1, "momentum": 0.1, "rmsprop": 0.001, "adam": 0.001},
    "run": {"gd": 0.1, "sgd": 0.1, "momentum": 0.1, "rmsprop": 0.01, "adam": 0.01},
}
#: one value whatever the optimizer: ``deeprecipe train --learning-rate``, and the estimators
TRAIN_LEARNING_RATE = 0.01
SKLEARN_LEARNING_RATE = 1e-3

#: absolute tolerance of a bias/variance gap in :func:`deeprecipe.diagnose.diagnose`
TOLERANCE = 0.015
#: the recipe's absolute tolerance (a share of the targets' variance for regression)
RECIPE_TOLERANCE = 0.02
#: the share of the reference error a gap must also exceed
RELATIVE_TOLERANCE = 0.1

#: the recipe's budget of trainings from Python, and ``deeprecipe run``'s
RECIPE_MAX_TRAININGS = 80
RUN_BUDGET = "3m"
#: training length of ``train``, ``run`` and the recipe's baseline; the estimators' max_epochs
EPOCHS = 1000
SKLEARN_MAX_EPOCHS = 200
#: early-stopping patience: ``deeprecipe train`` (epochs), the recipe and the estimators
TRAIN_PATIENCE = 50
PATIENCE = 10

#: the course's rule for the batch size (course 2, week 2, "Mini-batch gradient descent"): a
#: training set of at most FULL_BATCH_ROWS examples trains full batch, a larger one in
#: mini-batches of MINI_BATCH (a power of two, as the course advises: 64 to 512)
FULL_BATCH_ROWS = 2000
MINI_BATCH = 256
#: over mini-batches the baseline's epochs see about as many examples as EPOCHS full-batch
#: epochs of FULL_BATCH_ROWS rows (2 million), and at least MIN_EPOCHS: 1000 epochs of a
#: 307k-row table at full batch spent a 5-minute budget on 622 epochs of the baseline alone
MIN_EPOCHS = 10


def batch_size_for(m: int) -> int | None:
    """The course's batch size for ``m`` training examples: None (full batch) up to
    :data:`FULL_BATCH_ROWS`, :data:`MINI_BATCH` above."""
    return None if m <= FULL_BATCH_ROWS else MINI_BATCH


def epochs_for(m: int, batch_size: int | None) -> int:
    """The baseline's epochs for ``m`` training examples: :data:`EPOCHS` at full batch; over
    mini-batches as many as see ``EPOCHS * FULL_BATCH_ROWS`` examples, at least
    :data:`MIN_EPOCHS` (a mini-batch takes as many steps per epoch as it has batches)."""
    if batch_size is None or m <= FULL_BATCH_ROWS:
        return EPOCHS
    return max(MIN_EPOCHS, min(EPOCHS, -(-EPOCHS * FULL_BATCH_ROWS // m)))


def learning_rate(face: str, optimizer: str) -> float:
    """The default learning rate of ``optimizer`` for ``face`` (a row of the table above)."""
    return LEARNING_RATES[face][optimizer]


def learning_rate_help(
    face: str, *, optimizers: tuple[str, ...] = ("adam", "rmsprop", "gd", "momentum")
) -> str:
    """``"0.01 for Adam/RMSprop, 0.1 for gd/momentum"``: a face's row, as ``--help`` quotes
    it."""
    rates = LEARNING_RATES[face]
    names = {"adam": "Adam", "rmsprop": "RMSprop"}
    groups: dict[float, list[str]] = {}
    for name in optimizers:
        groups.setdefault(rates[name], []).append(names.get(name, name))
    return ", ".join(f"{rate:g} for {'/'.join(names)}" for rate, names in groups.items())
