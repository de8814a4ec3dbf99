"""An English user sees project and talent pool refusals and confirmations in English.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from keju.pools import services
from keju.pools.models import Project
from keju.pools.tests.conftest import PROJECT

pytestmark = pytest.mark.django_db


def test_a_refused_project_is_explained_in_the_language_of_the_page(client, people):
    client.force_login(people.reviewer_xq)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = client.post(reverse("pools:projects"), dict(PROJECT, start_year="2019", end_year="2018"))
    assert "The start year cannot be later than the completion year." in bad.content.decode()
    assert not Project.objects.exists()
    good = client.post(reverse("pools:projects"), PROJECT, follow=True)
    assert f"Project “{PROJECT['name']}” entered." in good.content.decode()


def test_field_labels_in_refusals_follow_the_language(people):
    data = dict(PROJECT, investment="-3")
    with translation.override("en"), pytest.raises(services.PoolError) as english:
        services.save_project(people.reviewer_xq, people.plan, data)
    assert english.value.message == "Total investment (100 million yuan) must be greater than 0."
    with pytest.raises(services.PoolError) as chinese:
        services.save_project(people.reviewer_xq, people.plan, data)
    assert chinese.value.message == "总投资(亿元)必须大于0。"
