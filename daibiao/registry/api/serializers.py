from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core.api import ScopedModelSerializer, ScopedRelatedField

from ..choices import Level
from ..models import (
    Courtyard,
    Deputy,
    DeputyGroup,
    ElectoralDistrict,
    LiaisonStation,
    Mandate,
    Organization,
    OrgMembership,
    StationDuty,
    Town,
    Unit,
    Village,
)
from ..services import save_deputy


class CountyFromUser:
    """Sets the county of a new record to the requesting user's county."""

    def create(self, validated_data):
        if "county" in {f.name for f in self.Meta.model._meta.fields}:
            validated_data.setdefault("county", self.context["request"].user.county)
        return super().create(validated_data)


class TownSerializer(CountyFromUser, ScopedModelSerializer):
    class Meta:
        model = Town
        fields = ["id", "name", "kind", "code", "sort_order", "county"]
        read_only_fields = ["county"]


class VillageSerializer(ScopedModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = Village
        fields = ["id", "name", "kind", "town", "town_name"]


class CourtyardSerializer(ScopedModelSerializer):
    class Meta:
        model = Courtyard
        fields = ["id", "name", "village", "head_deputy", "head_name"]


class UnitSerializer(CountyFromUser, ScopedModelSerializer):
    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "kind",
            "town",
            "contact_person",
            "contact_phone",
            "address",
            "is_active",
            "county",
        ]
        read_only_fields = ["county"]


class StationSerializer(ScopedModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)

    class Meta:
        model = LiaisonStation
        fields = [
            "id",
            "name",
            "town",
            "town_name",
            "village",
            "address",
            "phone",
            "head",
            "is_legislative_contact_point",
            "is_budget_contact_point",
        ]


class GroupSerializer(ScopedModelSerializer):
    class Meta:
        model = DeputyGroup
        fields = ["id", "name", "town", "station", "leader"]


class MandateSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    level = serializers.ChoiceField(choices=Level.choices)
    electoral_district = ScopedRelatedField(
        queryset=ElectoralDistrict.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Mandate
        fields = ["level", "term", "electoral_district"]


class DeputySerializer(ScopedModelSerializer):
    mandates = MandateSerializer(many=True, required=False)
    levels = serializers.ListField(child=serializers.CharField(), read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    phone = serializers.RegexField(
        r"^1[3-9]\d{9}$", error_messages={"invalid": _("Enter an 11-digit mobile number starting with 1.")}
    )

    class Meta:
        model = Deputy
        fields = [
            "id",
            "name",
            "gender",
            "ethnicity",
            "party",
            "birth_year",
            "phone",
            "occupation",
            "employer",
            "town",
            "town_name",
            "group",
            "station",
            "status",
            "levels",
            "mandates",
        ]

    def validate_mandates(self, value):
        levels = [m["level"] for m in value]
        if len(levels) != len(set(levels)):
            raise serializers.ValidationError(_("Each level may be given only once."))
        return value

    def create(self, validated_data):
        mandates = validated_data.pop("mandates", [])
        deputy = Deputy(**validated_data)
        deputy.fill_derived()
        deputy.full_clean()
        return save_deputy(deputy, actor=self.context["request"].user, mandates=mandates)

    def update(self, instance, validated_data):
        mandates = validated_data.pop("mandates", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        instance.fill_derived()
        instance.full_clean()
        return save_deputy(instance, actor=self.context["request"].user, mandates=mandates)


class MembershipSerializer(serializers.ModelSerializer):
    """A deputy's membership of an organisation, as listed with the organisation."""

    deputy_name = serializers.CharField(source="deputy.name", read_only=True)
    is_live = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrgMembership
        fields = ["id", "deputy", "deputy_name", "role", "since", "until", "is_live"]
        read_only_fields = fields


class OrganizationSerializer(CountyFromUser, ScopedModelSerializer):
    """An organisation of the "代表+" model with the memberships the user may see."""

    memberships = MembershipSerializer(many=True, read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True, default="")

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "town", "town_name", "village", "county", "memberships"]
        read_only_fields = ["county"]


class AddMemberSerializer(serializers.Serializer):
    deputy = ScopedRelatedField(queryset=Deputy.objects.all())
    role = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None)


class EndMemberSerializer(serializers.Serializer):
    membership = ScopedRelatedField(queryset=OrgMembership.objects.all())
    until = serializers.DateField(required=False, allow_null=True, default=None)


class StationDutySerializer(ScopedModelSerializer):
    deputy_name = serializers.CharField(source="deputy.name", read_only=True)

    class Meta:
        model = StationDuty
        fields = ["id", "station", "deputy", "deputy_name", "on_date", "period", "note"]
