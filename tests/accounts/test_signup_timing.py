"""Finding 6: neither the time sign-up takes nor its answer tells whether an address has an
account."""

from __future__ import annotations

import statistics
import time
from typing import Any

from starlette.testclient import TestClient

from tests.helpers import csrf_token

TRIES = 15


def test_signup_takes_the_same_time_for_known_and_new_addresses(
    real_password_hashing: None, client: TestClient, make_user: Any
) -> None:
    """Over many tries, the median answer for a taken address is within 25 % of a new one's."""
    make_user(email="connue@exemple.fr")
    token = csrf_token(client, "/signup")

    def timed(email: str, name: str) -> float:
        start = time.perf_counter()
        response = client.post(
            "/signup",
            data={"email": email, "display_name": name,
                  "password": "une phrase assez longue", "csrf_token": token},
        )  # fmt: skip
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert "Vérifiez votre messagerie" in response.text
        return elapsed

    timed("echauffement@exemple.fr", "Echauffement")  # first request pays for imports and caches
    known: list[float] = []
    new: list[float] = []
    for i in range(TRIES):  # interleaved, so a busy moment of the machine hits both alike
        known.append(timed("connue@exemple.fr", f"Curieux {i}"))
        new.append(timed(f"nouvelle{i}@exemple.fr", f"Nouvelle {i}"))
    known_median, new_median = statistics.median(known), statistics.median(new)
    ratio = max(known_median, new_median) / min(known_median, new_median)
    assert ratio <= 1.25, f"known {known_median * 1000:.0f} ms, new {new_median * 1000:.0f} ms"


def test_taken_name_gets_the_same_answer_with_a_known_or_a_new_address(
    client: TestClient, make_user: Any
) -> None:
    """A taken display name is refused alike whether the address has an account or not."""
    make_user(email="titulaire@exemple.fr", name="Nom Pris")
    token = csrf_token(client, "/signup")
    answers = []
    for email in ("titulaire@exemple.fr", "inconnue@exemple.fr"):
        response = client.post(
            "/signup",
            data={"email": email, "display_name": "nom pris",
                  "password": "une phrase assez longue", "csrf_token": token},
        )  # fmt: skip
        answers.append((response.status_code, "Ce nom affiché est déjà pris" in response.text))
    assert answers == [(400, True), (400, True)]
