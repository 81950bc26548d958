from django import template

register = template.Library()


@register.filter
def anju_query_with_per_page(cl, size):
    """The list's current query string with another page size (back to page 1)."""
    return cl.get_query_string({"per_page": size}, remove=["p"])
