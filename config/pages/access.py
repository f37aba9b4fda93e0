"""Who may open a page: logged-in users, and analysts (or admins) for the analyst pages."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def analyst_required(view: View) -> View:
    """Anonymous visitors go to the log-in page; logged-in users without the analyst or admin
    role get 403, as the API answers them."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_analyst:
            raise PermissionDenied("This page needs the analyst or admin role.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def posted(request: HttpRequest) -> tuple:
    """A form's data arguments: bound on POST (even an empty one, so it says what is missing),
    unbound on GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)
