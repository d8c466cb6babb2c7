"""What a rule is: an id, a statement, where it comes from, and what must happen."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """``must`` rules decide the exit code; ``advisory`` ones are reported only."""

    MUST = "must"
    ADVISORY = "advisory"


class Expect(StrEnum):
    """The outcome a rule's cases must get (TARGET.md's outcome classes)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RATE_LIMITED = "rate-limited"
    INVARIANT = "invariant"  # judged on state read back, not on one response


class Protocol(StrEnum):
    O2 = "o2"
    DERIVE = "derive"


@dataclass(frozen=True)
class Rule:
    """One normative rule of the target contract.

    ``codes`` is the set of acceptable error codes for a rejection (empty: any
    rejection will do); ``preferred_code`` is what a fully conformant target answers
    where the contract states a preference ("4000 preferred").
    """

    id: str
    protocol: Protocol
    category: str
    statement: str
    source: str
    expect: Expect
    codes: frozenset[int] = frozenset()
    preferred_code: int | None = None
    severity: Severity = Severity.MUST
    fix: str = ""

    def accepts_code(self, code: int | None) -> bool:
        """Is a rejection with this code (None: no code in the body) acceptable?"""
        return not self.codes or code in self.codes

    @property
    def expected_text(self) -> str:
        """The expectation in words, for reports: ``rejected with 7004 or 1001``."""
        if self.expect is not Expect.REJECTED or not self.codes:
            return self.expect.value
        return "rejected with " + " or ".join(str(c) for c in sorted(self.codes, key=abs))
