"""The shape every step of the recipe has: candidates from the current state, a decision rule,
the reason it records. The steps themselves are in :mod:`deeprecipe.recipe.steps`.

A step sees a :class:`Situation` (the incumbent trial, its diagnosis, the settings, what the
data is) and answers four questions:

* :meth:`Step.needed`: does the incumbent have the problem this step treats (by default: the
  gap named by its ``kind`` is high)?
* :meth:`Step.candidates`: which changes of the incumbent's spec to train, as
  ``(label, NetworkSpec)`` pairs; none when it has nothing new to try;
* :meth:`Step.reason`: why the step is taken, recorded beside its candidates;
* :meth:`Step.decide`: given the trained candidates, what is kept (a :class:`Decision`). The
  default is the recipe's one rule: the candidate with the best dev score (dev error, ties
  broken by the dev loss without its L2 term) replaces the incumbent only if it beats it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from deeprecipe._html import number
from deeprecipe.recipe import decisions
from deeprecipe.recipe.config import RecipeConfig
from deeprecipe.recipe.sweep import TrialOutcome
from deeprecipe.recipe.trial import TrialData
from deeprecipe.task import get_task
from deeprecipe.train.spec import NetworkSpec

#: a candidate change: its label (shown in tables and the report) and the spec to train
Candidate = tuple[str, NetworkSpec]


@dataclass(frozen=True)
class Situation:
    """What a step is told: where the run stands now."""

    spec: NetworkSpec  # the incumbent's spec, the starting point of every candidate
    incumbent: TrialOutcome | None  # the incumbent trial, with its measured errors
    diagnosis: Any  # a deeprecipe.diagnose.Diagnosis of the incumbent
    config: RecipeConfig
    image_shape: tuple[int, ...] | None = None  # the rows are flattened images of this shape
    budget_left: int | None = None  # trainings left; None: unlimited
    data: TrialData | None = None  # what every trial trains on (normalized train and dev)
    # the optimization probe's verdict ("trains", "optimization", "undecided"; None: not run)
    # and the (optimizer, learning rate) pairs that fitted its subset
    optimization: str | None = None
    optimization_fixes: tuple[tuple[str, float], ...] = ()
    # a reference ahead of the incumbent on dev beyond the dev set's noise while neither gap
    # is high (the guards' finding, :func:`~deeprecipe.recipe.guards.reference_ahead`): the
    # bias steps, then the variance steps, are needed until it is caught up
    behind: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Decision:
    """What a step keeps: ``winner`` is the new incumbent (None: the incumbent stays)."""

    accepted: bool
    chosen: str | None  # the label recorded as kept
    chosen_key: str | None
    text: str  # the decision, in words, as the tables and the report show it
    winner: TrialOutcome | None = None
    # what a diagnostic step found out, kept by the run for the steps after it
    # ({"optimization": the probe's reading}); None: nothing
    findings: Mapping[str, Any] | None = None


class Step:
    """One step of the basic recipe. Subclasses set the three class attributes and override
    :meth:`candidates`; :meth:`decide` and :meth:`reason` have the recipe's defaults."""

    #: the step's name in results, events and the report ("l2", "wider", ...)
    name: ClassVar[str]
    #: the gap it works on: "bias" or "variance"; "learning_curve" for a diagnostic
    kind: ClassVar[str]
    #: why it helps, one line, recorded after the diagnosis
    why: ClassVar[str]
    #: a diagnostic measures and keeps nothing (its step_end names no choice)
    diagnostic: ClassVar[bool] = False
    #: its candidates cost more than the incumbent (a bigger network, more epochs): one that
    #: only ties on dev error must also lower the training error, the bias it is there for
    grows: ClassVar[bool] = False

    def needed(self, now: Situation) -> bool:
        """Whether the incumbent has the problem this step treats: by default, its gap
        (``kind``) is high in the diagnosis, or it is a bias or variance step and a reference
        is ahead of the incumbent on dev (``now.behind``)."""
        if getattr(now.diagnosis, f"high_{self.kind}", False):
            return True
        return now.behind is not None and self.kind in ("bias", "variance")

    def candidates(self, now: Situation) -> list[Candidate]:
        raise NotImplementedError

    def skip(self, now: Situation, candidates: list[Candidate]) -> str | None:
        """A note saying why the step is not taken after all (None: it is taken)."""
        return None

    def reason(self, now: Situation) -> str:
        if now.behind is None:
            return f"{now.diagnosis}; {self.why}"
        show = number if now.data is None else get_task(now.data.loss).format_metric
        ahead = now.behind
        return (
            f"{now.diagnosis}, yet {ahead['name']} is ahead on dev beyond its noise "
            f"({show(ahead['reference_dev'])} against {show(ahead['network_dev'])}, "
            f"p = {ahead['p_value']:.2g}); {self.why}"
        )

    def again(self, now: Situation, decision: Decision) -> bool:
        """Whether this step should come first next time (when still needed), after
        ``decision`` kept one of its candidates: a grid whose edge won goes on past it."""
        return False

    def decide(
        self, now: Situation, outcomes: list[TrialOutcome], labels: Mapping[str, str]
    ) -> Decision:
        show = number if now.data is None else get_task(now.data.loss).format_metric
        return better_on_dev(
            now.incumbent, outcomes, labels, show, grows=self.grows, bias=self.kind == "bias"
        )


