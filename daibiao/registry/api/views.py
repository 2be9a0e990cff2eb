from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.response import Response

from daibiao.core.api import ScopedViewSet
from daibiao.core.scoping import Action, can

from .. import filtersets
from ..models import (
    Courtyard,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Mandate,
    Organization,
    OrgMembership,
    StationDuty,
    Town,
    Unit,
    Village,
)
from ..services import add_membership, end_membership
from . import serializers


class TownViewSet(ScopedViewSet):
    queryset = Town.objects.all()
    serializer_class = serializers.TownSerializer
    filterset_class = filtersets.TownFilterSet
    ordering_fields = ["sort_order", "name"]


class VillageViewSet(ScopedViewSet):
    queryset = Village.objects.select_related("town")
    serializer_class = serializers.VillageSerializer
    filterset_class = filtersets.VillageFilterSet
    ordering_fields = ["name"]


class CourtyardViewSet(ScopedViewSet):
    queryset = Courtyard.objects.all()
    serializer_class = serializers.CourtyardSerializer
    filterset_fields = ["village"]


class UnitViewSet(ScopedViewSet):
    queryset = Unit.objects.all()
    serializer_class = serializers.UnitSerializer
    filterset_class = filtersets.UnitFilterSet
    ordering_fields = ["name", "kind"]


class StationViewSet(ScopedViewSet):
    queryset = LiaisonStation.objects.select_related("town")
    serializer_class = serializers.StationSerializer
    filterset_class = filtersets.StationFilterSet
    ordering_fields = ["name"]


class GroupViewSet(ScopedViewSet):
    queryset = DeputyGroup.objects.all()
    serializer_class = serializers.GroupSerializer
    filterset_class = filtersets.GroupFilterSet
    ordering_fields = ["name"]


class DeputyViewSet(ScopedViewSet):
    queryset = Deputy.objects.select_related("town").prefetch_related(
        Prefetch("mandates", queryset=Mandate.objects.select_related("electoral_district"))
    )
    serializer_class = serializers.DeputySerializer
    filterset_class = filtersets.DeputyFilterSet
    ordering_fields = ["name_pinyin", "birth_year", "id"]


class OrganizationViewSet(ScopedViewSet):
    """Organisations of the "代表+" model, each with the memberships the user may see;
    ``add-member`` and ``end-member`` manage its members through the services."""

    queryset = Organization.objects.select_related("town")
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        memberships = (
            OrgMembership.objects.restrict(self.request.user, Action.VIEW)
            .select_related("deputy")
            .order_by("until", "deputy__name_pinyin", "id")
        )
        return super().get_queryset().prefetch_related(Prefetch("memberships", queryset=memberships))

    def _managed(self):
        organization = self.get_object()
        if not can(self.request.user, Action.CHANGE, organization):
            raise exceptions.PermissionDenied()
        return organization

    @extend_schema(request=serializers.AddMemberSerializer, responses={201: serializers.MembershipSerializer})
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request, pk=None):
        organization = self._managed()
        body = serializers.AddMemberSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        membership = add_membership(organization, actor=request.user, **body.validated_data)
        return Response(serializers.MembershipSerializer(membership).data, status=201)

    @extend_schema(request=serializers.EndMemberSerializer, responses=serializers.MembershipSerializer)
    @action(detail=True, methods=["post"], url_path="end-member")
    def end_member(self, request, pk=None):
        organization = self._managed()
        body = serializers.EndMemberSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        membership = body.validated_data["membership"]
        if membership.organization_id != organization.pk:
            raise exceptions.ValidationError(
                {"membership": [_("This membership is not of this organisation.")]}
            )
        end_membership(membership, actor=request.user, until=body.validated_data["until"])
        return Response(serializers.MembershipSerializer(membership).data)


class StationDutyViewSet(ScopedViewSet):
    """The stations' rosters: which deputy is on duty where and when (``?station=``,
    ``?on_date_after=``, ``?on_date_before=``)."""

    queryset = StationDuty.objects.select_related("deputy")
    serializer_class = serializers.StationDutySerializer
    filterset_class = filtersets.StationDutyFilterSet
    ordering_fields = ["on_date"]
