"""Who is calling: every service takes a TeamContext and scopes its queries to its team."""

from __future__ import annotations

from dataclasses import dataclass

from leadhub.services.errors import PermissionDenied
from leadhub.services.models import Role

_RANK = {Role.REP.value: 1, Role.MANAGER.value: 2, Role.ADMIN.value: 3}


@dataclass(frozen=True)
class TeamContext:
    team_id: int
    user_id: int
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value

    @property
    def is_manager(self) -> bool:
        """Managers and admins see everyone's work."""
        return _RANK.get(self.role, 0) >= _RANK[Role.MANAGER.value]

    def require(self, role: Role) -> None:
        """Raise PermissionDenied unless the caller has at least `role`."""
        if _RANK.get(self.role, 0) < _RANK[role.value]:
            raise PermissionDenied(f"This needs the {role.value} role.")
