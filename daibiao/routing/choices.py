from django.db import models
from django.utils.translation import pgettext_lazy


class SearchKind(models.TextChoices):
    """What a search result is: the records the search box reaches."""

    CLUE = "clue", pgettext_lazy("search result type", "Clue")  # a problem clue (问题线索)
    SUGGESTION = "suggestion", pgettext_lazy("search result type", "Suggestion")  # 意见建议
    REPLY = "reply", pgettext_lazy("search result type", "Reply")  # a unit's reply (答复)
    DEPUTY = "deputy", pgettext_lazy("search result type", "Deputy")  # a deputy (人大代表)
    UNIT = "unit", pgettext_lazy("search result type", "Handling unit")  # 责任单位/承办单位
