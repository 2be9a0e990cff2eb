"""The API's view of law clinics and cases. A case's parties pass through ``masking`` in
``to_representation``: the same helper the pages use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core.api import ScopedModelSerializer, ScopedRelatedField
from daibiao.core.files import DOCUMENTS, uploads_field
from daibiao.registry.models import Deputy

from .. import services
from ..choices import CLOSED_OUTCOMES, Outcome
from ..masking import masker_for
from ..models import LawClinic, MediationAgreement, MediationCase


class ClinicSerializer(ScopedModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    mediators = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)

    class Meta:
        model = LawClinic
        fields = [
            "id",
            "name",
            "town",
            "town_name",
            "village",
            "mediators",
            "contact_person",
            "contact_phone",
            "address",
        ]

    def _save(self, instance, validated_data):
        mediators = validated_data.pop("mediators", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        return services.save_clinic(instance, actor=self.context["request"].user, mediators=mediators)

    def create(self, validated_data):
        return self._save(LawClinic(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class AgreementSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = MediationAgreement
        fields = ["id", "name", "content_type", "size", "created_at", "download"]
        read_only_fields = fields

    def get_download(self, obj) -> str:
        return reverse("api:mediation-agreement-download", args=[obj.pk])


class CaseSerializer(ScopedModelSerializer):
    """A case. ``parties_masked`` says whether the parties (and the free text naming them)
    are shown masked to the requesting user; the agreement files are listed only to those
    who see the parties in full."""

    clinic = ScopedRelatedField(queryset=LawClinic.objects.all())
    clinic_name = serializers.CharField(source="clinic.name", read_only=True)
    town = serializers.IntegerField(source="clinic.town_id", read_only=True)
    case_number = serializers.CharField(read_only=True)
    mediators = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    agreements = AgreementSerializer(many=True, read_only=True)
    parties_masked = serializers.SerializerMethodField()

    class Meta:
        model = MediationCase
        fields = [
            "id",
            "case_number",
            "year",
            "number",
            "clinic",
            "clinic_name",
            "town",
            "dispute_type",
            "party_a_name",
            "party_a_phone",
            "party_b_name",
            "party_b_phone",
            "parties_masked",
            "summary",
            "mediators",
            "received_on",
            "closed_on",
            "outcome",
            "outcome_note",
            "agreements",
        ]
        read_only_fields = ["year", "number", "closed_on", "outcome", "outcome_note"]

    def get_parties_masked(self, obj) -> bool:
        return not masker_for(self.context["request"]).sees_full(obj)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = masker_for(self.context["request"]).parties(instance)
        if shown.masked:
            data.update(
                party_a_name=shown.a_name,
                party_a_phone=shown.a_phone,
                party_b_name=shown.b_name,
                party_b_phone=shown.b_phone,
                summary=shown.summary,
                outcome_note=shown.note,
                agreements=[],
            )
        return data

    def create(self, validated_data):
        return services.open_case(actor=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):  # pragma: no cover — the resource takes no PUT/PATCH
        raise NotImplementedError


class OutcomeSerializer(serializers.Serializer):
    # All the outcomes (one enum in the schema with the case's own field); "open" is refused.
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The outcome you last saw (open, resolved, not_resolved, referred): if the case "
        "has changed since, the answer is 409 and nothing is written.",
    )
    files = uploads_field(kinds=DOCUMENTS, help_text="The agreement (PDF, Word or photo).")

    def validate_outcome(self, value):
        if value not in CLOSED_OUTCOMES:
            raise serializers.ValidationError(_("Choose how the case ended."))
        return value

    def validate_expected(self, value):
        if value is not None and value not in Outcome.values:
            raise serializers.ValidationError(_("Not an outcome."))
        return value

    def validate(self, attrs):
        if attrs["outcome"] == Outcome.REFERRED and not attrs.get("note", "").strip():
            raise serializers.ValidationError({"note": _("Say to whom the case was referred.")})
        return attrs


class AgreementUploadSerializer(serializers.Serializer):
    files = uploads_field(kinds=DOCUMENTS, help_text="The agreement (PDF, Word or photo).")

    def validate(self, attrs):
        if not attrs.get("files"):
            raise serializers.ValidationError({"files": [_("Choose the agreement's file.")]})
        return attrs
