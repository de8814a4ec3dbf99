"""Register refusals are in the active language; bulk errors stay sorted by row in any language.

Needs the English catalogue (keju/locale/en) to hold the service messages; run after compilemessages.
"""

from datetime import date

import pytest
from django.utils import translation

from keju.orgs.services import RegisterError, bulk_register
from keju.planning.testing import make_credit_code


def _row(n, **overrides):
    values = {
        "name": f"企业{n}",
        "credit_code": make_credit_code(n),
        "industry_code": "C2614",
        "district_code": "XQ",
        "opened_on": date(2015, 1, 1),
    }
    return values | overrides


@pytest.mark.django_db
def test_bulk_errors_are_in_english_and_sorted_by_row(plan):
    rows = (
        [
            _row(1),
            _row(2, district_code="NOPE"),
            _row(3, industry_code="C9999", is_above_scale="maybe"),
        ]
        + [_row(n) for n in range(4, 11)]
        + [_row(11, credit_code=make_credit_code(1))]
    )
    with translation.override("en"), pytest.raises(RegisterError) as english:
        bulk_register(plan, rows)
    assert english.value.messages == [
        "Row 2: Unknown district code “NOPE”",
        "Row 3: Above-scale industrial enterprise: “maybe” should be “yes” or “no”",
        "Row 3: Industry code “C9999” is wrong: there is no division 99",
        f"Row 11: Unified social credit code {make_credit_code(1)} is the same as on row 1",
    ]
