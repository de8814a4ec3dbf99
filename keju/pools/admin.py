from django.contrib import admin

from keju.pools.models import Project, Talent


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "stage", "investment", "end_year"]
    list_filter = ["kind", "stage"]
    search_fields = ["name", "responsible_unit"]


@admin.register(Talent)
class TalentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "district", "year"]
    list_filter = ["kind"]
    exclude = ["contact"]  # contacts are seen in the pool pages, within scope
