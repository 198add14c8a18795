from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send administrators to their imports and everyone else to their portfolio."""
    if request.user.has_perm("users.settings_administrator"):
        return redirect("imports:list")
    return redirect("results:portfolio")
