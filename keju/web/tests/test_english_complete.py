"""The English interface is complete: every UI string has an English translation that is
actually served.

The catalogue is keju/locale/en/LC_MESSAGES/django.po (compiled to django.mo, both committed).
These tests read the .po directly (polib is not a dependency), so a failure names the strings
concerned rather than just "a page shows Chinese".
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from keju.planning.services import load_plan_into_db

KEJU_DIR = Path(__file__).resolve().parents[2]
PO_FILE = KEJU_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"

# The source files `makemessages` reads (its default extensions), minus the tests, which hold
# no UI strings.
SKIPPED_DIRS = {"tests", "migrations", "locale", "__pycache__"}

PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]")


@dataclass
class Entry:
    msgid: str
    line: int
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    msgctxt: str | None = None  # pgettext's context ("refused action"), None for plain gettext


def _unquote(text: str) -> str:
    body = text.strip()
    assert body.startswith('"') and body.endswith('"'), body
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES.get(m.group(1), m.group(0)), body[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file (header excluded), keeping the flags that matter at run time."""
    entries: list[Entry] = []
    flags: set[str] = set()
    current: Entry | None = None
    target: str | None = None  # "msgid", "msgid_plural" or "msgstr[i]"
    context: str | None = None  # a msgctxt line, for the msgid that follows it
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            flags, target = set(), None
            continue
        if line.startswith("#,"):
            flags = {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            context = _unquote(line[len("msgctxt ") :])
            continue
        elif line.startswith("msgid_plural "):
            assert current is not None
            current.msgid_plural, target = _unquote(line[len("msgid_plural ") :]), "msgid_plural"
        elif line.startswith("msgid "):
            current = Entry(
                msgid=_unquote(line[len("msgid ") :]),
                line=number,
                flags=flags,
                obsolete=obsolete,
                msgctxt=context,
            )
            context = None
            entries.append(current)
            target = "msgid"
        elif line.startswith("msgstr"):
            assert current is not None
            keyword, _, value = line.partition(" ")
            current.msgstr.append(_unquote(value))
            target = keyword
        elif line.startswith('"') and current is not None and target is not None:
            if target == "msgid":
                current.msgid += _unquote(line)
            elif target == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + _unquote(line)
            else:
                current.msgstr[-1] += _unquote(line)
    return [entry for entry in entries if entry.msgid]


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return [entry for entry in parse_po(PO_FILE) if not entry.obsolete]


def _describe(entries: list[Entry]) -> str:
    return "\n".join(f"  django.po:{entry.line}: {entry.msgid!r}" for entry in entries)


def test_every_entry_has_an_english_translation(catalogue):
    offenders = [entry for entry in catalogue if not entry.msgstr or any(not text for text in entry.msgstr)]
    assert not offenders, f"{len(offenders)} entries without English:\n{_describe(offenders)}"


def test_no_entry_is_fuzzy(catalogue):
    # gettext ignores fuzzy entries at run time, so they would show Chinese.
    offenders = [entry for entry in catalogue if "fuzzy" in entry.flags]
    assert not offenders, f"{len(offenders)} fuzzy entries:\n{_describe(offenders)}"


def test_plural_entries_have_both_english_forms(catalogue):
    offenders = [entry for entry in catalogue if entry.msgid_plural is not None and len(entry.msgstr) != 2]
    assert not offenders, f"plural entries without exactly two forms:\n{_describe(offenders)}"


def test_translations_keep_the_placeholders(catalogue):
    # A lost or renamed %(name)s shows the wrong text or raises KeyError when formatting.
    offenders = []
    for entry in catalogue:
        if "python-format" not in entry.flags:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        offenders += [entry for text in entry.msgstr if sorted(PLACEHOLDER.findall(text)) != expected]
    assert not offenders, f"placeholders differ from the Chinese:\n{_describe(offenders)}"


def test_compiled_catalogue_serves_every_translation(catalogue):
    # Catches a .po edited without running compilemessages (the .mo is what Django reads).
    stale = []
    with translation.override("en"):
        for entry in catalogue:
            if entry.msgid_plural is None:
                served = [
                    translation.gettext(entry.msgid)
                    if entry.msgctxt is None
                    else translation.pgettext(entry.msgctxt, entry.msgid)
                ]
            elif entry.msgctxt is None:
                served = [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            else:
                served = [
                    translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)
                ]
            if served != entry.msgstr:
                stale.append(entry)
    assert not stale, f"django.mo is out of date with django.po; run compilemessages:\n{_describe(stale)}"


def _gettext_literals_in_python(source: str) -> set[str]:
    """Literal msgids passed to the gettext family, as xgettext reads them."""
    keywords = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in keywords:
            continue
        literal_count = 2 if name.startswith("ngettext") else 1
        for argument in node.args[:literal_count]:
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


TEMPLATIZED_CALL = re.compile(r"\b(n?gettext)\(((?:u?'(?:[^'\\\n]|\\.)*'(?:, )?)+)")
TEMPLATIZED_LITERAL = re.compile(r"u?'(?:[^'\\\n]|\\.)*'")


def _gettext_literals_in_template(source: str) -> set[str]:
    # templatize is what makemessages feeds to xgettext, so blocktrans bodies come out exactly
    # as they are stored in the catalogue (variables as %(name)s, trimmed, %% escaped).
    found: set[str] = set()
    for match in TEMPLATIZED_CALL.finditer(templatize(source)):
        literals = [ast.literal_eval(text) for text in TEMPLATIZED_LITERAL.findall(match.group(2))]
        found.update(literals[: 2 if match.group(1) == "ngettext" else 1])
    return found


def source_msgids() -> dict[str, str]:
    """Every translatable literal in keju's code and templates, with the file it comes from."""
    found: dict[str, str] = {}
    for path in sorted(KEJU_DIR.rglob("*")):
        if SKIPPED_DIRS & set(path.relative_to(KEJU_DIR).parts) or not path.is_file():
            continue
        if path.suffix == ".py":
            msgids = _gettext_literals_in_python(path.read_text(encoding="utf-8"))
        elif path.suffix in {".html", ".txt"}:
            msgids = _gettext_literals_in_template(path.read_text(encoding="utf-8"))
        else:
            continue
        for msgid in msgids:
            found.setdefault(msgid, str(path.relative_to(KEJU_DIR)))
    return found


def test_every_ui_string_in_the_source_is_in_the_catalogue(catalogue):
    known = {entry.msgid for entry in catalogue} | {
        entry.msgid_plural for entry in catalogue if entry.msgid_plural is not None
    }
    missing = {msgid: where for msgid, where in source_msgids().items() if msgid and msgid not in known}
    listing = "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda item: item[1])
    )
    assert not missing, (
        f"{len(missing)} UI strings are not in django.po; run `cd keju && keju makemessages -l en "
        f"--ignore=tests`, translate them and compilemessages:\n{listing}"
    )


