"""The base class of every API view.

Each view is an ``ApiViewSet`` with its parsers and throttles as class attributes, and each
action does three things: parse with ``chatcore.serializers.validated``, call one service or
selector, render with an output serializer. Routes are mapped explicitly in each app's
``urls.py``.
"""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.request import Request

from chatcore.replicas import use_replicas_for
from chatcore.throttles import check_rate_limits


class ApiViewSet(viewsets.GenericViewSet):
    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        # Authenticated and throttled: the action's reads may now use a read replica
        # (chatcore/replicas.py); a no-op without DATABASE_REPLICA_URLS.
        use_replicas_for(request.user)

    def check_throttles(self, request: Request) -> None:
        # DRF's own version only learns the longest wait, not which limit refused; the
        # refusing throttle names the 429's sentence here.
        check_rate_limits(self.get_throttles(), request, self)
