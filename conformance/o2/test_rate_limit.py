"""Rate limit: a 6th request to one session endpoint within a second from one owner is
rate-limited. (Every other test paces its owners and must never see a 429.)"""

from __future__ import annotations

import time

import pytest

from tradeproof.checks import expect_outcome, fault_if_faulty, require
from tradeproof.messages import o2 as msg
from tradeproof.scenarios.o2 import burst
from tradeproof.signing.keys import Key
from tradeproof.target import Kind

STAGE = 2  # waits out whole seconds: run last (see tradeproof.pytest_plugin)

BURST = 6


@pytest.mark.rule("O2-RATE-LIMIT")
@pytest.mark.parametrize("endpoint", ["actions", "session"])
def test_sixth_request_in_a_second_is_rate_limited(endpoint, o2, new_trader, o2_markets, tradeproof_context):
    if not tradeproof_context.rate_limited():
        pytest.skip("the target says it has no rate limit (GET /_harness rate_limit=false)")
    trader = new_trader(f"burst-{endpoint}")
    spec = o2_markets[0]
    time.sleep(1.1)  # let the setup requests of this owner leave the window
    if endpoint == "actions":
        settle = msg.group(spec.market_id, msg.settle_balance(msg.contract(trader.trade_account_id)))
        bodies = [trader.actions_body([settle], nonce=trader.nonce + i) for i in range(BURST)]
        send = lambda body: o2.post_actions(body, trader.owner_b256, paced=False)  # noqa: E731
    else:
        keys = [Key.derive("tradeproof-burst", f"{trader.label}/{i}") for i in range(BURST)]
        bodies = [
            {**trader.session_body(k), "nonce": str(trader.nonce + i)} for i, k in enumerate(keys)
        ]
        send = lambda body: o2.put_session(body, trader.owner_b256, paced=False)  # noqa: E731
    outcomes, elapsed = burst(send, bodies)
    for outcome in outcomes:
        fault_if_faulty(outcome)
    if elapsed > 0.9:
        pytest.skip(f"the target took {elapsed:.2f}s to answer {BURST} requests; the window could not be hit")
    limited = [o for o in outcomes if o.kind is Kind.RATE_LIMITED]
    require("O2-RATE-LIMIT", bool(limited), f"at least one of {BURST} requests rate-limited",
            ", ".join(o.describe() for o in outcomes))
    expect_outcome("O2-RATE-LIMIT", limited[0])
    trader.refresh()

