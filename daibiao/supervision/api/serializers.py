"""The API's view of the leading group, visits, progress reports and oversight items.
Writes go through the services; their refusals come back as JSON field errors (400),
403 or 404 like everywhere else."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework import serializers

from daibiao.activities.models import Campaign
from daibiao.core.api import ScopedRelatedField
from daibiao.core.files import DOCUMENTS, uploads_field
from daibiao.registry.models import Town, Unit
from daibiao.suggestions.models import Clue, Suggestion

from ..choices import Committee, FollowUpStanding, GroupRole, ReportStatus
from ..models import (
    FollowUpItem,
    LeadingGroupMember,
    OversightItem,
    ProgressReport,
    ProgressReportFile,
    ReportRound,
    SupervisionVisit,
)


class MemberSerializer(serializers.ModelSerializer):
    """A leading-group member; ``towns`` are the towns he or she answers for."""

    campaign = ScopedRelatedField(queryset=Campaign.objects.all())
    user = ScopedRelatedField(queryset=get_user_model().objects.all())
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    role = serializers.ChoiceField(choices=GroupRole.choices)
    towns = ScopedRelatedField(queryset=Town.objects.all(), many=True, required=False)

    class Meta:
        model = LeadingGroupMember
        fields = ["id", "campaign", "user", "user_name", "role", "title", "towns"]


class TownsSerializer(serializers.Serializer):
    towns = ScopedRelatedField(queryset=Town.objects.all(), many=True)


class FollowUpSerializer(serializers.ModelSerializer):
    standing = serializers.ChoiceField(choices=FollowUpStanding.choices, read_only=True)

    class Meta:
        model = FollowUpItem
        fields = ["id", "text", "owner", "due_on", "done_on", "done_note", "standing"]
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer):
    """A supervision visit with its follow-up items (added and closed through the actions)."""

    member = ScopedRelatedField(queryset=LeadingGroupMember.objects.all())
    town = ScopedRelatedField(queryset=Town.objects.all())
    town_name = serializers.CharField(source="town.name", read_only=True)
    member_name = serializers.CharField(source="member.user.__str__", read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = SupervisionVisit
        fields = [
            "id",
            "campaign",
            "member",
            "member_name",
            "town",
            "town_name",
            "visited_on",
            "findings",
            "follow_ups",
        ]
        read_only_fields = ["campaign"]


class FollowUpInputSerializer(serializers.Serializer):
    text = serializers.CharField()
    owner = serializers.CharField(max_length=100)
    due_on = serializers.DateField()


class CloseInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="The follow-up item's id.")
    done_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReportFileSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReportFile
        fields = ["id", "name", "content_type", "size", "created_at", "download"]
        read_only_fields = fields

    def get_download(self, obj) -> str:
        return reverse("supervision:report-file", args=[obj.pk])


class ReportSerializer(serializers.ModelSerializer):
    """A town's progress report; ``timeliness``: on time or late, from the first hand-in."""

    round_title = serializers.CharField(source="round.title", read_only=True)
    due_on = serializers.DateField(source="round.due_on", read_only=True)
    campaign = serializers.IntegerField(source="round.campaign_id", read_only=True)
    town_name = serializers.CharField(source="town.name", read_only=True)
    timeliness = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)
    files = ReportFileSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "round",
            "round_title",
            "due_on",
            "campaign",
            "town",
            "town_name",
            "text",
            "submitted_at",
            "submitted_by",
            "revised_at",
            "timeliness",
            "files",
        ]
        read_only_fields = fields


class SubmitSerializer(serializers.Serializer):
    round = ScopedRelatedField(queryset=ReportRound.objects.all())
    town = ScopedRelatedField(queryset=Town.objects.all())
    text = serializers.CharField()
    files = uploads_field(kinds=DOCUMENTS, help_text="Photos, PDF or Word files (multipart).")


class ReviseSerializer(serializers.Serializer):
    text = serializers.CharField()
    files = uploads_field(kinds=DOCUMENTS, help_text="More files (multipart).")


class OversightSerializer(serializers.ModelSerializer):
    """An oversight item; ``suggestions`` and ``clues`` list only those the user may see
    (the viewset prefetches them through the user's scope)."""

    committee = serializers.ChoiceField(choices=Committee.choices)
    units = ScopedRelatedField(queryset=Unit.objects.all(), many=True, required=False)
    suggestions = ScopedRelatedField(queryset=Suggestion.objects.all(), many=True, required=False)
    clues = ScopedRelatedField(queryset=Clue.objects.all(), many=True, required=False)

    class Meta:
        model = OversightItem
        fields = ["id", "county", "year", "title", "committee", "subject", "units", "suggestions", "clues"]
        read_only_fields = ["county"]
