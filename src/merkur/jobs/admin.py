"""Django admin for jobs: read-only, for operators looking under the hood."""

from django.contrib import admin

from merkur.core.admin import ReadOnlyAdmin
from merkur.jobs.models import Job, JobItem


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "title", "status", "created_by", "created_at", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "title", "created_by__username"]
    date_hierarchy = "created_at"


@admin.register(JobItem)
class JobItemAdmin(ReadOnlyAdmin):
    list_display = ["job", "key", "state", "attempt", "started_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["key"]
