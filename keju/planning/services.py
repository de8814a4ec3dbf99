"""Loading a plan file into the database.

The file is the source of truth for the plan itself; the database adds what
the office tracks (task status) and what the zone records (enterprises,
reports). Loading again updates rows in place, keyed by (plan, code), and
deletes what the file no longer lists — unless something recorded refers to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from keju.accounts.models import RoleAssignment
from keju.orgs.models import EnterprisePlacement, OrgLevel, OrgUnit
from keju.plan import PlanError, check_plan, export_plan, load_forms, load_plan, schema
from keju.planning.models import (
    Baseline,
    GoverningBody,
    Indicator,
    IndustryChain,
    Plan,
    Stage,
    Target,
    TargetKind,
    Task,
)
from keju.reporting.models import Report

__all__ = ["PlanError", "PlanLoadError", "load_plan_into_db"]


class PlanLoadError(Exception):
    """The file is valid but cannot be applied to the database; `problems` says why."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_plan_into_db(path: str | Path) -> Plan:
    """Validate the plan file at `path` and create or update its rows, all or nothing.

    Raises PlanError (keju.plan) when the file or one of its forms is invalid or
    `check_plan` finds problems; PlanLoadError when the database still refers to
    items the file dropped.
    """
    path = Path(path)
    spec = load_plan(path)
    if problems := check_plan(spec, load_forms(spec, path)):
        raise PlanError(problems)
    digest = file_hash(path)
    with transaction.atomic():
        return _Loader(spec, path, digest).run()


