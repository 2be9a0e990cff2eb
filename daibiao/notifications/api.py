"""``/api/v1/inbox/``: my notifications, and marking them read."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet

from . import services
from .filtersets import NotificationFilterSet
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "body",
            "link",
            "data",
            "actor_name",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_actor_name(self, obj) -> str:
        return obj.actor.get_full_name() if obj.actor else ""


class InboxViewSet(mixins.ListModelMixin, ScopedGenericViewSet):
    """``GET /api/v1/inbox/`` (``?unread=true``, ``?kind=``), newest first;
    ``POST /api/v1/inbox/{id}/read/``; ``POST /api/v1/inbox/read-all/``. Another user's
    notification is a 404, as everywhere. Nothing else: the services write notifications."""

    queryset = Notification.objects.select_related("actor")
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(notification, actor=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("InboxReadAll", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(request.user, actor=request.user)})
