"""N parallel bookings of one slot on PostgreSQL: exactly one wins."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from keju.instruments import services
from keju.instruments.models import Booking

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL"
    ),
]


def test_parallel_bookings_of_one_slot_exactly_one_wins(lab):
    users = [get_user_model().objects.create_user(f"u{n}", password="pw-user-1234") for n in range(8)]
    barrier = threading.Barrier(len(users))
    outcomes = []

    def attempt(user, minute):
        try:
            barrier.wait()
            outcomes.append(
                services.book(
                    user,
                    lab.instrument,
                    {"start": lab.at(9, minute), "end": lab.at(10, minute), "purpose": "x"},
                )
            )
        except services.InstrumentError as refusal:
            outcomes.append(refusal)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(u, n % 3)) for n, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, Booking) for o in outcomes) == 1
    assert Booking.objects.count() == 1
    assert all("已被预约" in o.message for o in outcomes if isinstance(o, services.InstrumentError))
