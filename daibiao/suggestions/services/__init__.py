"""Every write of the closed loop. Each step is one function ``verb_noun(suggestion, …, *,
actor)``: it checks the workflow table and the step's guard, moves the state with a
conditional update (exactly one row, or ``Conflict``), writes the step's event row and its
change-log row in the same transaction, and schedules notifications after commit.

``actor=None`` is the system (jobs, the demo loader acting for a named user pass that user).
"""

from django.utils import timezone  # noqa: F401  (tests freeze time through this name)

from daibiao.core import audit  # noqa: F401  (tests fail the change log through this name)

from ..errors import Conflict, Forbidden, Invalid  # noqa: F401
from .base import (  # noqa: F401
    CO_OPINION_WORKING_DAYS,
    DEFAULT_ACKNOWLEDGE_DAYS,
    DEFAULT_COUNTY_MONTHS,
    DEFAULT_TOWN_DAYS,
    MAX_EXTENSION_MONTHS,
    RETURN_WINDOW_WORKING_DAYS,
    reply_deadline,
    roles_of,
)
from .clues import (  # noqa: F401
    add_clue_photos,
    create_clue,
    dismiss_clue,
    solve_clue_on_spot,
)
from .handling import (  # noqa: F401
    acknowledge_suggestion,
    assign_suggestion,
    create_suggestion,
    decide_extension,
    report_progress,
    request_extension,
    return_suggestion,
    send_co_opinion,
    submit_suggestion,
    transfer_suggestion,
)
from .outcome import (  # noqa: F401
    allowed_steps,
    conclude_suggestion,
    look_back,
    merge_suggestion,
    public_version,
    rate_reply,
    raters,
    reclassify_reply,
    reply_to_suggestion,
    urge_suggestion,
    verify_implemented,
    withdraw_suggestion,
)
from .public import (  # noqa: F401
    clues_to_take_up,
    find_public_clue,
    public_progress,
    record_citizen_feedback,
    submit_public_clue,
    take_up_clue,
)
