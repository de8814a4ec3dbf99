from django.urls import include, path

from keju.reporting.views import completeness, fill, mine, review

app_name = "reporting"
urlpatterns: list = [
    path("", mine.mine, name="mine"),
    path("start/", mine.start, name="start"),
    path("reports/<int:pk>/", fill.report_page, name="report"),
    path("reports/<int:pk>/revise/", fill.revise, name="revise"),
    path("reports/<int:pk>/detail/", review.detail, name="detail"),
    path("reports/<int:pk>/approve/", review.approve, name="approve"),
    path("reports/<int:pk>/return/", review.return_report, name="return"),
    path(
        "reports/<int:pk>/explanations/<str:code>/reject/",
        review.reject_explanation,
        name="reject-explanation",
    ),
    path("reports/<int:pk>/lock/", review.lock, name="lock"),
    path("review/", review.queue, name="queue"),
    path("completeness/", completeness.completeness, name="completeness"),
    path("excel/", include("keju.reporting.excel.urls")),
]
