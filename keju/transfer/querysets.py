"""Reusable queries on listings and matches."""

from __future__ import annotations

from typing import Any

from django.db import models


class ListingQuerySet(models.QuerySet):
    def published(self) -> ListingQuerySet:
        return self.filter(status="published")


class MatchQuerySet(models.QuerySet):
    def open(self) -> MatchQuerySet:
        return self.exclude(status__in=["contracted", "closed"])

    def for_enterprise(self, enterprise: Any) -> MatchQuerySet:
        return self.filter(need__enterprise=enterprise)
