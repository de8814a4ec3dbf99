from django.urls import URLPattern, path

from keju.dashboards.zone import views

urlpatterns: list[URLPattern] = [
    path("", views.overview, name="overview"),
    path("districts/", views.districts, name="districts"),
    path("units/<str:code>/", views.unit, name="unit"),
]
