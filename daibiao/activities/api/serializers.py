"""Serializers of the campaign API. Writes go through the services (the viewsets call them);
these only shape and check input."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core.api import ScopedRelatedField
from daibiao.core.files import DOCUMENTS, uploads_field
from daibiao.registry.models import Deputy

from ..choices import AttendanceStatus, CoverageGroup, PlanStatus
from ..models import Activity, Attendance, Campaign, Material, MaterialReceipt, MediaArticle


def _absolute(context, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class FileSerializer(serializers.Serializer):
    """A kept file: its name, type, size and where to fetch it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.get_absolute_url())


class CampaignSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    documents = FileSerializer(many=True, read_only=True)
    plans = serializers.SerializerMethodField()
    upload = uploads_field(kinds=DOCUMENTS, help_text="County plan documents (multipart); at most 9.")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "county",
            "theme",
            "requirement",
            "starts_on",
            "ends_on",
            "town_plans_due_on",
            "documents",
            "upload",
            "plans",
            "created_at",
        ]
        read_only_fields = ["county", "created_at"]

    def get_plans(self, campaign) -> list[dict]:
        """Each town the user may follow, with its plan's status (on time, late, missing)."""
        towns = [t for t in self.context.get("plan_towns", []) if t.county_id == campaign.county_id]
        plans = {p.town_id: p for p in campaign.plans.all()}  # prefetched, within scope
        rows = []
        for town in towns:
            plan = plans.get(town.pk)
            rows.append(
                {
                    "town": town.pk,
                    "town_name": town.name,
                    "status": plan.status if plan else PlanStatus.MISSING,
                    "plan": plan.pk if plan else None,
                    "submitted_at": plan.submitted_at if plan else None,
                    "summary": plan.summary if plan else "",
                    "documents": FileSerializer(plan.documents.all(), many=True, context=self.context).data
                    if plan
                    else [],
                }
            )
        return rows


class AttendanceSerializer(serializers.ModelSerializer):
    deputy_name = serializers.CharField(source="deputy.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["deputy", "deputy_name", "invited", "status", "leave_reason", "signed_in_at", "method"]


class PlausibleDateTimeField(serializers.DateTimeField):
    """A moment between the years 2000 and 2100 (the span the year fields take elsewhere).
    Not only a typing error caught: before 1901 Beijing time is local mean time, +08:05:43,
    an offset that RFC 3339 cannot write, so such a moment could not be read back."""

    default_error_messages = {"implausible": _("Give a date between the years 2000 and 2100.")}

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not 2000 <= moment.year <= 2100:
            self.fail("implausible")
        return moment


class ActivitySerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: PlausibleDateTimeField,
    }
    serializer_related_field = ScopedRelatedField
    organiser = serializers.CharField(read_only=True)
    organiser_name = serializers.CharField(read_only=True)
    attendances = AttendanceSerializer(many=True, read_only=True)
    files = FileSerializer(many=True, read_only=True)
    invitees = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False, write_only=True)
    upload = uploads_field(kinds=DOCUMENTS, help_text="Photos and documents (multipart); at most 9.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "name",
            "kind",
            "at_meeting",
            "campaign",
            "county",
            "town",
            "station",
            "group",
            "organiser",
            "organiser_name",
            "starts_at",
            "ends_at",
            "place",
            "minutes",
            "attendances",
            "files",
            "invitees",
            "upload",
            "created_at",
        ]
        read_only_fields = ["county", "created_at"]


class SignInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class SignInRefusedSerializer(serializers.Serializer):
    """Why a QR sign-in was refused (``services.SignInRefused``)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class SignInResultSerializer(serializers.Serializer):
    activity = serializers.IntegerField(source="activity_id")
    signed_in = serializers.BooleanField()
    attendance = AttendanceSerializer(source="row")


class InviteSerializer(serializers.Serializer):
    deputies = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    everyone = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("everyone") and not attrs.get("deputies"):
            raise serializers.ValidationError({"deputies": [_("Choose the deputies to invite.")]})
        return attrs


class AttendanceEntrySerializer(serializers.Serializer):
    deputy = ScopedRelatedField(queryset=Deputy.objects.all())
    status = serializers.ChoiceField(
        choices=[s for s in AttendanceStatus.values if s != AttendanceStatus.INVITED]
    )
    leave_reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AttendanceInputSerializer(serializers.Serializer):
    entries = AttendanceEntrySerializer(many=True, allow_empty=False)


class MaterialSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    files = FileSerializer(many=True, read_only=True)
    sent = serializers.IntegerField(read_only=True, help_text="Receipts within your reach.")
    received = serializers.IntegerField(read_only=True)
    my_receipt = serializers.CharField(
        read_only=True, allow_null=True, help_text="Your own receipt's status, for a deputy."
    )
    upload = uploads_field(kinds=DOCUMENTS, help_text="The material's files (multipart); at most 9.")

    class Meta:
        model = Material
        fields = [
            "id",
            "county",
            "campaign",
            "title",
            "description",
            "files",
            "upload",
            "sent",
            "received",
            "my_receipt",
            "created_at",
        ]
        read_only_fields = ["county", "created_at"]


class ReceiptSerializer(serializers.ModelSerializer):
    deputy_name = serializers.CharField(source="deputy.name", read_only=True)
    town_name = serializers.CharField(source="deputy.town.name", read_only=True)

    class Meta:
        model = MaterialReceipt
        fields = ["deputy", "deputy_name", "town_name", "status", "received_at", "method"]


class DeputiesSerializer(serializers.Serializer):
    deputies = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, allow_empty=False)


class SendSerializer(serializers.Serializer):
    deputies = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    everyone = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("everyone") and not attrs.get("deputies"):
            raise serializers.ValidationError({"deputies": [_("Choose to whom it goes.")]})
        return attrs


class MediaArticleSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    deputies = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    activities = ScopedRelatedField(queryset=Activity.objects.all(), many=True, required=False)

    class Meta:
        model = MediaArticle
        fields = [
            "id",
            "county",
            "title",
            "outlet",
            "level",
            "published_on",
            "url",
            "deputies",
            "activities",
            "created_at",
        ]
        read_only_fields = ["county", "created_at"]


class CoverageFigureSerializer(serializers.Serializer):
    """Trained out of total for one group of people (``coverage.Figure``)."""

    trained = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.FloatField()
    full = serializers.BooleanField()


class CoverageRowSerializer(serializers.Serializer):
    """One town's figures, or the county's (``town`` null); describes ``coverage.Row.as_dict``."""

    town = serializers.IntegerField(allow_null=True)
    town_name = serializers.CharField(allow_blank=True)
    full = serializers.BooleanField()

    def get_fields(self):
        fields = super().get_fields()
        for group in CoverageGroup.values:
            fields[group] = CoverageFigureSerializer()
        return fields


class CoverageSerializer(serializers.Serializer):
    """``GET campaigns/{id}/coverage/``: the training figures per town and for the county."""

    towns = CoverageRowSerializer(many=True)
    county = CoverageRowSerializer()
