from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: a locked-out attempt is refused before
    the model backend hashes anything.

    Besides axes' lockout of one username from one address, an address that has failed with many
    usernames is refused too (ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT): otherwise a bot could rotate usernames
    and make the site hash passwords without end.

    Sign-ins without a request (the test client's `login()`, a shell) have no address to lock out, so
    they go straight to the model backend instead of failing. Every web sign-in (the admin's form)
    passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        super().authenticate(request, username, password, **kwargs)
        if self._address_failures(request) >= settings.ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed sign-ins from this address")
        return None

    @staticmethod
    def _address_failures(request):
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
        )
        return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0
