"""Why a step was refused; the API maps each to its status code."""

from django.utils.translation import gettext as _


class StepRefused(Exception):
    status = 400

    def __init__(self, message: str, *, suggestion=None):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


class Forbidden(StepRefused):
    """The actor's role, or place, does not allow the step (HTTP 403)."""

    status = 403


class Conflict(StepRefused):
    """The suggestion's state does not allow the step now, or someone else took a step at
    the same moment (HTTP 409, with the current state and the steps allowed now)."""

    status = 409

    @classmethod
    def for_state(cls, suggestion):
        return cls(
            _("This step is not possible while the suggestion is “{state}”.").format(
                state=suggestion.get_state_display()
            ),
            suggestion=suggestion,
        )


class Invalid(StepRefused):
    """The step's input is wrong (HTTP 400, with field errors)."""

    def __init__(self, errors: dict, *, suggestion=None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), suggestion=suggestion)
        self.errors = errors
