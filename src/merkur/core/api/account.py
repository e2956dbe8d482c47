"""``/me``: who the API sees behind the token or session, and what the role allows."""

from django.http import HttpRequest
from ninja import Router, Schema

from merkur.core.api.errors import ErrorOut
from merkur.core.roles import ROLE_CAPABILITIES, role_of

router = Router(tags=["Account"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str | None
    capabilities: list[str]


@router.get(
    "/me",
    response={200: MeOut, 401: ErrorOut},
    summary="The authenticated user",
    description="Check a token: who it belongs to, the role and what it may do.",
)
def me(request: HttpRequest):
    user = request.auth
    role = role_of(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name(),
        "role": role,
        "capabilities": sorted(ROLE_CAPABILITIES.get(role, ())),
    }
