"""One table of defaults: every face reads its values from deeprecipe.defaults, and the CLI's
help quotes the table."""

from __future__ import annotations

import inspect

from click.testing import CliRunner

from deeprecipe import defaults
from deeprecipe.cli import cli
from deeprecipe.diagnose import diagnose
from deeprecipe.recipe import RecipeConfig
from deeprecipe.sklearn import DeepClassifier
from deeprecipe.train import get_optimizer


def test_each_face_starts_from_its_row_of_the_table():
    for name in ("gd", "momentum", "adam"):
        assert get_optimizer(name).learning_rate == defaults.LEARNING_RATES["engine"][name]
        config = RecipeConfig(optimizer=name)
        assert config.effective_learning_rate == defaults.LEARNING_RATES["recipe"][name]
    assert DeepClassifier().learning_rate_init == defaults.SKLEARN_LEARNING_RATE
    config = RecipeConfig()
    assert config.bias_tolerance == config.variance_tolerance == defaults.RECIPE_TOLERANCE
    assert config.max_trainings == defaults.RECIPE_MAX_TRAININGS
    signature = inspect.signature(diagnose).parameters
    assert signature["bias_tolerance"].default == defaults.TOLERANCE
    assert signature["relative_tolerance"].default == defaults.RELATIVE_TOLERANCE


def test_the_help_quotes_the_table():
    run_help = CliRunner().invoke(cli, ["run", "--help"], terminal_width=200).output
    assert f"[default: {defaults.learning_rate_help('run')}]" in run_help
    assert defaults.learning_rate_help("run") == "0.01 for Adam/RMSprop, 0.1 for gd/momentum"
    assert f"[default: {defaults.RUN_BUDGET}]" in run_help
    train_help = CliRunner().invoke(cli, ["train", "--help"], terminal_width=200).output
    assert f"[default: {defaults.TRAIN_LEARNING_RATE}; x>0.0]" in train_help
