from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core.api import ScopedRelatedField
from daibiao.registry.models import Deputy, Unit

from ..choices import ReplyCategory, Satisfaction
from ..models import Assignment, Clue, Event, Reply, Suggestion
from ..services import allowed_steps


class ClueSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField

    class Meta:
        model = Clue
        fields = [
            "id",
            "title",
            "content",
            "category",
            "town",
            "village",
            "courtyard",
            "campaign",
            "raised_by",
            "contact_phone",
            "recorded_by",
            "station",
            "latitude",
            "longitude",
            "occurred_on",
            "state",
            "outcome",
            "suggestion",
            "created_at",
        ]
        read_only_fields = ["state", "outcome", "suggestion", "created_at"]
        extra_kwargs = {"town": {"required": False}}


class AssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "unit",
            "unit_name",
            "role",
            "state",
            "acknowledge_by",
            "acknowledged_at",
            "return_reason",
            "opinion",
            "opinion_by",
            "opinion_at",
        ]


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["id", "unit", "round", "category", "text", "follow_up", "created_at"]


class SuggestionSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    clues = ScopedRelatedField(queryset=Clue.objects.all(), many=True, required=False)
    co_signers = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    co_units = serializers.SerializerMethodField()
    assignments = AssignmentSerializer(many=True, read_only=True)
    allowed_steps = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "title",
            "content",
            "category",
            "tier",
            "raised_in",
            "year",
            "town",
            "campaign",
            "lead_deputy",
            "co_signers",
            "clues",
            "state",
            "state_entered_at",
            "round",
            "lead_unit",
            "co_units",
            "assignments",
            "assigned_at",
            "deadline",
            "original_deadline",
            "overdue",
            "reply_category",
            "key_supervision",
            "transferred_to",
            "merged_into",
            "concluded_at",
            "implemented_at",
            "allowed_steps",
            "created_at",
        ]
        read_only_fields = [
            "state",
            "state_entered_at",
            "round",
            "lead_unit",
            "assigned_at",
            "deadline",
            "original_deadline",
            "reply_category",
            "key_supervision",
            "transferred_to",
            "merged_into",
            "concluded_at",
            "implemented_at",
            "created_at",
        ]
        extra_kwargs = {"town": {"required": False}, "lead_deputy": {"required": False}}

    def get_co_units(self, obj) -> list[int]:
        return [a.unit_id for a in obj.assignments.all() if a.role == "co" and a.state != "returned"]

    def get_allowed_steps(self, obj) -> list[str]:
        return [s.replace("_", "-") for s in allowed_steps(obj, self.context["request"].user)]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "step", "actor_name", "from_state", "to_state", "note", "data", "created_at"]


# --- step inputs --------------------------------------------------------------------------


class EmptySerializer(serializers.Serializer):
    pass


class AssignSerializer(serializers.Serializer):
    lead_unit = ScopedRelatedField(queryset=Unit.objects.filter(is_active=True))
    co_units = ScopedRelatedField(queryset=Unit.objects.filter(is_active=True), many=True, required=False)
    deadline = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=120)
    reason = serializers.CharField(max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000)


class ExtensionSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(max_length=2000)


class DecideExtensionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReplyInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ReplyCategory.choices)
    text = serializers.CharField(max_length=20000)


class ReclassifySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ReplyCategory.choices)


class RateSerializer(serializers.Serializer):
    attitude = serializers.ChoiceField(choices=Satisfaction.choices)
    result = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ConcludeSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EvidenceSerializer(serializers.Serializer):
    evidence = serializers.CharField(max_length=5000)


class FindingSerializer(serializers.Serializer):
    finding = serializers.CharField(max_length=5000)


class UrgeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    key = serializers.BooleanField(required=False, default=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MergeSerializer(serializers.Serializer):
    into = ScopedRelatedField(queryset=Suggestion.objects.all())


class ClueOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000)


class ClueDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


STEP_ERROR_HELP = _("409: the current state and the steps allowed now; 403: not your role or place.")
