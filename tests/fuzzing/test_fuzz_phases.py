"""The signing hook works in every Schemathesis phase, not only in the fuzzing phase the
shipped test uses: ``st run --phases coverage`` (Schemathesis' deterministic boundary
cases, which bypass the strategy hooks) with the hook loaded through
``SCHEMATHESIS_HOOKS`` gets batches accepted by the reference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator

import pytest

from tradeproof.fuzzing.operations import document_path
from tradeproof.reference import BackgroundServer, create_app

HOOKS = textwrap.dedent(
    """
    import json, os
    import schemathesis
    from tradeproof import fuzzing
    from tradeproof.target import HttpClient, NoPacer, O2Accounts, O2Target

    target = O2Target(HttpClient(os.environ["TRADEPROOF_TEST_URL"]), NoPacer())
    accounts = O2Accounts(target, "st-hooks", harness=True)
    signer = fuzzing.O2Signer(target, accounts.new, pool_size=2, session_pool_size=1)
    signer.ready()
    fuzzing.activate(signer)

    @schemathesis.hook
    def after_call(context, case, response):
        phase = case.meta.phase.name.value if case.meta is not None else "none"
        accepted = b'"tx_id"' in response.content
        with open(os.environ["TRADEPROOF_TEST_LOG"], "a") as log:
            log.write(json.dumps([phase, accepted]) + "\\n")
    """
)


def st_run(url: str, tmp_path, phases: str, *, hooks: bool) -> Counter:
    (tmp_path / "st_signing_hooks.py").write_text(HOOKS)
    log = tmp_path / f"calls-{phases}-{hooks}.jsonl"
    log.touch()
    env = {**os.environ, "TRADEPROOF_TEST_URL": url, "TRADEPROOF_TEST_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    if hooks:
        env["SCHEMATHESIS_HOOKS"] = "st_signing_hooks"
    else:
        env["SCHEMATHESIS_HOOKS"] = "st_signing_hooks_log_only"
        (tmp_path / "st_signing_hooks_log_only.py").write_text(
            HOOKS.replace("signer.ready()\nfuzzing.activate(signer)\n", "")
        )
    proc = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--no-color", "run", str(document_path("o2")), "--url", url, "--phases", phases,
         "--include-operation-id", "sessionActions", "-n", "20", "--checks", "not_a_server_error",
         "--generation-database", "none", "--continue-on-failure"],
        env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path,  # st writes .schemathesis/ there
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return Counter(tuple(json.loads(line)) for line in log.read_text().splitlines())


@pytest.fixture(scope="module")
def unlimited() -> Iterator[str]:
    """A reference target without the rate limit: what is tested is signing, not pacing
    (the coverage phase sends a few hundred requests)."""
    with BackgroundServer(create_app(rate_limit=False)) as server:
        yield server.url


@pytest.mark.slow
@pytest.mark.parametrize("phases", ["coverage", "fuzzing"])
def test_st_run_with_the_hook_gets_batches_accepted(unlimited, tmp_path, phases):
    signed = st_run(unlimited, tmp_path, phases, hooks=True)
    assert signed[(phases, True)] > 0, signed
    unsigned = st_run(unlimited, tmp_path, phases, hooks=False)
    assert unsigned[(phases, True)] == 0 and unsigned[(phases, False)] > 0, unsigned
