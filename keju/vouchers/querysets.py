"""Balances are derived from the ledger, never stored."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Sum

CENT = Decimal("0.01")


class LedgerQuerySet(models.QuerySet):
    def balance(self, account: str) -> Decimal:
        total = self.filter(account=account).aggregate(total=Sum("amount"))["total"]
        # SQLite sums decimals without their scale; money is always shown to the fen.
        return (total if total is not None else Decimal("0")).quantize(CENT)

    def balances(self, prefix: str) -> dict[str, Decimal]:
        rows = self.filter(account__startswith=prefix).values("account").annotate(total=Sum("amount"))
        return {r["account"]: r["total"].quantize(CENT) for r in rows}
