from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core import privacy
from daibiao.core.api import ScopedRelatedField
from daibiao.core.files import DOCUMENTS, PHOTOS, uploads_field
from daibiao.core.scoping import Action
from daibiao.registry.models import Deputy, Unit

from ..choices import ReplyCategory, Satisfaction
from ..models import Assignment, Attachment, Clue, Event, Reply, Suggestion
from ..services import allowed_steps


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "step", "event", "reply", "created_at", "url"]

    def get_url(self, obj) -> str:
        path = reverse("api:attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ClueListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        changeable_clues(self.context, [clue.pk for clue in items])
        return super().to_representation(items)


def changeable_clues(context: dict, ids: list[int]) -> set[int]:
    """The clues among ``ids`` the requesting user may change (one query, kept in the context):
    only they show who raised the clue and the contact left, in full."""
    known = context.setdefault("changeable_clues", {})
    missing = [pk for pk in ids if pk not in known]
    if missing:
        request = context.get("request")
        user = getattr(request, "user", None)
        allowed = set(
            Clue.objects.filter(pk__in=missing).restrict(user, Action.CHANGE).values_list("pk", flat=True)
        )
        known.update({pk: pk in allowed for pk in missing})
    return {pk for pk in ids if known[pk]}


class ClueSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    attachments = AttachmentSerializer(many=True, read_only=True)
    photos = uploads_field(kinds=PHOTOS, help_text="Photos (multipart): JPEG, PNG, WebP or GIF; at most 9.")

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
            "activity",
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
            "attachments",
            "photos",
            "from_public",
            "taken_up_at",
            "created_at",
        ]
        read_only_fields = ["state", "outcome", "suggestion", "from_public", "taken_up_at", "created_at"]
        extra_kwargs = {"town": {"required": False}}
        list_serializer_class = ClueListSerializer

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not changeable_clues(self.context, [instance.pk]):
            # Units, leaders and station heads read the problem, not who raised it.
            data["raised_by"] = privacy.redact(
                instance.raised_by, names=privacy.redact_contact_names(instance.raised_by)
            )
            data["contact_phone"] = privacy.mask_phone(instance.contact_phone)
        return data


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
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Reply
        fields = [
            "id",
            "unit",
            "round",
            "category",
            "text",
            "confidential",
            "public_text",
            "follow_up",
            "attachments",
            "created_at",
        ]


class SuggestionSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedRelatedField
    clues = ScopedRelatedField(queryset=Clue.objects.all(), many=True, required=False)
    co_signers = ScopedRelatedField(queryset=Deputy.objects.all(), many=True, required=False)
    co_units = serializers.SerializerMethodField()
    assignments = AssignmentSerializer(many=True, read_only=True)
    allowed_steps = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    replies = ReplySerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    # Declared: a read-only model field loses ``blank``, and the schema would then refuse the
    # "" of a suggestion not replied to yet.
    reply_category = serializers.ChoiceField(
        label=_("reply class"), choices=ReplyCategory.choices, allow_blank=True, read_only=True
    )

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
            "replies",
            "attachments",
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

FILES_HELP = "Attachments (multipart): photos, PDF, Word or Excel files; at most 9, each up to 20 MB."


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


class ProgressSerializer(TextSerializer):
    files = uploads_field(kinds=DOCUMENTS, help_text=FILES_HELP)


class ReplyInputSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ReplyCategory.choices)
    text = serializers.CharField(max_length=20000)
    confidential = serializers.BooleanField(required=False, default=False)
    files = uploads_field(kinds=DOCUMENTS, help_text=FILES_HELP)


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
    files = uploads_field(kinds=DOCUMENTS, help_text=FILES_HELP)


class FindingSerializer(serializers.Serializer):
    finding = serializers.CharField(max_length=5000)
    files = uploads_field(kinds=DOCUMENTS, help_text=FILES_HELP)


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


class TakeUpSerializer(serializers.Serializer):
    deputy = ScopedRelatedField(
        queryset=Deputy.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "The serving deputy of the clue's town who takes it up (the presidium handing it over); "
            "left out, the deputy who posts takes it up."
        ),
    )


STEP_ERROR_HELP = _("409: the current state and the steps allowed now; 403: not your role or place.")


class CluePhotosSerializer(serializers.Serializer):
    photos = uploads_field(kinds=PHOTOS, help_text="Photos (multipart): JPEG, PNG, WebP or GIF; at most 9.")
