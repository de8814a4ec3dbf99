from django.urls import path

from keju.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("<int:pk>/", views.edition, name="edition"),
    path("<int:pk>/report.pdf", views.edition_pdf, name="pdf"),
    path("<int:pk>/report.docx", views.edition_docx, name="docx"),
    path("<int:pk>/data.json", views.edition_json, name="json"),
    path("<int:pk>/datapackage.zip", views.edition_zip, name="zip"),
    path("<int:pk>/<slug:table>.csv", views.edition_csv, name="csv"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.manage_create, name="manage-create"),
    path("manage/<int:pk>/", views.manage_detail, name="manage-detail"),
    path("manage/<int:pk>/preview.pdf", views.manage_preview, name="manage-preview"),
    path("manage/<int:pk>/<slug:action>/", views.manage_action, name="manage-action"),
]
