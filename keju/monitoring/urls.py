from django.urls import path

from keju.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.progress, name="progress"),
    path("values/", views.values, name="values"),
    path("values/<str:indicator>/<str:unit>/<str:period>/", views.value_detail, name="value"),
    path("warnings/", views.warnings, name="warnings"),
    path("index/", views.index, name="index"),
    path("runs/", views.runs, name="runs"),
    path("runs/recompute/", views.recompute_now, name="recompute"),
]
