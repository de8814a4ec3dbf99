from django.urls import path

from keju.pools import views

app_name = "pools"
urlpatterns = [
    path("projects/", views.projects, name="projects"),
    path("talents/", views.talents, name="talents"),
    path("talents/<int:pk>/withdraw-consent/", views.withdraw, name="withdraw-consent"),
]
