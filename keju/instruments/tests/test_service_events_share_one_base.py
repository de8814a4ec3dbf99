"""The three services' audit trails share one shape and one way of writing (keju.accounts.events)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from keju.accounts.events import ServiceEvent, guarded, refusal
from keju.instruments.models import InstrumentEvent
from keju.instruments.services import InstrumentError
from keju.transfer.models import TransferEvent
from keju.transfer.services import TransferError
from keju.vouchers.models import VoucherEvent
from keju.vouchers.services import VoucherError


def test_every_service_trail_is_a_service_event():
    for model in (TransferEvent, VoucherEvent, InstrumentEvent):
        assert issubclass(model, ServiceEvent) and not model._meta.abstract
        assert {f.name for f in model._meta.fields} == {
            "id",
            "at",
            "actor",
            "action",
            "refused",
            "target",
            "detail",
        }
        assert model._meta.ordering == ["-at", "-id"]
    for error in (TransferError, VoucherError, InstrumentError):
        assert error("不行").message == "不行"


def test_a_refusal_rolls_the_work_back_and_is_recorded_outside_it(db):
    def work():
        VoucherEvent.record(None, "written_inside", "programme:1")
        raise VoucherError("预算不足。")

    with pytest.raises(VoucherError, match="预算不足"):
        guarded(VoucherEvent, VoucherError, AnonymousUser(), "create_programme", "programme:1", work)
    event = VoucherEvent.objects.get()  # what the work wrote is gone
    assert (event.action, event.refused, event.detail, event.actor) == (
        "create_programme",
        True,
        "预算不足。",
        None,
    )


def test_work_done_is_recorded_once(db):
    assert guarded(InstrumentEvent, InstrumentError, None, "register", "instrument:1", lambda: 42) == 42
    assert list(InstrumentEvent.objects.values_list("action", "target", "refused")) == [
        ("register", "instrument:1", False)
    ]


def test_refusal_returns_the_service_error_and_truncates_the_detail(db):
    error = refusal(TransferEvent, TransferError, None, "search", "", "长" * 3000)
    assert isinstance(error, TransferError)
    assert len(TransferEvent.objects.get().detail) == 2000
