"""Pages about learning paths: the list and each path's participant status."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from learnlinq.permissions import (
    object_for_administrator,
    settings_administrator_required,
)
from results.models import ActivityStatus, LearningActivity, LearningPath, Participation

PARTICIPANTS_PAGE_SIZE = 50


@settings_administrator_required
@require_http_methods(["GET"])
def learning_paths(request: HttpRequest) -> HttpResponse:
    """List learning paths with their numbers of participants and passes."""
    paths = LearningPath.objects.annotate(
        participant_count=Count("participations"),
        passed_count=Count(
            "participations",
            filter=Q(participations__status=Participation.Status.PASSED),
        ),
    ).order_by("title", "id")
    return render(request, "results/learning_paths.html", {"paths": paths})


@settings_administrator_required
@require_http_methods(["GET"])
def participant_status(request: HttpRequest, pk: int) -> HttpResponse:
    """
    Show a path's participants against its activities: status and renewal due.

    Four queries per page whatever the size of the path: the path, its
    activities, one page of participations and their activity statuses.
    """
    path = object_for_administrator(request, LearningPath.objects.all(), pk=pk)
    activities = list(
        LearningActivity.objects.filter(section__path=path)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )
    participations = (
        Participation.objects.filter(path=path)
        .select_related("learner")
        .order_by("learner__name", "learner__username", "id")
    )
    page = Paginator(participations, PARTICIPANTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )

    statuses = {
        (status.participation_id, status.activity_id): status
        for status in ActivityStatus.objects.filter(
            participation__in=list(page.object_list)
        )
    }
    rows = [
        (
            participation,
            [statuses.get((participation.pk, activity.pk)) for activity in activities],
        )
        for participation in page.object_list
    ]
    return render(
        request,
        "results/participant_status.html",
        {
            "path": path,
            "activities": activities,
            "rows": rows,
            "page_obj": page,
            # Statuses are stored at the last recalculation, so a due date
            # that has gone by since then is shown as expired.
            "today": timezone.localdate(),
        },
    )
