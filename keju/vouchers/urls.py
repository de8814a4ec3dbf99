from django.urls import path

from keju.vouchers import views

app_name = "vouchers"
urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("programmes/<int:pk>/apply/", views.apply, name="apply"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
    path("vouchers/<int:pk>/order/", views.order, name="order"),
    path("vouchers/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("orders/<int:pk>/<slug:step>/", views.order_step, name="order-step"),
]