def test_source_scan_finds_strings_of_every_kind():
    # Guards the scanner itself: were it to find nothing, the test above would pass vacuously.
    python = _gettext_literals_in_python(
        'from x import gettext_lazy as _\nA = _("甲")\nB = ngettext("乙", "丙", n)\n'
    )
    template = _gettext_literals_in_template(
        '{% load i18n %}{% trans "丁" %}{% blocktrans trimmed with n=x %}\n  共 {{ n }} 项\n{% endblocktrans %}'
        "{% blocktrans count n=k %}{{ n }} 个{% plural %}{{ n }} 个们{% endblocktrans %}"
    )
    assert python == {"甲", "乙", "丙"}
    assert template == {"丁", "共 %(n)s 项", "%(n)s 个", "%(n)s 个们"}
    assert len(source_msgids()) > 500


@pytest.fixture
def plan():
    # Most pages show only "no plan loaded yet" without one.
    return load_plan_into_db(settings.KEJU_DEFAULT_PLAN)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "english", "chinese"),
    [
        ("login", "Sign in", "登录"),
        ("publishing:archive", "Open data and publications", "公开数据与出版物"),
        ("instruments:index", "Sharing of large research instruments", "大型科研仪器开放共享"),
        ("transfer:index", "Technology transfer", "技术转移"),
    ],
)
def test_pages_are_english_with_the_language_cookie(client, plan, url_name, english, chinese):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse(url_name))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert english in page
    assert chinese not in page


@pytest.mark.django_db
def test_reporting_page_is_english_for_a_signed_in_user_and_chinese_without_the_cookie(client, plan):
    user = get_user_model().objects.create_user("reporter-without-role", password="x")
    client.force_login(user)
    chinese = "您还没有填报角色。企业填报员由试验区管理员在“角色分配”中设置。"
    english = "You have no reporting role yet."

    page = client.get(reverse("reporting:mine")).content.decode()
    assert chinese in page and english not in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("reporting:mine")).content.decode()
    assert english in page and chinese not in page
