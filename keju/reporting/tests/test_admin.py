import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from keju.demo.persist import run_demo
from keju.planning.models import Plan
from keju.reporting.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    run_demo(settings.KEJU_DEFAULT_PLAN, seed=7, enterprises=200, years=[2014, 2015], accounts=True)
    return Plan.objects.get()


def test_superuser_reads_reports_but_cannot_add_or_delete(client, demo):
    admin_user = get_user_model().objects.create_superuser("root", password="pw-123456")
    client.force_login(admin_user)
    response = client.get(reverse("admin:reporting_report_changelist"))
    assert response.status_code == 200
    report = Report.objects.first()
    page = client.get(reverse("admin:reporting_report_change", args=[report.pk])).content.decode()
    assert 'name="_save"' not in page
    assert client.get(reverse("admin:reporting_report_add")).status_code == 403


def test_reviewer_staff_sees_only_own_district_reports(client, demo):
    reviewer = get_user_model().objects.get(username="reviewer_lzxq")
    reviewer.is_staff = True
    reviewer.save()
    reviewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    client.force_login(reviewer)
    listed = client.get(reverse("admin:reporting_report_changelist")).context["cl"].queryset
    assert listed.exists()
    assert set(listed.values_list("district__code", flat=True)) == {"lzxq"}
