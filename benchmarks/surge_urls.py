"""URLs for benchmarks/deadline_surge.py: the real app, plus /bench/floor — the same stack
(gunicorn, Django, django-ninja, token auth, one transaction) writing one row and nothing else."""

from typing import Any

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from keju.reporting.api import BearerToken
from keju.reporting.models import AuditEntry
from keju.urls import urlpatterns as app_urls

floor_api = NinjaAPI(urls_namespace="bench", auth=BearerToken(), docs_url=None, openapi_url=None)


@floor_api.post("/floor")
def floor(request: HttpRequest) -> Any:
    entry = AuditEntry.objects.create(
        actor=request.user, actor_name=request.user.username, channel="api", action="save", note="floor"
    )
    return {"id": entry.pk}


urlpatterns = [path("bench/", floor_api.urls), *app_urls]
