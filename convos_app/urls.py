"""URL routes of convos_app, copied verbatim from the seeds."""

from django.urls import path  # noqa: F401

app_name = "convos_app"

urlpatterns: list = []
