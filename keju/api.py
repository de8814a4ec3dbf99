"""The JSON API (django-ninja). Each app adds its router here; the OpenAPI schema is committed."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Keju 科聚网 API",
    version="1",
    description="联网直报与公开数据接口 — direct reporting and open data.",
    urls_namespace="api",
)
