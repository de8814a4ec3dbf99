"""A plan file that drops an org unit still in use is refused in the active language, with English plurals.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

from datetime import date

import pytest
from django.utils import translation

from keju.orgs.services import register_enterprise
from keju.planning.services import PlanLoadError, load_plan_into_db
from keju.planning.testing import MINI_PLAN, make_credit_code


@pytest.mark.django_db
def test_removing_a_park_in_use_is_refused_in_english(tmp_path):
    plan = load_plan_into_db(MINI_PLAN)
    for n in (1, 2):
        register_enterprise(
            plan,
            name=f"白银某企业{n}",
            credit_code=make_credit_code(n),
            industry_code="C3211",
            district_code="BG",
            park_code="BG-YS",
            opened_on=date(2010, 1, 1),
        )
    path = tmp_path / "plan.yaml"
    line = "  - {code: BG-YS, name: 白银有色园, level: park, parent: BG, source: 一}\n"
    text = MINI_PLAN.read_text(encoding="utf-8")
    assert line in text
    path.write_text(text.replace(line, ""), encoding="utf-8")
    with translation.override("en"), pytest.raises(PlanLoadError) as english:
        load_plan_into_db(path)
    assert english.value.problems == [
        "Org unit “白银有色园” (BG-YS) was removed from the plan file but is still referred to by "
        "2 enterprise placement records, so it cannot be deleted"
    ]
