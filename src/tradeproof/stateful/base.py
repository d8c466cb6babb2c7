"""The base of the model-based fuzzers: a state machine that records its steps.

Each rule of a machine is declared with ``@step(...)`` (instead of Hypothesis'
``@rule``) and each initialiser with ``@setup_step(...)``. Both record the rule's name
and its arguments in their logical form (``tradeproof.strategies.serial``; objects the
machine created are recorded by alias), so a failing run becomes a replay file, and
``replay_steps`` runs the same steps again — on another target, another day — calling
``check_all`` after each one, as the ``@invariant`` does during fuzzing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ..strategies import serial

F = TypeVar("F", bound=Callable[..., Any])


class Ref:
    """Something a machine created (a trader, an order, a quote), named by an alias so a
    recorded step can point at it."""

    alias: str = ""


def _recording(kind: Callable[..., Callable[[F], F]], strategies: dict[str, Any]) -> Callable[[F], F]:
    def wrap(func: F) -> F:
        @functools.wraps(func)
        def recorded(self: FuzzMachine, **kwargs: Any) -> Any:
            self.steps.append({"step": func.__name__, "args": {k: self.dump_arg(v) for k, v in kwargs.items()}})
            return func(self, **kwargs)

        recorded.__tradeproof_step__ = func  # type: ignore[attr-defined]
        return kind(**strategies)(recorded)  # type: ignore[return-value]

    return wrap


def step(**strategies: Any) -> Callable[[F], F]:
    """``@rule`` that records the step (same arguments as ``hypothesis.stateful.rule``)."""
    return _recording(rule, strategies)


def setup_step(**strategies: Any) -> Callable[[F], F]:
    """``@initialize`` that records the step."""
    return _recording(initialize, strategies)


class FuzzMachine(RuleBasedStateMachine):
    """A state machine whose steps can be written down and run again.

    Subclasses implement ``check_all()`` (every invariant, raising ``RuleViolation``);
    it runs after every step. ``context`` is set by the fuzz test that builds the
    machine class (the target clients and account pools).
    """

    context: ClassVar[Any] = None
    last_steps: ClassVar[list[dict[str, Any]]] = []  # the latest run's steps (the failing one, at the end)
    time_up: ClassVar[bool] = False  # the campaign's tick said stop

    @classmethod
    def count_step(cls, tick: Callable[..., Any], rules: Sequence[str]) -> None:
        """Count one step with the campaign's ``tick``. When its time is up (``tick``
        raises a ``BaseException``), note it (``time_up``) and let the stop through: raised
        inside a run Hypothesis was replaying a known prefix of, the stop reaches the
        caller as ``FlakyStrategyDefinition``, which is then no finding."""
        try:
            tick(1, rules=tuple(rules))
        except (Exception, KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            cls.time_up = True
            raise

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[dict[str, Any]] = []
        self.refs: dict[str, Any] = {}
        type(self).last_steps = self.steps

    # ------------------------------------------------------------------ refs

    def name(self, obj: Any, prefix: str) -> Any:
        """Give ``obj`` an alias (``trader-0``, ``order-3`` …) that steps can record."""
        alias = f"{prefix}-{sum(1 for a in self.refs if a.startswith(prefix + '-'))}"
        self.refs[alias] = obj
        try:
            obj.alias = alias
        except AttributeError:
            pass
        return obj

    def dump_arg(self, value: Any) -> Any:
        alias = getattr(value, "alias", "")
        if alias and self.refs.get(alias) is value:
            return {"$ref": alias}
        return serial.dump(value)

    def load_arg(self, data: Any) -> Any:
        if isinstance(data, dict) and "$ref" in data:
            return self.refs[data["$ref"]]
        return serial.load(data)

    # ------------------------------------------------------------------ checks

    def check_all(self) -> None:
        """Every invariant; subclasses compare the target with their model here."""
        raise NotImplementedError

    @invariant()
    def invariants_hold(self) -> None:
        self.check_all()


def replay_steps(machine_class: type[FuzzMachine], steps: Sequence[Mapping[str, Any]]) -> FuzzMachine:
    """Run recorded steps in order on a fresh machine, checking invariants after each."""
    machine = machine_class()
    try:
        for recorded in steps:
            method = getattr(machine_class, str(recorded["step"]), None)
            func = getattr(method, "__tradeproof_step__", None)
            if func is None:
                raise ValueError(f"the machine has no step {recorded['step']!r}")
            kwargs = {k: machine.load_arg(v) for k, v in dict(recorded.get("args", {})).items()}
            machine.steps.append(dict(recorded))
            func(machine, **kwargs)
            machine.check_all()
    finally:
        machine.teardown()
    return machine
