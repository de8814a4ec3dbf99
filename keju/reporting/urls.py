from django.urls import include, path

app_name = "reporting"
urlpatterns: list = [
    path("excel/", include("keju.reporting.excel.urls")),
]
