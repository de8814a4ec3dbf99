"""`keju tokens create USERNAME NAME | list [USERNAME] | revoke USERNAME NAME`: API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from keju.accounts.models import ApiToken
from keju.accounts.tokens import TokenError, issue_token, revoke_token


class Command(BaseCommand):
    help = "Issue, list and revoke API tokens (the plain token is printed once, on creation)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token")
        create.add_argument("username")
        create.add_argument("name")
        listing = sub.add_parser("list", help="list tokens")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="revoke a token")
        revoke.add_argument("username")
        revoke.add_argument("name")

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在")
        return user

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            try:
                _, token = issue_token(self._user(options["username"]), options["name"])
            except TokenError as exc:
                raise CommandError(str(exc)) from None
            self.stderr.write("令牌只显示这一次,请妥善保存:")
            self.stdout.write(token)
        elif action == "list":
            rows = ApiToken.objects.select_related("user").order_by("user__username", "name")
            if options.get("username"):
                rows = rows.filter(user=self._user(options["username"]))
            for t in rows:
                state = "已撤销" if t.revoked_at else "有效"
                used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "未使用"
                self.stdout.write(f"{t.user.username}\t{t.name}\t{t.prefix}…\t{state}\t{used}")
        else:
            record = ApiToken.objects.filter(
                user=self._user(options["username"]), name=options["name"]
            ).first()
            if record is None:
                raise CommandError(f"用户“{options['username']}”没有名为“{options['name']}”的令牌")
            revoke_token(record)
            self.stdout.write(f"已撤销令牌“{record.name}”")
