"""The public API's input and output. Outputs carry public data only: names of stations,
towns, villages, units and serving deputies; phones masked; replies' published text."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from daibiao.core.files import PHOTOS, uploads_field
from daibiao.registry.models import Deputy, LiaisonStation, Village
from daibiao.suggestions.choices import Category
from daibiao.suggestions.models import CitizenFeedback, Reply
from daibiao.suggestions.services import public


class ChallengeSerializer(serializers.Serializer):
    question = serializers.CharField()
    token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text=_("Seconds the token stays valid."))


class ChallengeInput(serializers.Serializer):
    challenge_token = serializers.CharField(max_length=300)
    challenge_answer = serializers.CharField(max_length=6)


class ClueInput(ChallengeInput):
    """A citizen's report. ``station`` (a station's code) or ``deputy`` (a deputy's code)."""

    station = serializers.PrimaryKeyRelatedField(
        queryset=LiaisonStation.objects.select_related("town"), required=False, allow_null=True
    )
    deputy = serializers.PrimaryKeyRelatedField(
        queryset=Deputy.objects.select_related("station", "town"), required=False, allow_null=True
    )
    content = serializers.CharField(max_length=public.CONTENT_MAX * 2)  # HTML is stripped, then counted
    village = serializers.PrimaryKeyRelatedField(queryset=Village.objects.all())
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    photos = uploads_field(kinds=PHOTOS, help_text=_("Optional: up to 3 photos (multipart)."))


class TrackingCodeSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()


class StepSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class PublicReplyOfClueSerializer(serializers.Serializer):
    category = serializers.CharField()
    text = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()
    unit = serializers.CharField()
    public = serializers.BooleanField()


class ProgressSerializer(serializers.Serializer):
    """A clue as its citizen reads it."""

    tracking_code = serializers.CharField(source="code")
    status = serializers.CharField()
    status_label = serializers.CharField()
    title = serializers.CharField()
    content = serializers.CharField()
    station = serializers.CharField(allow_blank=True)
    town = serializers.CharField()
    village = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True, help_text=_("Masked."))
    raised_at = serializers.DateTimeField()
    steps = StepSerializer(many=True)
    replies = PublicReplyOfClueSerializer(many=True)
    may_answer = serializers.BooleanField()
    answer = serializers.SerializerMethodField()

    def get_answer(self, progress) -> str | None:
        return progress.answer.answer if progress.answer is not None else None


class FeedbackInput(serializers.Serializer):
    phone_last4 = serializers.CharField(max_length=4, required=False, allow_blank=True)
    answer = serializers.ChoiceField(choices=CitizenFeedback.Answer.choices)
    comment = serializers.CharField(max_length=public.COMMENT_MAX * 2, required=False, allow_blank=True)


class FeedbackOutput(serializers.Serializer):
    answer = serializers.CharField()
    flagged = serializers.BooleanField()


class DutySerializer(serializers.Serializer):
    date = serializers.DateField(source="on_date")
    period = serializers.CharField()
    period_label = serializers.CharField(source="get_period_display")
    deputy = serializers.CharField(source="deputy.name")


class PublicStationSerializer(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    deputies = serializers.SerializerMethodField()
    duties = DutySerializer(source="upcoming", many=True)
    report_url = serializers.SerializerMethodField()
    qr_png = serializers.SerializerMethodField()
    qr_svg = serializers.SerializerMethodField()
    poster = serializers.SerializerMethodField()

    class Meta:
        model = LiaisonStation
        fields = [
            "id",
            "name",
            "town",
            "address",
            "phone",
            "deputies",
            "duties",
            "report_url",
            "qr_png",
            "qr_svg",
            "poster",
        ]

    def _url(self, name, station) -> str:
        request = self.context.get("request")
        path = reverse(name, args=[station.pk])
        return request.build_absolute_uri(path) if request is not None else path

    def get_deputies(self, station) -> list[str]:
        return [d.name for d in station.serving_deputies]

    def get_report_url(self, station) -> str:
        return self._url("portal:station-report", station)

    def get_qr_png(self, station) -> str:
        return self._url("portal:station-qr-png", station)

    def get_qr_svg(self, station) -> str:
        return self._url("portal:station-qr-svg", station)

    def get_poster(self, station) -> str:
        return self._url("portal:station-poster", station)


class PublicReplySerializer(serializers.ModelSerializer):
    """A published reply: its suggestion's title (personal data masked), the unit, the class
    and the published text."""

    suggestion_title = serializers.SerializerMethodField()
    town = serializers.CharField(source="suggestion.town.name", default="")
    unit = serializers.CharField(source="unit.name")
    category_label = serializers.CharField(source="get_category_display")
    text = serializers.CharField(source="public_text")
    replied_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Reply
        fields = [
            "id",
            "suggestion_title",
            "town",
            "unit",
            "category",
            "category_label",
            "text",
            "replied_at",
        ]

    def get_suggestion_title(self, reply) -> str:
        return self.context["titles"][reply.suggestion_id]
