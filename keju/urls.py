from django.contrib import admin
from django.urls import include, path

from keju.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("reporting/", include("keju.reporting.urls")),
    path("monitoring/", include("keju.monitoring.urls")),
    path("vouchers/", include("keju.vouchers.urls")),
    path("instruments/", include("keju.instruments.urls")),
    path("transfer/", include("keju.transfer.urls")),
    path("pools/", include("keju.pools.urls")),
    path("registers/", include("keju.registers.urls")),
    path("open/", include("keju.publishing.urls")),
    path("dashboard/", include("keju.dashboards.urls")),
    path("notifications/", include("keju.notifications.urls")),
    path("", include("keju.web.urls")),
]
