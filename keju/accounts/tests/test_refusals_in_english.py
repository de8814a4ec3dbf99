"""Role and token refusals are in the active language (English when the user chose English).

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from keju.accounts.models import Role
from keju.accounts.services import RoleError, assign_role
from keju.accounts.tokens import TokenError, issue_token
from keju.orgs.models import OrgUnit


@pytest.mark.django_db
def test_a_role_that_does_not_fit_its_scope_is_refused_in_english(plan):
    user = get_user_model().objects.create_user("zhang")
    city = OrgUnit.objects.get(plan=plan, code="LZ")
    with translation.override("en"), pytest.raises(RoleError) as english:
        assign_role(user, Role.DISTRICT_REVIEWER, org_unit=city)
    assert str(english.value) == "District reviewer needs a district; “兰州市” is a unit of the level “City”"
    with pytest.raises(RoleError, match="管委会审核员须指定一个区,“兰州市”是市"):
        assign_role(user, Role.DISTRICT_REVIEWER, org_unit=city)


@pytest.mark.django_db
def test_a_token_without_a_name_is_refused_in_english():
    user = get_user_model().objects.create_user("zhang")
    with translation.override("en"), pytest.raises(TokenError, match="^Please give the token a name$"):
        issue_token(user, " ")
