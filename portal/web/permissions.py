"""Named permissions, each listing the roles that hold it; admins hold them all."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Permission:
    """`name` reads scope:resource:action; empty `roles` with `signed_in` means any signed-in user."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    public: bool = False
    signed_in: bool = False

    def allows(self, roles: frozenset[str] | set[str], *, authenticated: bool) -> bool:
        if self.public:
            return True
        if not authenticated:
            return False
        if "admin" in roles or self.signed_in:
            return True
        return bool(self.roles & set(roles))


PUBLIC = Permission("public", public=True)
SIGNED_IN = Permission("signed-in", signed_in=True)


def perm(name: str, *roles: str) -> Permission:
    return Permission(name, frozenset(roles))
