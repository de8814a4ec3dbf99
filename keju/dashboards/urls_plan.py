from django.urls import URLPattern, path

from keju.dashboards.board import views

urlpatterns: list[URLPattern] = [
    path("structure/", views.structure_page, name="structure"),
    path("chains/", views.chains_page, name="chains"),
    path("stages/", views.stages_page, name="stages"),
    path("index/", views.index_page, name="index"),
    path("scorecards/", views.scorecards_page, name="scorecards"),
    path("collection/", views.collection_page, name="collection"),
    path("tasks/", views.tasks_page, name="tasks"),
    path("tasks/<str:code>/", views.task_detail, name="task"),
    path("tasks/<str:code>/update/", views.task_update, name="task_update"),
]
