"""Integrity events: environment-check refusals and other signals."""

from __future__ import annotations

from server.api.auth import current_actor
from server.api.blueprint import Blueprint
from server.api.integrity.schemas import IntegrityEventSchema, IntegrityQuerySchema
from server.api.pagination import paginate
from server.domain import identity
from server.domain.actors import STAFF_ROLES

blp = Blueprint("integrity", __name__, description="诚信事件", roles=STAFF_ROLES)


@blp.route("/integrity-events")
@blp.arguments(IntegrityQuerySchema, location="query")
@blp.response(200, IntegrityEventSchema(many=True))
@blp.paginate()
def list_integrity_events(query, pagination_parameters):
    """Integrity events of the teacher's school, newest first."""
    return paginate(
        identity.integrity_event_query(current_actor(), query.get("code")), pagination_parameters
    )
