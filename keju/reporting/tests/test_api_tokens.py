"""API tokens: stored hashed, named, revocable, and managed from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from keju.accounts.models import ApiToken
from keju.accounts.tokens import TokenError, hash_token, issue_token, user_for_token

pytestmark = pytest.mark.django_db


def test_only_the_hash_is_stored_and_names_are_unique_per_user():
    user = get_user_model().objects.create(username="u1")
    record, token = issue_token(user, "数据同步")
    assert token.startswith("kj_") and len(token) > 40
    assert record.key_hash == hash_token(token) and token not in record.key_hash
    assert user_for_token(token) == user
    with pytest.raises(TokenError) as info:
        issue_token(user, "数据同步")
    assert "已有" in str(info.value)
    with pytest.raises(TokenError):
        issue_token(user, "  ")


def test_inactive_users_and_unknown_tokens_get_nobody():
    user = get_user_model().objects.create(username="u2")
    _, token = issue_token(user, "a")
    assert user_for_token(token + "x") is None
    assert user_for_token("") is None
    user.is_active = False
    user.save()
    assert user_for_token(token) is None


def test_tokens_command_creates_lists_and_revokes():
    get_user_model().objects.create(username="u3")
    out, err = StringIO(), StringIO()
    call_command("tokens", "create", "u3", "对接系统", stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert user_for_token(token).username == "u3"
    assert "只显示这一次" in err.getvalue()
    listing = StringIO()
    call_command("tokens", "list", stdout=listing)
    assert "对接系统" in listing.getvalue() and token not in listing.getvalue()
    call_command("tokens", "revoke", "u3", "对接系统", stdout=StringIO())
    assert user_for_token(token) is None
    assert ApiToken.objects.get().revoked_at is not None
    with pytest.raises(CommandError):
        call_command("tokens", "create", "nobody-here", "x", stdout=StringIO())
