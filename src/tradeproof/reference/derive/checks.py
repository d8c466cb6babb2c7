"""The rules of ``send_quote`` and ``execute_quote``, one small method each.

Every method either returns normally or raises the :class:`RpcError` with the code
TARGET.md §2 names for that rule. They never mutate state, so any sequence of them can
be aborted at any point. :class:`~.engine.DeriveExchange` inherits them; a test that
needs a target with exactly one rule broken overrides exactly one of these methods.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from ...codes import DeriveCode as C
from ...signing import derive as sig
from .accounts import Accounts, Scope, Subaccount, Transfer
from .auth import Caller
from .errors import RpcError
from .fees import trade_fee
from .instruments import Instrument
from .margin import MarginModel
from .numbers import EXACT, on_grid
from .rfq import Quote, QuoteLeg, Rfq, RfqBook, RfqLeg, legs_key

MIN_EXPIRY_AHEAD_SEC = 310
NONCE_WINDOW_SEC = 3600
MAX_PRICE = Decimal(10) ** 12


class RuleChecks:
    """Mixin: the named rule checks. Needs the attributes below from its host."""

    accounts: Accounts
    book: RfqBook
    instruments: dict[str, Instrument]
    margin: MarginModel
    domain: sig.Domain
    clock: Callable[[], float]

    def now(self) -> float:
        """Current time in (float) unix seconds, from the injectable clock."""
        return self.clock()

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    # ------------------------------------------------------------------ subaccounts

    def owned_subaccount(self, caller: Caller, subaccount_id: int) -> Subaccount:
        """14001 unknown subaccount; 14020 it belongs to another wallet than the header's."""
        sub = self.accounts.subaccount(subaccount_id)
        if sub is None:
            raise RpcError(C.SUBACCOUNT_NOT_FOUND, f"no subaccount {subaccount_id}")
        if sub.wallet != caller.wallet:
            raise RpcError(
                C.WALLET_HEADER_MISMATCH,
                f"subaccount {subaccount_id} is not owned by {caller.wallet}",
            )
        return sub

    # ------------------------------------------------------------------ legs

    def instrument(self, name: str) -> Instrument:
        """12001 for an unknown name; 11021 for an instrument that is not live."""
        instrument = self.instruments.get(name)
        if instrument is None:
            raise RpcError(C.INSTRUMENT_NOT_FOUND, f"unknown instrument {name!r}")
        if not instrument.is_live(self.now()):
            raise RpcError(C.INSTRUMENT_NOT_LIVE, f"{name} is not live")
        return instrument

    def check_unique_legs(self, legs: Sequence[RfqLeg | QuoteLeg]) -> None:
        """11100: every instrument at most once."""
        names = [leg.instrument_name for leg in legs]
        if len(set(names)) != len(names):
            raise RpcError(
                C.LEG_INSTRUMENTS_NOT_UNIQUE, "each instrument may appear in only one leg"
            )

    def check_amount(self, instrument: Instrument, amount: Decimal) -> None:
        """11012: within [minimum_amount, maximum_amount] and a multiple of amount_step."""
        if not instrument.minimum_amount <= amount <= instrument.maximum_amount:
            raise RpcError(
                C.INVALID_AMOUNT,
                f"{instrument.name} amount {amount} outside [{instrument.minimum_amount}, "
                f"{instrument.maximum_amount}]",
            )
        if not on_grid(amount, instrument.amount_step):
            raise RpcError(
                C.INVALID_AMOUNT,
                f"{instrument.name} amount {amount} is not a multiple of {instrument.amount_step}",
            )

    def check_price(self, instrument: Instrument, price: Decimal) -> None:
        """11013: positive, at most 1e12, and on the instrument's tick."""
        if not 0 < price <= MAX_PRICE:
            raise RpcError(
                C.INVALID_LIMIT_PRICE, f"{instrument.name} price {price} must be in (0, 1e12]"
            )
        if not on_grid(price, instrument.tick_size):
            raise RpcError(
                C.INVALID_LIMIT_PRICE,
                f"{instrument.name} price {price} is not on tick {instrument.tick_size}",
            )

    def check_rfq_legs(self, legs: Sequence[RfqLeg]) -> None:
        self.check_unique_legs(legs)
        for leg in legs:
            self.check_amount(self.instrument(leg.instrument_name), leg.amount)

    def check_quote_legs(self, legs: Sequence[QuoteLeg]) -> None:
        self.check_unique_legs(legs)
        for leg in legs:
            instrument = self.instrument(leg.instrument_name)
            self.check_amount(instrument, leg.amount)
            self.check_price(instrument, leg.price)

    def check_quote_matches_rfq(self, legs: Sequence[QuoteLeg], rfq: Rfq) -> None:
        """11103: a quote prices exactly the RFQ's legs (instrument, direction, amount)."""
        quoted = sorted((leg.instrument_name, leg.direction, leg.amount) for leg in legs)
        asked = sorted((leg.instrument_name, leg.direction, leg.amount) for leg in rfq.legs)
        if quoted != asked:
            raise RpcError(
                C.QUOTE_LEG_MISMATCH,
                "legs must match the RFQ's instruments, directions and amounts",
            )

    def signing_legs(self, legs: Iterable[QuoteLeg]) -> list[sig.Leg]:
        """The legs as the signing module encodes them (asset and sub id from the instrument)."""
        out = []
        for leg in legs:
            instrument = self.instruments.get(leg.instrument_name)
            if instrument is None:
                raise RpcError(
                    C.INSTRUMENT_NOT_FOUND, f"unknown instrument {leg.instrument_name!r}"
                )
            out.append(
                sig.Leg(
                    leg.instrument_name,
                    leg.direction,
                    leg.price,
                    leg.amount,
                    instrument.asset,
                    instrument.sub_id,
                )
            )
        return out

    # ------------------------------------------------------------------ quote state

    def lookup_quote(self, quote_id: str) -> Quote:
        """11102: the quote must exist."""
        quote = self.book.quotes.get(quote_id)
        if quote is None:
            raise RpcError(C.QUOTE_NOT_FOUND, f"no quote {quote_id!r}")
        return quote

    def check_quote_of_rfq(self, quote: Quote, rfq_id: str) -> Rfq:
        """11105: the quote answers the RFQ named in the request."""
        if quote.rfq_id != rfq_id:
            raise RpcError(
                C.QUOTE_OF_OTHER_RFQ, f"quote {quote.quote_id} belongs to RFQ {quote.rfq_id}"
            )
        return self.book.rfqs[quote.rfq_id]

    def check_rfq_sender(self, rfq: Rfq, taker: Subaccount) -> None:
        """11101: only the subaccount that sent the RFQ may execute quotes on it."""
        if rfq.subaccount_id != taker.id:
            raise RpcError(
                C.RFQ_NOT_FOUND, f"RFQ {rfq.rfq_id} was not sent by subaccount {taker.id}"
            )

    def check_open(self, quote: Quote, rfq: Rfq) -> None:
        """11104: quote and RFQ both open (a quote with ≤ 300 s to expiry is expired)."""
        now = self.now()
        rfq_status = rfq.status_at(int(now * 1000))
        if rfq_status != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"RFQ {rfq.rfq_id} is {rfq_status}")
        status = quote.status_at(now, rfq)
        if status != "open":
            raise RpcError(C.QUOTE_OR_RFQ_NOT_OPEN, f"quote {quote.quote_id} is {status}")

    def check_execute_matches_quote(
        self, direction: str, legs: Sequence[QuoteLeg], quote: Quote
    ) -> None:
        """11103: the taker trades the opposite direction, on exactly the quote's legs.

        Checked before the signature, so a mismatch gets this specific code rather than
        14014 (TARGET.md §2 allows either)."""
        if direction == quote.direction:
            raise RpcError(
                C.QUOTE_LEG_MISMATCH,
                f"direction must be the opposite of the quote's ({quote.direction})",
            )
        if legs_key(legs) != legs_key(quote.legs):
            raise RpcError(
                C.QUOTE_LEG_MISMATCH,
                "legs must be the quote's legs (instrument, direction, price, amount)",
            )

    # ------------------------------------------------------------------ signed action

    def check_signature_expiry(self, expiry: int) -> None:
        """11011: ``signature_expiry_sec`` at least 310 s from now."""
        if expiry < self.now() + MIN_EXPIRY_AHEAD_SEC:
            raise RpcError(
                C.INVALID_SIGNATURE_EXPIRY,
                f"signature_expiry_sec must be at least now + {MIN_EXPIRY_AHEAD_SEC}",
            )

    def check_nonce_date(self, nonce: int) -> None:
        """11018: the first 10 digits are UTC seconds within one hour of now."""
        digits = str(nonce)
        if len(digits) < 10 or abs(int(digits[:10]) - self.now()) > NONCE_WINDOW_SEC:
            raise RpcError(
                C.INVALID_NONCE_DATE,
                "First 10 digits of nonce must be a UTC sec timestamp within 1 hour of the "
                "true UTC timestamp.",
            )

    def check_nonce_unused(self, wallet: str, nonce: int) -> None:
        """11017: not yet used by this wallet (quotes and executions alike)."""
        account = self.accounts.wallet(wallet)
        if account is not None and nonce in account.used_nonces:
            raise RpcError(
                C.NON_UNIQUE_NONCE, "This nonce has already been used, please use a new nonce."
            )

    def consume_nonce(self, wallet: str, nonce: int) -> None:
        """Only accepted requests consume their nonce."""
        account = self.accounts.wallet(wallet)
        if account is not None:
            account.used_nonces.add(nonce)

    def check_signer(self, owner: str, signer: str) -> None:
        """14023 not the owner nor its session key; 14030 key expired; 14031 key below admin."""
        if signer == owner:
            return
        account = self.accounts.wallet(owner)
        key = account.session_keys.get(signer.lower()) if account else None
        if key is None:
            raise RpcError(
                C.SIGNER_NOT_OWNER_OR_SESSION_KEY,
                f"{signer} is neither {owner} nor its session key",
            )
        if key.expired(self.now()):
            raise RpcError(
                C.SESSION_KEY_EXPIRED, f"session key {signer} expired at {key.expiry_sec}"
            )
        if key.scope < Scope.ADMIN:
            raise RpcError(
                C.UNAUTHORIZED_KEY_SCOPE,
                f"session key {signer} has scope {key.scope.label}; admin required",
            )

    def signing_domain(self) -> sig.Domain:
        """The EIP-712 domain signatures are verified under."""
        return self.domain

    def signing_module(self) -> str:
        """The module address put in the Action that is verified (the RFQ module)."""
        return self.domain.rfq_module

    def verify_action_signature(
        self,
        *,
        subaccount_id: int,
        nonce: int,
        data: bytes,
        expiry: int,
        owner: str,
        signer: str,
        signature: str,
    ) -> None:
        """14014 unless ``signature`` over the rebuilt Action recovers to ``signer``."""
        action = sig.Action(
            subaccount_id, nonce, self.signing_module(), data, expiry, owner, signer
        )
        recovered = sig.recover_action_signer(signature, action, self.signing_domain())
        if recovered != signer:
            raise RpcError(
                C.INVALID_SIGNATURE,
                "Address recovered from message and signature does not match the signer",
            )

    # ------------------------------------------------------------------ fees, margin

    def fee(self, legs: Iterable[QuoteLeg], role: str) -> Decimal:
        """The fee the reference charges ``role`` for these legs (see ``fees.py``)."""
        return trade_fee(
            ((self.instruments[leg.instrument_name], leg.amount) for leg in legs), role
        )

    def check_taker_max_fee(self, max_fee: Decimal, fee: Decimal) -> None:
        """11023: the taker's max_fee covers the taker fee."""
        if max_fee < fee:
            raise RpcError(C.MAX_FEE_TOO_LOW, f"max_fee {max_fee} is below the fee {fee}")

    def check_maker_max_fee(self, max_fee: Decimal, fee: Decimal) -> None:
        """11023 at send_quote: the quote's max_fee covers the maker fee."""
        if max_fee < fee:
            raise RpcError(C.MAX_FEE_TOO_LOW, f"max_fee {max_fee} is below the maker fee {fee}")

    def check_counterparty_max_fee(self, quote: Quote, fee: Decimal) -> None:
        """8501 if, at execution, the maker fee exceeds the quote's signed max_fee."""
        if quote.max_fee < fee:
            raise RpcError(
                C.COUNTERPARTY_MAX_FEE_TOO_LOW, f"maker max_fee {quote.max_fee} is below {fee}"
            )

    def settlement_transfers(
        self, quote: Quote, taker: Subaccount, taker_fee: Decimal, maker_fee: Decimal
    ) -> list[Transfer]:
        """Legs, cash and both fees of filling ``quote`` against ``taker``, as one batch.

        With quote direction D and leg direction d (buy = +1, sell = −1) the maker's
        position moves by amount·d·D and the taker's by the opposite; cash moves the
        other way at the leg price; fees go to the fee account.
        """
        D = 1 if quote.direction == "buy" else -1
        maker_legs, taker_legs = [], []
        maker_cash = Decimal(0)
        for leg in quote.legs:
            delta = leg.amount if (1 if leg.direction == "buy" else -1) * D > 0 else -leg.amount
            maker_legs.append((leg.instrument_name, delta, leg.price))
            taker_legs.append((leg.instrument_name, -delta, leg.price))
            maker_cash = EXACT.subtract(maker_cash, EXACT.multiply(leg.price, delta))
        return [
            Transfer(quote.subaccount_id, EXACT.subtract(maker_cash, maker_fee), tuple(maker_legs)),
            Transfer(taker.id, EXACT.subtract(-maker_cash, taker_fee), tuple(taker_legs)),
            Transfer(self.accounts.fee_account.id, EXACT.add(taker_fee, maker_fee)),
        ]

    def has_margin(self, subaccount: Subaccount, transfers: Sequence[Transfer]) -> bool:
        projected = self.accounts.projected(subaccount, transfers)
        return self.margin.summary(projected, self.instruments).sufficient

    def check_taker_margin(self, taker: Subaccount, transfers: Sequence[Transfer]) -> None:
        """11000: the taker keeps initial_margin ≥ 0 after the whole trade."""
        if not self.has_margin(taker, transfers):
            raise RpcError(
                C.INSUFFICIENT_FUNDS, f"subaccount {taker.id} would be below initial margin"
            )

    def check_maker_margin(self, maker: Subaccount, transfers: Sequence[Transfer]) -> None:
        """8500: the maker keeps initial_margin ≥ 0 after the whole trade."""
        if not self.has_margin(maker, transfers):
            raise RpcError(
                C.COUNTERPARTY_INSUFFICIENT_FUNDS,
                "Counterparty had insufficient funds to fill the order",
            )
