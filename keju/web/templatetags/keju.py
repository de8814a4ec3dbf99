from django import template
from django.utils import translation

register = template.Library()


@register.filter
def local_name(obj) -> str:
    """An object's English name when the interface is in English and one exists."""
    if obj is None:
        return ""
    english = getattr(obj, "name_en", "")
    if english and translation.get_language() == "en":
        return english
    return obj.name
