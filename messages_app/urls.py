"""URL routes of messages_app, copied verbatim from the seeds."""

from django.urls import path  # noqa: F401

app_name = "messages_app"

urlpatterns: list = []
