from django import template

from anju.core.masking import shown

register = template.Library()


@register.simple_tag(takes_context=True)
def sensitive(context, obj, name):
    """{% sensitive customer "mobile" %}: the field as the request's user may see it (masked unless
    they hold the model's reveal point; anju.core.masking)."""
    request = context.get("request")
    return shown(getattr(request, "user", None), obj, name)


@register.filter
def anju_query_with_per_page(cl, size):
    """The list's current query string with another page size (back to page 1)."""
    return cl.get_query_string({"per_page": size}, remove=["p"])
