from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS: a locked-out pair is refused before
    the model backend hashes anything.

    Sign-ins without a request (the test client's `login()`, a shell) have no address to lock out, so
    they go straight to the model backend instead of failing. Every web sign-in (the admin's form)
    passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
