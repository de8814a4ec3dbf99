from django.urls import path

from keju.instruments import views

app_name = "instruments"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/book/", views.book, name="book"),
    path("bookings/mine/", views.mine, name="mine"),
    path("bookings/desk/", views.desk, name="desk"),
    path("bookings/<int:pk>/<slug:step>/", views.booking_step, name="booking-step"),
    path("evaluation/", views.evaluation, name="evaluation"),
]
