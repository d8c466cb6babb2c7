"""Replay files: a failure in a form that reproduces on another build or another day.

A file names the rule, the test that found the failure, the values it drew (in their
logical form: actions, edits, key labels — never raw signatures or keys), what was
expected and observed, and the requests that showed it. Replaying re-runs that test
with those values against any target: accounts are created afresh and everything is
re-signed with the then-current nonces and expiries.
"""

from __future__ import annotations

from .files import FORMAT, ReplayFile, read_replay, write_replay

__all__ = ["FORMAT", "ReplayFile", "read_replay", "write_replay"]
