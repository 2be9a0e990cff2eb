"""Base classes of the JSON API: scoped viewsets and serializers."""

from __future__ import annotations

from rest_framework import exceptions, serializers, viewsets

from . import audit
from .scoping import Action, can
from .services import delete_record, save_record


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign-key field whose choices are the related rows the requesting user may see."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            return queryset.restrict(request.user, Action.VIEW)
        return queryset.none()


class ScopedModelSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField

    def create(self, validated_data):
        instance = self.Meta.model(**validated_data)
        instance.full_clean(validate_unique=True)
        return save_record(instance, actor=self.context["request"].user)

    def update(self, instance, validated_data):
        for key, value in validated_data.items():
            setattr(instance, key, value)
        instance.full_clean(validate_unique=True)
        return save_record(instance, actor=self.context["request"].user)


class ScopedAPIMixin:
    """Every API resource: rows come from ``restrict(user, view)``; a row out of scope is a
    404; a visible row the user may not change or delete is a 403. Mix it into any DRF
    generic view or viewset."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        audit.bind_actor(request.user)

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, Action.VIEW)

    def get_object(self):
        obj = super().get_object()
        if self.action in ("update", "partial_update") and not can(self.request.user, Action.CHANGE, obj):
            raise exceptions.PermissionDenied()
        if self.action == "destroy" and not can(self.request.user, Action.DELETE, obj):
            raise exceptions.PermissionDenied()
        return obj


class ScopedViewSet(ScopedAPIMixin, viewsets.ModelViewSet):
    """A full scoped resource; deletes go through the service."""

    queryset = None  # subclasses set it; get_queryset scopes it

    def perform_destroy(self, instance):
        delete_record(instance, actor=self.request.user)


class ScopedGenericViewSet(ScopedAPIMixin, viewsets.GenericViewSet):
    """A scoped base for resources that pick their own mixins (and write through services)."""


class ReadOnlyScopedViewSet(ScopedViewSet):
    http_method_names = ["get", "head", "options"]
