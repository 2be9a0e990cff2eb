"""The CSRF failure view that ``test_csrf`` installs (``CSRF_FAILURE_VIEW``): a 403 with a
header of its own, so that a refusal by the CSRF check cannot be mistaken for a refusal by
role or scope, which is a 403 too."""

from django.http import HttpResponseForbidden

REFUSED_HEADER = "X-Test-CSRF-Refused"


def refused(request, reason=""):
    response = HttpResponseForbidden(reason)
    response[REFUSED_HEADER] = reason or "refused"
    return response
