"""The supervision resources: scoped like every other (``ScopedAPIMixin``); every write
goes through ``services``. Records here take no PUT or PATCH: their writes are the creates
and the named actions."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet
from daibiao.core.scoping import Action, can
from daibiao.registry.models import Town
from daibiao.suggestions.models import Clue, Suggestion

from .. import services
from ..filtersets import MemberFilterSet, OversightFilterSet, ReportFilterSet, VisitFilterSet
from ..models import FollowUpItem, LeadingGroupMember, OversightItem, ProgressReport, SupervisionVisit
from . import serializers as s


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ScopedReadCreateDelete(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ScopedGenericViewSet,
):
    """List, read, create (through a service) and delete (through a service)."""

    def _changeable(self):
        obj = self.get_object()
        if not can(self.request.user, Action.CHANGE, obj):
            raise exceptions.PermissionDenied()
        return obj

    def _answer(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)


class MemberViewSet(ScopedReadCreateDelete):
    """The campaigns' leading groups. County staff add (POST), reassign towns
    (``towns/``) and remove members."""

    queryset = LeadingGroupMember.objects.select_related("user").prefetch_related(
        Prefetch("towns", queryset=Town.objects.only("pk"))
    )
    serializer_class = s.MemberSerializer
    filterset_class = MemberFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.add_member(
            data["campaign"],
            data["user"],
            actor=self.request.user,
            role=data["role"],
            title=data.get("title", ""),
            towns=data.get("towns", ()),
        )

    def perform_destroy(self, instance):
        services.remove_member(instance, actor=self.request.user)

    @extend_schema(request=s.TownsSerializer, responses=s.MemberSerializer)
    @action(detail=True, methods=["post"])
    def towns(self, request, pk=None):
        """Set the towns the member answers for (分片包干), replacing the earlier ones."""
        member = self._changeable()
        body = s.TownsSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        services.assign_towns(member, body.validated_data["towns"], actor=request.user)
        return self._answer(member)


class VisitViewSet(ScopedReadCreateDelete):
    """Supervision visits with their follow-up items."""

    queryset = SupervisionVisit.objects.select_related("town", "member__user").prefetch_related("follow_ups")
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilterSet
    ordering_fields = ["visited_on", "id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.record_visit(
            data["member"],
            data["town"],
            actor=self.request.user,
            visited_on=data["visited_on"],
            findings=data["findings"],
        )

    def perform_destroy(self, instance):
        services.delete_visit(instance, actor=self.request.user)

    @extend_schema(request=s.FollowUpInputSerializer, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None):
        """Add a follow-up item to the visit."""
        visit = self._changeable()
        body = s.FollowUpInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.add_follow_up(visit, actor=request.user, **body.validated_data)
        return self._answer(visit)

    @extend_schema(request=s.CloseInputSerializer, responses=s.VisitSerializer)
    @action(detail=True, methods=["post"], url_path="close-follow-up")
    def close_follow_up(self, request, pk=None):
        """Mark one of the visit's follow-up items done; 409 if it is done already."""
        visit = self.get_object()
        body = s.CloseInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = (
            FollowUpItem.objects.restrict(request.user)
            .filter(visit=visit, pk=body.validated_data["item"])
            .select_related("visit")
            .first()
        )
        if item is None:
            raise exceptions.ValidationError({"item": ["Not a follow-up item of this visit."]})
        try:
            services.close_follow_up(
                item,
                actor=request.user,
                done_on=body.validated_data["done_on"],
                note=body.validated_data["note"],
            )
        except services.Conflict as exc:
            raise ConflictError(exc.message) from exc
        return self._answer(visit)


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """The towns' progress reports. Hand one in with ``submit/`` (a second hand-in for the
    same round and town revises it), revise with ``{id}/revise/``."""

    queryset = (
        ProgressReport.objects.select_related("round", "town").prefetch_related("files").with_timeliness()
    )
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet

    def _answer(self, report, code=status.HTTP_200_OK):
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=code)

    @extend_schema(request=s.SubmitSerializer, responses={201: s.ReportSerializer, 200: s.ReportSerializer})
    @action(detail=False, methods=["post"])
    def submit(self, request):
        """Hand in a town's report for a round (201), or revise the one in already (200)."""
        body = s.SubmitSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        existed = ProgressReport.objects.filter(round=data["round"], town=data["town"]).exists()
        report = services.submit_report(
            data["round"], data["town"], actor=request.user, text=data["text"], files=data.get("files", ())
        )
        return self._answer(report, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=s.ReviseSerializer, responses=s.ReportSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Replace the report's text and add files; the first hand-in's time stays."""
        report = self.get_object()
        if not can(request.user, Action.CHANGE, report):
            raise exceptions.PermissionDenied()
        body = s.ReviseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.revise_report(
            report,
            actor=request.user,
            text=body.validated_data["text"],
            files=body.validated_data.get("files", ()),
        )
        return self._answer(report)


class OversightViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Oversight items. POST proposes one from a set of suggestions (their clues join it)."""

    queryset = OversightItem.objects.prefetch_related("units")
    serializer_class = s.OversightSerializer
    filterset_class = OversightFilterSet

    def get_queryset(self):
        user = self.request.user
        return (
            super()
            .get_queryset()
            .prefetch_related(
                # Only the suggestions and clues the user may see are listed.
                Prefetch("suggestions", queryset=Suggestion.objects.restrict(user).only("pk")),
                Prefetch("clues", queryset=Clue.objects.restrict(user).only("pk")),
            )
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        item = services.propose_oversight_item(
            data.get("suggestions", ()),
            data["title"],
            actor=self.request.user,
            year=data["year"],
            committee=data["committee"],
            subject=data.get("subject", ""),
            units=data.get("units", ()),
            clues=data.get("clues", ()),
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)
