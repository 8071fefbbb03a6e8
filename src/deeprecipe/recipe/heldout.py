"""The test set, locked away until the very end.

The basic recipe measures the test error once, after every decision is made; anything read
from the test set earlier leaks into the choices and makes the final figure optimistic.
:class:`HeldOutSet` keeps the test arrays out of reach: the only way to them is
:meth:`HeldOutSet.reveal`, which records who asked and when and refuses a second call. It
cannot be pickled, so it can never travel to a worker with a trial.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from deeprecipe.errors import DeepRecipeError


class HeldOutSet:
    """Test inputs and targets that can be read exactly once, through :meth:`reveal`."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.__X = X
        self.__y = y
        self.n_examples = int(len(X))
        self.accesses: list[dict[str, Any]] = []

    def reveal(self, purpose: str) -> tuple[np.ndarray, np.ndarray]:
        """Hand over the test arrays, once; the access is recorded with its ``purpose``."""
        if self.accesses:
            first = self.accesses[0]["purpose"]
            raise DeepRecipeError(
                f"the test set was already used once ({first}); the recipe measures the test "
                "error a single time, after every decision, so it stays an unbiased estimate"
            )
        self.accesses.append({"purpose": purpose, "time": time.time()})
        return self.__X, self.__y

    @property
    def revealed(self) -> bool:
        return bool(self.accesses)

    def __reduce__(self):
        raise DeepRecipeError("the held-out test set cannot be pickled or sent to a worker")

    def __repr__(self) -> str:
        state = "revealed" if self.revealed else "sealed"
        return f"HeldOutSet({self.n_examples} examples, {state})"
