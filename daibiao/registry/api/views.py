from django.db.models import Prefetch

from daibiao.core.api import ScopedViewSet

from .. import filtersets
from ..models import Courtyard, Deputy, DeputyGroup, LiaisonStation, Mandate, Town, Unit, Village
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
