"""The campaign API: campaigns with their town plans, activities with attendance, the QR
sign-in and the tick list. Scoped like every resource: out of view scope is 404, visible but
not writable is 403; every write is a service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet
from daibiao.core.drf import query_param
from daibiao.core.scoping import Action, can
from daibiao.core.services import delete_record
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy

from .. import services
from ..choices import ReceiptStatus
from ..coverage import training_coverage
from ..filtersets import ActivityFilterSet, CampaignFilterSet, MaterialFilterSet, MediaArticleFilterSet
from ..models import (
    Activity,
    Attendance,
    Campaign,
    CampaignPlan,
    Material,
    MaterialReceipt,
    MediaArticle,
    plan_towns,
)
from ..views_materials import with_receipt_counts
from . import serializers as s


def _as_api_error(exc):
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return exceptions.ValidationError(detail)


class CampaignViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Campaigns, each with the towns' plans the user may follow (status on time, late or
    missing) and the county plan's documents. ``coverage/`` gives the training figures."""

    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilterSet
    ordering_fields = ["starts_on", "id"]

    def get_queryset(self):
        plans = CampaignPlan.objects.restrict(self.request.user).prefetch_related("documents")
        return (
            super()
            .get_queryset()
            .prefetch_related("documents", Prefetch("plans", queryset=plans))
            .order_by("-starts_on", "-id")
        )

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        if user is not None and user.is_authenticated:
            # One query for every campaign of the page: the towns whose plans the user follows.
            ctx["plan_towns"] = list(plan_towns(user, Campaign.objects.restrict(user).values("county_id")))
        return ctx

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        documents = data.pop("upload", [])
        try:
            serializer.instance = services.create_campaign(
                actor=self.request.user, documents=documents, **data
            )
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc

    @extend_schema(responses=s.CoverageSerializer)
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        """Training coverage per town and for the county (counts only, no names)."""
        campaign = self.get_object()
        rows, county = training_coverage(campaign)
        return Response({"towns": [r.as_dict() for r in rows], "county": county.as_dict()})


class ActivityViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Activities with the attendance rows the user may read (a deputy: his or her own).
    ``POST {id}/invite/``, ``POST {id}/attendance/`` (the tick list, in bulk) and
    ``POST sign-in/`` (a deputy, with the QR code's token)."""

    queryset = Activity.objects.all()
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilterSet
    ordering_fields = ["starts_at", "id"]

    def get_queryset(self):
        rows = (
            Attendance.objects.restrict(self.request.user)
            .select_related("deputy")
            .order_by("deputy__name_pinyin", "pk")
        )
        return (
            super()
            .get_queryset()
            .select_related("town", "station", "group", "county")
            .prefetch_related("files", Prefetch("attendances", queryset=rows))
            .order_by("-starts_at", "-id")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        files = data.pop("upload", [])
        invitees = data.pop("invitees", [])
        try:
            activity = services.create_activity(
                actor=self.request.user, files=files, invitees=invitees, **data
            )
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = self.get_queryset().get(pk=activity.pk)

    def _changeable(self):
        activity = self.get_object()
        if not can(self.request.user, Action.CHANGE, activity):
            raise exceptions.PermissionDenied()
        return activity

    def _fresh(self, activity):
        return s.ActivitySerializer(
            self.get_queryset().get(pk=activity.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(request=s.InviteSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        """Invite deputies: ``deputies`` (ids) and/or ``everyone`` of the organiser's area."""
        activity = self._changeable()
        data = s.InviteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        chosen = list(data.validated_data.get("deputies", []))
        if data.validated_data.get("everyone"):
            chosen += list(services.area_deputies(activity).restrict(request.user).only("pk"))
        try:
            services.invite_deputies(activity, chosen, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response(self._fresh(activity))

    @extend_schema(request=s.AttendanceInputSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        """The tick list, in bulk: ``entries`` of ``{deputy, status, leave_reason}``."""
        activity = self._changeable()
        data = s.AttendanceInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            services.record_attendance(activity, data.validated_data["entries"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response(self._fresh(activity))

    @extend_schema(
        request=s.SignInSerializer,
        # 404: no activity has this token; 403: not a deputy, or not one the activity invited.
        responses={200: s.SignInResultSerializer, 404: s.SignInRefusedSerializer},
    )
    @action(detail=False, methods=["post"], url_path="sign-in", url_name="sign-in")
    def sign_in(self, request):
        """A deputy signs in with the token of an activity's QR code; twice changes nothing."""
        data = s.SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            row, signed = services.sign_in_by_qr(data.validated_data["token"], actor=request.user)
        except services.SignInRefused as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=exc.status)
        result = {"activity_id": row.activity_id, "signed_in": signed, "row": row}
        return Response(s.SignInResultSerializer(result).data, status=status.HTTP_200_OK)


class MaterialViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Materials (the handbook) with receipt counts within your reach and, for a deputy, his
    or her own receipt. ``POST {id}/send/``, ``POST {id}/confirm/`` (a deputy),
    ``POST {id}/record/`` (staff, in bulk), ``GET {id}/receipts/?status=pending``."""

    queryset = Material.objects.all()
    serializer_class = s.MaterialSerializer
    filterset_class = MaterialFilterSet
    ordering_fields = ["created_at", "id"]

    def get_queryset(self):
        user = self.request.user
        mine = MaterialReceipt.objects.filter(material=OuterRef("pk"), deputy_id=user.deputy_id or 0)
        queryset = super().get_queryset().prefetch_related("files").order_by("-created_at", "-id")
        return with_receipt_counts(queryset, user).annotate(my_receipt=Subquery(mine.values("status")[:1]))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        files = data.pop("upload", [])
        try:
            material = services.create_material(actor=self.request.user, files=files, **data)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = self.get_queryset().get(pk=material.pk)

    def _fresh(self, material):
        return s.MaterialSerializer(
            self.get_queryset().get(pk=material.pk), context=self.get_serializer_context()
        ).data

    @extend_schema(request=s.SendSerializer, responses=s.MaterialSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Send the material: ``deputies`` (ids) and/or ``everyone`` serving in the county."""
        material = self.get_object()
        if not can(request.user, Action.CHANGE, material):
            raise exceptions.PermissionDenied()
        data = s.SendSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        chosen = list(data.validated_data.get("deputies", []))
        if data.validated_data.get("everyone"):
            chosen += list(
                Deputy.objects.restrict(request.user).filter(
                    county_id=material.county_id, status=DeputyStatus.SERVING
                )
            )
        try:
            services.send_material(material, chosen, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response(self._fresh(material))

    @extend_schema(request=None, responses=s.MaterialSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """A deputy confirms receiving the material; again changes nothing."""
        material = self.get_object()
        try:
            services.confirm_receipt(material, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response(self._fresh(material))

    @extend_schema(request=s.DeputiesSerializer, responses=s.MaterialSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Staff record that ``deputies`` received the material."""
        material = self.get_object()
        if (
            not MaterialReceipt.objects.restrict(request.user, Action.CHANGE)
            .filter(material=material)
            .exists()
        ):
            raise exceptions.PermissionDenied()
        data = s.DeputiesSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        try:
            services.record_receipt(material, data.validated_data["deputies"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        return Response(self._fresh(material))

    @extend_schema(responses=s.ReceiptSerializer(many=True))
    @action(detail=True, methods=["get"])
    def receipts(self, request, pk=None):
        """The receipts within your reach (``?status=pending``: who has not received it), paged."""
        material = self.get_object()
        rows = (
            MaterialReceipt.objects.restrict(request.user)
            .filter(material=material)
            .select_related("deputy", "deputy__town")
            .order_by("deputy__town__sort_order", "deputy__name_pinyin", "pk")
        )
        status_filter = query_param(request, "status")
        if status_filter:
            if status_filter not in ReceiptStatus.values:
                raise exceptions.ValidationError(
                    {
                        "status": [
                            gettext("Choose one of: {values}.").format(values=", ".join(ReceiptStatus.values))
                        ]
                    }
                )
            rows = rows.filter(status=status_filter)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.ReceiptSerializer(page, many=True).data)


class MediaArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    """Media articles about the campaign, with the deputies and activities they cover."""

    queryset = MediaArticle.objects.all()
    serializer_class = s.MediaArticleSerializer
    filterset_class = MediaArticleFilterSet
    ordering_fields = ["published_on", "id"]

    def get_queryset(self):
        return (
            super().get_queryset().prefetch_related("deputies", "activities").order_by("-published_on", "-id")
        )

    def perform_create(self, serializer):
        try:
            article = services.save_media_article(actor=self.request.user, **serializer.validated_data)
        except (ValidationError, PermissionDenied) as exc:
            raise _as_api_error(exc) from exc
        serializer.instance = self.get_queryset().get(pk=article.pk)

    def perform_destroy(self, instance):
        delete_record(instance, actor=self.request.user)
