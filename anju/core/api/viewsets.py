"""Base API views: every queryset goes through the data scope; writes go through services."""

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from rest_framework import mixins, viewsets

from anju.core.scoping import scoped


def expected_version(request) -> int | None:
    """The `version` the client read (optimistic locking); None when absent or not a number."""
    data = request.data
    value = data.get("version") if hasattr(data, "get") else None
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ScopedQuerysetMixin:
    """`queryset` is the base query; the user's data scope is applied on every request."""

    permission_resource: str | None = None

    def get_queryset(self):
        base = scoped(self.request.user, super().get_queryset())
        # Pages of an unordered query may repeat or skip rows; fall back to the primary key.
        return base if base.ordered else base.order_by("pk")

    def get_writable_object(self):
        """The object for a write; rows visible read-only (shared projects) answer 404."""
        obj = self.get_object()
        if not scoped(
            self.request.user, type(obj)._default_manager.filter(pk=obj.pk), for_write=True
        ).exists():
            raise Http404
        return obj


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD viewset whose create/update/destroy call `perform_*` hooks that subclasses route to
    services. The defaults refuse, so a subclass cannot forget and write around the service layer."""

    def update(self, request, *args, **kwargs):
        self.get_writable_object()  # a row of a project shared read-only: 404 before any service runs
        return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.get_writable_object()
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} must call a service in perform_create")

    def perform_update(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} must call a service in perform_update")

    def perform_destroy(self, instance):
        raise ImproperlyConfigured(f"{type(self).__name__} must call a service in perform_destroy")
