from django.urls import path

from keju.registers import views

app_name = "registers"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<str:register>/", views.entries, name="list"),
    path("<str:register>/new/", views.create, name="create"),
    path("<str:register>/<int:pk>/", views.detail, name="detail"),
    path("<str:register>/<int:pk>/edit/", views.change, name="edit"),
    path("<str:register>/<int:pk>/revoke/", views.withdraw, name="revoke"),
]