class _Loader:
    def __init__(self, spec: schema.Plan, path: Path, digest: str):
        self.spec = spec
        self.path = path
        self.digest = digest
        self.problems: list[str] = []
        self.stale: dict[type[models.Model], list[models.Model]] = {}

    def run(self) -> Plan:
        spec = self.spec
        self.plan, _ = Plan.objects.update_or_create(
            code=spec.code,
            defaults={
                "title": spec.title,
                "zone_name": spec.zone.name,
                "plan_start": spec.zone.plan_start,
                "plan_end": spec.zone.plan_end,
                "baseline_year": spec.zone.baseline_year,
                "source_file": str(self.path),
                "content_hash": self.digest,
                "document": export_plan(spec),
            },
        )
        self.load_org_units()
        self.load_indicators()
        self.load_stages()
        self.load_targets()
        self.load_baselines()
        self.load_chains()
        self.load_bodies()
        self.load_tasks()
        self.delete_stale()
        if self.problems:
            raise PlanLoadError(self.problems)
        return self.plan

    # -- upsert ----------------------------------------------------------------------------

    def upsert(self, model: type[models.Model], rows: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        """Create or update the plan's rows of `model`; remember the ones not in `rows`.

        Values use `<fk>_id` keys so that comparing them costs no query; rows are
        saved only when something changed.
        """
        existing = {obj.code: obj for obj in model.objects.filter(plan=self.plan)}
        kept: dict[str, Any] = {}
        for code, values in rows:
            if code in kept:
                self.problems.append(
                    _("%(model)s代码“%(code)s”重复") % {"model": model._meta.verbose_name, "code": code}
                )
                continue
            obj = existing.get(code)
            if obj is None:
                obj = model(plan=self.plan, code=code, **values)
                obj.save()
            elif any(getattr(obj, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(obj, k, v)
                obj.save()
            kept[code] = obj
        self.stale[model] = [obj for code, obj in existing.items() if code not in kept]
        return kept

    # -- items -----------------------------------------------------------------------------

    def load_org_units(self) -> None:
        spec = self.spec
        rows = [(u.code, self.org_unit_values(u)) for u in spec.org_units]
        # check_plan requires the zone among the org units; be lenient when it is not.
        if not any(u.level == OrgLevel.ZONE for u in spec.org_units):
            z = spec.zone
            zone = schema.OrgUnit(code=z.code, name=z.name, name_en=z.name_en, level="zone", source=z.source)
            rows.insert(0, (z.code, self.org_unit_values(zone) | {"area_km2": z.area_km2}))
        # Parents are set in a second pass because the file may list a child first.
        self.units = self.upsert(OrgUnit, rows)
        self.zone = next(u for u in self.units.values() if u.level == OrgLevel.ZONE)
        parents = {u.code: u.parent for u in spec.org_units}
        for code, unit in self.units.items():
            parent_code = parents.get(code)
            if unit.level == OrgLevel.ZONE:
                parent_id = None
            else:
                parent_id = self.units[parent_code].pk if parent_code else self.zone.pk
            if unit.parent_id != parent_id:
                unit.parent_id = parent_id
                unit.save(update_fields=["parent"])

    @staticmethod
    def org_unit_values(u: schema.OrgUnit) -> dict[str, Any]:
        return {
            "name": u.name,
            "name_en": u.name_en or "",
            "level": u.level,
            "kind": u.kind or "",
            "area_km2": u.area_km2,
            "leading_industries": list(u.leading_industries),
            "source": u.source,
        }

    def unit_id(self, code: str | None, scope: str | None = None) -> int | None:
        """The org unit for a code; no code means the zone, unless the figure has another scope."""
        if code:
            return self.units[code].pk
        return None if scope else self.zone.pk

    def is_zone(self, code: str | None, scope: str | None) -> bool:
        return not scope and (code or self.zone.code) == self.zone.code

    def load_indicators(self) -> None:
        self.indicators = self.upsert(
            Indicator,
            [
                (
                    i.code,
                    {
                        "name": i.name,
                        "label": i.label or "",
                        "name_en": i.name_en or "",
                        "unit": i.unit,
                        "direction": i.direction,
                        "headline": i.headline,
                        "additive": i.additive,
                        "description": i.description,
                        "formula": i.formula.model_dump(mode="json") if i.formula else None,
                        "source": i.source,
                    },
                )
                for i in self.spec.indicators
            ],
        )

    def load_stages(self) -> None:
        self.stages = self.upsert(
            Stage,
            [
                (
                    s.code,
                    {
                        "name": s.name,
                        "start_year": s.start_year,
                        "end_year": s.end_year,
                        "summary": s.summary,
                        "source": s.source,
                    },
                )
                for s in self.spec.stages
            ],
        )

    def target_values(self, indicator: str, **values: Any) -> dict[str, Any]:
        defaults = {"org_unit_id": self.zone.pk, "scope": "", "stage_id": None, "start_year": None}
        defaults.update(comparison=">=", note="")
        return {"indicator_id": self.indicators[indicator].pk, **defaults, **values}

    def load_targets(self) -> None:
        spec = self.spec
        rows = [
            (
                t.code,
                self.target_values(
                    t.indicator,
                    org_unit_id=self.unit_id(t.org_unit, t.scope),
                    scope=t.scope or "",
                    kind=t.kind,
                    start_year=t.start_year,
                    year=t.year,
                    value=t.value,
                    comparison=t.comparison,
                    note=t.note or "",
                    source=t.source,
                ),
            )
            for t in spec.targets
        ]
        # A stage's increments are zone targets for the stage's years.
        for s in spec.stages:
            for inc in s.increments:
                values = self.target_values(
                    inc.indicator,
                    stage_id=self.stages[s.code].pk,
                    kind=TargetKind.INCREMENT,
                    start_year=s.start_year,
                    year=s.end_year,
                    value=inc.value,
                    source=s.source,
                )
                rows.append((f"{s.code}.{inc.indicator}", values))
        # An indicator's own target (专栏1 style) is a zone level target, unless the
        # targets list states it too (check_plan makes sure the two agree).
        stated = {
            (t.indicator, t.year)
            for t in spec.targets
            if t.kind == "level" and self.is_zone(t.org_unit, t.scope)
        }
        for i in spec.indicators:
            if i.target and (i.code, i.target.year) not in stated:
                values = self.target_values(
                    i.code,
                    kind=TargetKind.LEVEL,
                    year=i.target.year,
                    value=i.target.value,
                    comparison=i.target.comparison,
                    source=i.source,
                )
                rows.append((f"{i.code}.target", values))
        self.upsert(Target, rows)

    def load_baselines(self) -> None:
        spec = self.spec
        rows = [
            (
                b.code,
                {
                    "indicator_id": self.indicators[b.indicator].pk,
                    "org_unit_id": self.unit_id(b.org_unit, b.scope),
                    "scope": b.scope or "",
                    "kind": b.kind,
                    "start_year": b.start_year,
                    "year": b.year,
                    "value": b.value,
                    "note": b.note or "",
                    "source": b.source,
                },
            )
            for b in spec.baselines
        ]
        stated = {
            (b.indicator, b.year)
            for b in spec.baselines
            if b.kind == "level" and self.is_zone(b.org_unit, b.scope)
        }
        for i in spec.indicators:
            if i.baseline and (i.code, i.baseline.year) not in stated:
                values = {
                    "indicator_id": self.indicators[i.code].pk,
                    "org_unit_id": self.zone.pk,
                    "scope": "",
                    "kind": "level",
                    "start_year": None,
                    "year": i.baseline.year,
                    "value": i.baseline.value,
                    "note": "",
                    "source": i.source,
                }
                rows.append((f"{i.code}.baseline", values))
        self.upsert(Baseline, rows)

    def load_chains(self) -> None:
        groups = {g.code: g for g in self.spec.industry_groups}
        chains = self.upsert(
            IndustryChain,
            [
                (
                    c.code,
                    {
                        "name": c.name,
                        "group_code": c.group,
                        "group_name": groups[c.group].name if c.group in groups else "",
                        **c.targets.model_dump(),
                        "description": c.description,
                        "source": c.source,
                    },
                )
                for c in self.spec.industry_chains
            ],
        )
        for c in self.spec.industry_chains:
            chains[c.code].districts.set([self.units[d] for d in c.districts])
            chains[c.code].parks.set([self.units[p] for p in c.parks])

    def load_bodies(self) -> None:
        spec = self.spec
        self.bodies = self.upsert(
            GoverningBody,
            [
                (
                    b.code,
                    {
                        "name": b.name,
                        "kind": b.kind,
                        "lead_department": b.lead_department or "",
                        "org_unit_id": self.units[b.org_unit].pk if b.org_unit else None,
                        "members": list(b.members),
                        "duties": b.duties,
                        "source": b.source,
                    },
                )
                for b in spec.governance
            ],
        )
        for b in spec.governance:
            body = self.bodies[b.code]
            parent_id = self.bodies[b.parent].pk if b.parent else None
            if body.parent_id != parent_id:
                body.parent_id = parent_id
                body.save(update_fields=["parent"])

    def load_tasks(self) -> None:
        # `status` and `due_year` are the office's tracking fields: not in the values, so kept.
        self.upsert(Task, [(t.code, self.task_values(t)) for t in self.spec.tasks])

    def task_values(self, t: schema.Task) -> dict[str, Any]:
        q = t.quantity
        return {
            "title": t.title,
            "kind": t.kind,
            "category": t.category,
            "theme": t.theme or "",
            "description": t.description,
            "org_unit_id": self.units[t.org_unit].pk if t.org_unit else None,
            "working_group_id": self.bodies[t.working_group].pk if t.working_group else None,
            "responsibility_basis": t.responsibility_basis or "",
            "quantity_indicator_id": self.indicators[q.indicator].pk if q else None,
            "quantity_value": q.value if q else None,
            "quantity_comparison": q.comparison if q else "",
            "source": t.source,
        }

    # -- removal ---------------------------------------------------------------------------

    def delete_stale(self) -> None:
        """Delete what the file no longer lists, unless recorded data refers to it."""
        units = self.stale[OrgUnit]
        for unit in units:
            uses = [
                (
                    EnterprisePlacement.objects.filter(models.Q(district=unit) | models.Q(park=unit)),
                    "placements",
                ),
                (Report.objects.filter(models.Q(org_unit=unit) | models.Q(district=unit)), "reports"),
                (RoleAssignment.objects.filter(org_unit=unit), "roles"),
            ]
            self.refuse_if_used(
                _("组织单元“%(name)s”(%(code)s)") % {"name": unit.name, "code": unit.code}, uses
            )
        for chain in self.stale[IndustryChain]:
            self.refuse_if_used(
                _("产业链“%(name)s”(%(code)s)") % {"name": chain.name, "code": chain.code},
                [(chain.enterprises.all(), "enterprises")],
            )
        for body in self.stale[GoverningBody]:
            uses = [(RoleAssignment.objects.filter(working_group=body), "roles")]
            self.refuse_if_used(_("机构“%(name)s”(%(code)s)") % {"name": body.name, "code": body.code}, uses)
        if self.problems:
            return
        # Order matters: dependants first; org units after their children let go of them.
        for model in (Task, Target, Baseline, IndustryChain, GoverningBody, Stage, Indicator):
            model.objects.filter(pk__in=[obj.pk for obj in self.stale[model]]).delete()
        stale_ids = [u.pk for u in units]
        OrgUnit.objects.filter(pk__in=stale_ids).update(parent=None)
        OrgUnit.objects.filter(pk__in=stale_ids).delete()

    def refuse_if_used(self, what: str, uses: list[tuple[models.QuerySet, str]]) -> None:
        """`uses`: the records referring to `what`, each with what they are (see _uses)."""
        counts = [_uses(kind, n) for qs, kind in uses if (n := qs.count())]
        if counts:
            self.problems.append(
                _("%(what)s已从规划文件中删除,但仍被%(uses)s引用,不能删除")
                % {"what": what, "uses": _("、").join(counts)}
            )


def _uses(kind: str, n: int) -> str:
    """`n` records of `kind` in the active language (English needs the plural)."""
    if kind == "placements":
        text = ngettext("%(count)s条企业隶属记录", "%(count)s条企业隶属记录", n)
    elif kind == "reports":
        text = ngettext("%(count)s份报表", "%(count)s份报表", n)
    elif kind == "roles":
        text = ngettext("%(count)s个用户角色", "%(count)s个用户角色", n)
    else:
        text = ngettext("%(count)s家企业", "%(count)s家企业", n)
    return text % {"count": n}
