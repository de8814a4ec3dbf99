"""The Excel channel of direct reporting: templates per form and period, uploads with per-cell errors."""

from django.urls import path

from keju.reporting.excel import views

# Included under /reporting/excel/ in the `reporting` namespace.
urlpatterns = [
    path("", views.template_page, name="excel-template"),
    path("template.xlsx", views.template_download, name="excel-template-download"),
    path("upload/", views.upload, name="excel-upload"),
    path("results/<str:token>/<str:kind>.xlsx", views.result_file, name="excel-result-file"),
]
