from django.urls import path

from keju.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
