"""Password hashing (argon2id) and the policy: at least 12 characters, no composition rules,
no password from a list of the most guessed ones."""

from __future__ import annotations

import itertools
import os
import re
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.web.i18n import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 1024

# The test suite only: PORTAL_TEST_PASSWORD_HASH=cheap selects argon2's cheapest parameters (still
# argon2id, still hashed and verified at every sign-in, about 1 ms instead of 200 ms of CPU).
# `portal serve` and `portal worker` refuse to start when it is set (portal/cli.py).
TEST_HASH_ENV = "PORTAL_TEST_PASSWORD_HASH"
CHEAP_FOR_TESTS = os.environ.get(TEST_HASH_ENV) == "cheap"
_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if CHEAP_FOR_TESTS
    else PasswordHasher()  # argon2id with the library's current recommended parameters
)
_DUMMY_HASH = _hasher.hash("a password nobody uses, to spend the same time on unknown accounts")

# Our own list, built from the words and patterns people reuse most (keyboard walks, digit runs,
# "password" in French and English, the city's name, seasons and years). No third-party list.
_BASES = (
    "password", "motdepasse", "mot2passe", "azerty", "qwerty", "azertyuiop", "qwertyuiop",
    "soleil", "bonjour", "doudou", "loulou", "chouchou", "marseille", "paris", "suresnes",
    "iloveyou", "jetaime", "admin", "administrateur", "welcome", "bienvenue", "football",
    "princesse", "nicolas", "camille", "dragon", "monkey", "letmein", "sunshine", "master",
    "portail", "mairie", "citoyen", "charte", "changeme", "secret", "abc", "test",
)  # fmt: skip
_SUFFIXES = ("", "1", "12", "123", "1234", "12345", "123456", "!", "2024", "2025", "2026", "01")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    words: set[str] = set()
    for base, suffix in itertools.product(_BASES, _SUFFIXES):
        for variant in (base, base.capitalize(), base + base):
            words.add((variant + suffix).lower())
    for n in range(6, 21):
        words.add("".join(str((i + 1) % 10) for i in range(n)))  # 123456789012...
        words.add("0" * n)
        words.add("1" * n)
        words.add("".join(str(9 - i % 10) for i in range(n)))
    for walk in ("azertyuiopqsdfghjklm", "qwertyuiopasdfghjkl", "abcdefghijklmnopqrstu"):
        for n in range(6, len(walk) + 1):
            words.add(walk[:n])
    return frozenset(words)


def password_problem(password: str, *, email: str = "", display_name: str = "") -> str | None:
    """Return why the password is refused (in French), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Le mot de passe doit compter au moins %(n)s caractères.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Le mot de passe ne peut dépasser %(n)s caractères.", n=MAX_LENGTH)
    lowered = password.lower()
    squashed = re.sub(r"\s+", "", lowered)
    if lowered in common_passwords() or squashed in common_passwords():
        return _("Ce mot de passe fait partie des plus utilisés : choisissez-en un autre.")
    if len(set(password)) < 4:
        return _("Ce mot de passe répète trop les mêmes caractères.")
    local = email.split("@")[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (
        display_name and display_name.lower() == lowered
    ):
        return _("Le mot de passe ne doit pas reprendre votre adresse ou votre nom.")
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
