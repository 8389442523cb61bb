"""URL routes of tags_app, copied verbatim from the seeds."""

from django.urls import path  # noqa: F401

app_name = "tags_app"

urlpatterns: list = []
