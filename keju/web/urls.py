from django.contrib.auth import views as auth_views
from django.urls import path

from keju.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("plan/", views.plan_detail, name="plan"),
    path("structure/", views.org_tree, name="org-tree"),
    path("tasks/", views.tasks, name="tasks"),
    path("enterprises/", views.enterprises, name="enterprises"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
