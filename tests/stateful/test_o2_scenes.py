"""The O2 scenes build the books the order rules need: among them, a gap straddled by a
taker who sweeps the near level (price protection per fill, a Market buy's budget)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings

from tradeproof.stateful.o2_scenes import MAKERS, TAKER, scene_steps, scenes

COVER = settings(max_examples=600, phases=[Phase.generate], derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck), deadline=None)


def straddle(scene) -> tuple[str, str] | None:
    """(taker type, 'inside'/'beyond': where the average fill price falls) for a scene
    whose taker is priced inside a gap between one maker's two levels and takes more
    than the near level holds; None for any other scene."""
    first = next(i for i, (trader, _) in enumerate(scene) if trader == TAKER)
    makers, taker = scene[:first], scene[first]
    assert all(trader in MAKERS for trader, _ in makers)
    if len(makers) != 1 or len(makers[0][1]) != 2:
        return None
    (near, far), order = makers[0][1], taker[1][0]
    gap, inside = abs(far["ticks"] - near["ticks"]), abs(order["ticks"] - near["ticks"])
    if near["ticks"] != 0 or not 0 < inside < gap or order["lots"] <= near["lots"] or "at" in order:
        return None
    # the average, in ticks from the near level, of the near level and the rest at the far one
    rest = order["lots"] - near["lots"]
    average_beyond = rest * gap > order["lots"] * inside
    return order["type"], "beyond" if average_beyond else "inside"


def test_scenes_straddle_a_gap_with_every_priced_type_and_both_averages():
    seen: set[tuple[str, str]] = set()

    @COVER
    @given(scenes())
    def collect(scene):
        kind = straddle(scene)
        if kind:
            seen.add(kind)
        steps = scene_steps(scene)
        assert steps[0]["step"] == "open_accounts" and len(steps) == len(scene) + 1

    collect()
    assert {kind for kind, _ in seen} == {"Spot", "FillOrKill", "Market", "BoundedMarket", "Limit"}
    # price protection held per fill, not to the average; a budget that binds
    assert {kind for kind, average in seen if average == "inside"} & {"Spot", "FillOrKill", "Limit"}
    assert {kind for kind, average in seen if average == "beyond"} & {"Market", "BoundedMarket"}
