from django.urls import path

from keju.transfer import views

app_name = "transfer"
urlpatterns = [
    path("", views.index, name="index"),
    path("achievements/new/", views.new_achievement, name="new-achievement"),
    path("achievements/<int:pk>/", views.achievement_detail, name="achievement"),
    path("needs/new/", views.new_need, name="new-need"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/follow-up/", views.follow_up, name="follow-up"),
    path("board/", views.board, name="board"),
    path("matches/<int:pk>/advance/", views.advance, name="advance"),
    path("contracts/", views.contracts, name="contracts"),
]
