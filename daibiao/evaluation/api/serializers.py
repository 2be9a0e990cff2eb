"""The API's view of evaluations, their scores (with each score's breakdown) and the
year-end survey. Everything here is read-only: writes are the named actions, which call the
services."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from daibiao.activities.models import Campaign
from daibiao.core.api import ScopedRelatedField
from daibiao.suggestions.choices import Satisfaction

from .. import survey
from ..choices import EvaluationState, Rule, TargetKind
from ..documents import bulletin_refusal
from ..models import Evaluation, Scheme, Score, ScoreLine, SurveyRound
from ..views import sees_records


class EvaluationSerializer(serializers.ModelSerializer):
    """An evaluation; its scores are at ``scores_url`` (paginated, with their breakdowns).
    ``allowed_steps``: what the caller may do now (``compute``, ``publish``, ``delete``).
    County staff POST ``scheme``, ``year`` (and ``campaign``, ``title``) to start a draft."""

    scheme = ScopedRelatedField(queryset=Scheme.objects.all())
    campaign = ScopedRelatedField(queryset=Campaign.objects.all(), required=False, allow_null=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    kind = serializers.ChoiceField(source="scheme.target_kind", choices=TargetKind.choices, read_only=True)
    state = serializers.ChoiceField(choices=EvaluationState.choices, read_only=True)
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True)
    published_by_name = serializers.SerializerMethodField()
    allowed_steps = serializers.SerializerMethodField()
    scores_url = serializers.SerializerMethodField()
    rankings_url = serializers.SerializerMethodField()
    bulletin_url = serializers.SerializerMethodField()

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "county",
            "year",
            "title",
            "kind",
            "scheme",
            "scheme_name",
            "scheme_version",
            "campaign",
            "state",
            "computed_at",
            "published_at",
            "published_by",
            "published_by_name",
            "allowed_steps",
            "scores_url",
            "rankings_url",
            "bulletin_url",
        ]
        read_only_fields = [f for f in fields if f not in ("scheme", "campaign", "year", "title")]

    def get_published_by_name(self, obj) -> str:
        return str(obj.published_by) if obj.published_by_id else ""

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(["compute", "publish", "delete"]))
    )
    def get_allowed_steps(self, obj) -> list[str]:
        if obj.state != EvaluationState.DRAFT:
            return []
        steps = []
        if getattr(obj, "changeable", False):
            steps.append("compute")
            if obj.computed_at is not None:
                steps.append("publish")
        if getattr(obj, "deletable", False):
            steps.append("delete")
        return steps

    def get_scores_url(self, obj) -> str:
        return reverse("api:evaluation-scores", args=[obj.pk])

    def get_rankings_url(self, obj) -> str:
        return reverse("api:evaluation-rankings", args=[obj.pk])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_bulletin_url(self, obj) -> str | None:
        """Only a published evaluation of the units has a bulletin."""
        if bulletin_refusal(obj) is not None:
            return None
        return reverse("api:evaluation-bulletin", args=[obj.pk])


class ScoreRecordSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class ScoreLineSerializer(serializers.ModelSerializer):
    """One indicator of a score: what was measured (``value``, and ``base`` for a rate), the
    points out of ``weight``, and the records behind them (empty for a reader to whom they are
    not shown: another unit's records, say)."""

    rule = serializers.ChoiceField(choices=Rule.choices)
    records = serializers.SerializerMethodField()
    list_url = serializers.SerializerMethodField()

    class Meta:
        model = ScoreLine
        fields = ["metric", "label", "weight", "rule", "value", "base", "points", "records", "list_url"]
        read_only_fields = fields

    @extend_schema_field(ScoreRecordSerializer(many=True))
    def get_records(self, obj) -> list[dict]:
        shown = self.context.get("records_shown", {})
        return list(obj.records or []) if shown.get(obj.score_id) else []

    def get_list_url(self, obj) -> str:
        shown = self.context.get("records_shown", {})
        return obj.list_url if shown.get(obj.score_id) else ""


class ScoreSerializer(serializers.ModelSerializer):
    """A target's total, rank and breakdown in an evaluation. ``target`` is the id of the
    deputy, town or unit (by the evaluation's ``kind``)."""

    target = serializers.SerializerMethodField()
    lines = ScoreLineSerializer(many=True, read_only=True)

    class Meta:
        model = Score
        fields = ["id", "evaluation", "rank", "name", "total", "target", "lines"]
        read_only_fields = fields

    def get_target(self, obj) -> int | None:
        return obj.deputy_id or obj.town_id or obj.unit_id


def records_shown(user, scores) -> dict[int, bool]:
    """For each score, whether its records are named to ``user`` (``views.sees_records``)."""
    return {score.pk: sees_records(user, score) for score in scores}


# --- the survey -----------------------------------------------------------------------------


class SurveyRoundSerializer(serializers.ModelSerializer):
    """A survey round; county staff POST ``year``, ``opens_on``, ``closes_on`` (and ``title``)
    to open their county's round of a year."""

    is_open = serializers.SerializerMethodField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = SurveyRound
        fields = ["id", "county", "year", "title", "opens_on", "closes_on", "is_open"]
        read_only_fields = ["id", "county", "is_open"]

    def get_is_open(self, obj) -> bool:
        return survey.is_open(obj)


class SurveyByResultSerializer(serializers.Serializer):
    satisfied = serializers.IntegerField()
    basically_satisfied = serializers.IntegerField()
    unsatisfied = serializers.IntegerField()


class SurveyProgressSerializer(serializers.Serializer):
    deputies = serializers.IntegerField(help_text="Deputies who dealt with a unit in the year.")
    answered = serializers.IntegerField(help_text="Deputies who have answered.")
    answers = serializers.IntegerField()
    by_result = SurveyByResultSerializer()
    satisfied_rate = serializers.FloatField(allow_null=True)


class SurveyUnitResultSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    name = serializers.CharField()
    satisfied = serializers.IntegerField()
    basically_satisfied = serializers.IntegerField(source="basic")
    unsatisfied = serializers.IntegerField()
    answers = serializers.IntegerField(source="total")
    satisfied_rate = serializers.FloatField(source="rate", allow_null=True)


class SurveyRoundDetailSerializer(SurveyRoundSerializer):
    """A round; for the county's staff and leaders its progress and each unit's results
    (counts only, never who answered what); ``null`` for the others."""

    progress = serializers.SerializerMethodField()
    results = serializers.SerializerMethodField()

    class Meta(SurveyRoundSerializer.Meta):
        fields = [*SurveyRoundSerializer.Meta.fields, "progress", "results"]
        read_only_fields = fields

    @extend_schema_field(SurveyProgressSerializer(allow_null=True))
    def get_progress(self, obj) -> dict | None:
        return self.context.get("progress")

    @extend_schema_field(SurveyUnitResultSerializer(many=True, allow_null=True))
    def get_results(self, obj) -> list | None:
        results = self.context.get("results")
        return None if results is None else SurveyUnitResultSerializer(results, many=True).data


class SurveyAnswerSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    result = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class SurveyAnswersInputSerializer(serializers.Serializer):
    answers = SurveyAnswerSerializer(many=True, allow_empty=False)


class SurveyUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    answer = SurveyAnswerSerializer(allow_null=True)


class MySurveySerializer(serializers.Serializer):
    """The caller's part of a round: the units to rate and the answers given (empty for
    anyone but a deputy)."""

    survey = serializers.IntegerField()
    is_open = serializers.BooleanField()
    units = SurveyUnitSerializer(many=True)