def better_on_dev(
    incumbent: TrialOutcome,
    outcomes: list[TrialOutcome],
    labels: Mapping[str, str],
    show: decisions.Show = number,
    *,
    grows: bool = False,
    bias: bool = False,
) -> Decision:
    """The best candidate by dev score replaces the incumbent only if it beats it on dev; the
    decision's words give errors in ``show``'s format (the task's: percentages for rates) and
    say how a tie on dev error was broken. With ``grows`` (a bigger or longer-trained
    candidate), a tie on dev error is not enough: the candidate must also lower the training
    error, or the smaller incumbent stays (a dev loss lower by 0.0002 would otherwise grow
    the network eightfold for nothing). With ``bias`` (a step that fixes bias), a candidate
    that raises the training error is not kept whatever it does on dev: it makes bias worse,
    and a dev error lower by a hair is then noise, not progress (mtcars: a learning rate kept
    for dev 3.627 -> 3.626 while training went 11.16 -> 11.42). Errors and losses equal up to
    their last digits' rounding are ties (:func:`~deeprecipe.recipe.sweep.same_number`)."""
    lowest = min(outcomes, key=lambda o: o.dev_score)
    # the candidates whose dev error ties the lowest (up to rounding): the lowest loss of them
    best = min((o for o in outcomes if o.ties_on_dev(lowest)), key=lambda o: o.dev_score[1])
    if grows and best.ties_on_dev(incumbent) and not best.trains_lower(incumbent):
        return Decision(
            False,
            labels.get(incumbent.key, "the current configuration"),
            incumbent.key,
            decisions.tie_kept_smaller(show, incumbent, labels[best.key], best),
        )
    if bias and best.beats_on_dev(incumbent) and incumbent.trains_lower(best):
        return Decision(
            False,
            labels.get(incumbent.key, "the current configuration"),
            incumbent.key,
            decisions.raised_bias(show, incumbent, labels[best.key], best),
        )
    if best.beats_on_dev(incumbent):
        text = decisions.kept(show, labels[best.key], incumbent, best)
        text += decisions.tie_note(show, best, outcomes, labels, incumbent)
        return Decision(True, labels[best.key], best.key, text, winner=best)
    return Decision(
        False,
        labels.get(incumbent.key, "the current configuration"),
        incumbent.key,
        decisions.unchanged(show, incumbent, labels[best.key], best),
    )


def plain(candidates: list[Candidate]) -> list[tuple[str, dict[str, Any]]]:
    """Candidates with their specs in plain form, as trials travel and are stored."""
    return [(label, spec.to_dict()) for label, spec in candidates]
