"""Dashboards: the zone and its districts (urls_zone) and the plan's structure, chains,
stages, index, scorecards, collection status and task board (urls_plan)."""

from keju.dashboards import urls_plan, urls_zone

app_name = "dashboards"
urlpatterns = [*urls_zone.urlpatterns, *urls_plan.urlpatterns]
