"""Answers that say "not found" rather than quote a number about something else, that quote the
reason of a "pourquoi" question, and that read words typed without accents (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from portal.council.answer import ask
from portal.council.ingest import ingest_paths
from portal.council.nlp import query_groups
from portal.council.questions import carries, kind_words, question_kinds
from portal.db import session_scope
from tests.helpers import ingest_minutes

# Written for these tests: the layout of minutes extracted from PDF (no blank lines).
MINUTES = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 14 mars 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – DÉLIBÉRATION 2023-010 – OBJET : CONSTRUCTION D'UNE CRÈCHE
Rapporteur : Mme Odile Brun, adjointe à la petite enfance
Mme Brun propose de construire une nouvelle crèche de 40 berceaux rue des Saules. Les
travaux commenceront le 4 septembre 2023.
M. Paul Girard regrette que la nouvelle crèche ne suffise pas : la liste d'attente compte 95
familles. Il demande que des places soient réservées dans une crèche privée en attendant. Mme la Maire répond que
8 places ont été réservées à la crèche Les Lucioles.
Le Conseil municipal, après en avoir délibéré, approuve le projet.
Vote : adopté à l'unanimité.
POINT N°2 – DÉLIBÉRATION 2023-011 – OBJET : STATIONNEMENT EN CENTRE-VILLE
Rapporteur : M. Luc Perrin, adjoint aux mobilités
M. Perrin indique que l'occupation du parking de la gare a augmenté de 12 % en un an. Il
propose une étude de circulation.
Le Conseil municipal, après en avoir délibéré, approuve l'étude.
Vote : adopté à l'unanimité.
POINT N°3 – DÉLIBÉRATION 2023-012 – OBJET : GYMNASE DES PEUPLIERS
Rapporteur : M. Luc Perrin, adjoint aux sports
M. Perrin rappelle que la commission de sécurité a visité le gymnase des Peupliers, fermé
depuis, le 2 février 2023. Elle a émis un avis défavorable en raison de l'usure de la charpente, que les pluies
ont aggravée. Les clubs sont accueillis au gymnase du collège.
Le Conseil municipal, après en avoir délibéré, prend acte.
Vote : adopté à l'unanimité.
POINT N°4 – DÉLIBÉRATION 2023-013 – OBJET : TARIFS DE LA CRÈCHE MUNICIPALE
Rapporteur : Mme Odile Brun, adjointe à la petite enfance
Mme Brun indique que les tarifs de la crèche municipale suivent le barème national. Les places
sont attribuées par une commission.
Le Conseil municipal, après en avoir délibéré, approuve les tarifs.
Vote : adopté à l'unanimité.
POINT N°5 – DÉLIBÉRATION 2023-014 – OBJET : MARCHÉ HEBDOMADAIRE
Rapporteur : M. Luc Perrin, adjoint au commerce
M. Perrin propose d'attribuer les places du marché par tirage au sort, comme à la crèche
pour les places d'accueil d'urgence.
Le Conseil municipal, après en avoir délibéré, approuve le tirage au sort.
Vote : adopté à l'unanimité.
"""


@pytest.fixture
def minutes(engine: Engine, tmp_path: Path) -> Engine:
    return ingest_minutes(engine, tmp_path / "2023-03-14.txt", MINUTES)


def test_a_number_about_something_else_is_not_an_answer(minutes: Engine) -> None:
    """ "Combien de places de parking devant la nouvelle crèche": the minutes count crèche places
    reserved elsewhere and give a rise in the station parking's use, never parking places at the
    crèche; the answer says it found nothing instead of quoting those numbers (the sentence that
    gives a number must hold as much of the question as a passage must)."""
    with session_scope(minutes, write=False) as session:
        reply = ask(session, "combien de places de parking devant la nouvelle creche")
        assert not reply.found and reply.quotes == []
        answered = ask(session, "combien de berceaux dans la nouvelle creche")
    assert answered.found and any("40 berceaux" in q.text for q in answered.quotes)


def test_a_why_question_quotes_the_reason_after_the_fact(minutes: Engine) -> None:
    """The sentence that names the gymnasium says it was visited; the one after it ("Elle a
    émis un avis défavorable en raison de…") gives the reason, and both are quoted verbatim."""
    with session_scope(minutes, write=False) as session:
        reply = ask(session, "pourquoi le gymnase des peupliers est ferme")
    assert reply.found
    first = reply.quotes[0].text
    assert "visité le gymnase des Peupliers" in first and "en raison de l'usure" in first


def test_words_typed_without_accents_or_as_verbs_get_their_lemma() -> None:
    """'repoussee' is read as 'repoussée' (repousser) and 'ils ferment' as the verb fermer, so
    that the thesaurus and the stems of the minutes' words find them; the search's own reading
    of the words is unchanged."""
    assert ("repoussee", "repousser") in query_groups("reouverture repoussee", unaccented=True)
    assert ("ferment", "fermer") in query_groups("pourquoi ils ferment", unaccented=True)
    assert ("ferment",) in query_groups("pourquoi ils ferment")
    # a noun after an article stays a noun
    assert ("ferment",) in query_groups("le ferment lactique", unaccented=True)


# A count said of something else, and opening hours asked where the minutes give only a year.
SQUARE = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 11 avril 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – DÉLIBÉRATION 2023-020 – OBJET : RÉAMÉNAGEMENT DE LA PLACE DE LA HALLE
Rapporteur : M. Luc Perrin, adjoint aux mobilités
M. Perrin indique que le stationnement place de la Halle sera réaménagé en 2024 pour un coût de
300 000 euros. Les 25 bancs et les 12 arbres de la place seront remplacés.
Le Conseil municipal, après en avoir délibéré, approuve le projet.
Vote : adopté à l'unanimité.
POINT N°2 – DÉLIBÉRATION 2023-021 – OBJET : MÉDIATHÈQUE ET MAISON DES SERVICES
Rapporteur : Mme Odile Brun, adjointe à la culture
Mme Brun annonce que l'ouverture de la médiathèque rénovée est prévue en 2024. La maison des services ouvrira en
mai 2023, du lundi au vendredi de 9 h à 17 h.
Le Conseil municipal, après en avoir délibéré, prend acte.
Vote : adopté à l'unanimité.
"""


@pytest.fixture
def square(engine: Engine, tmp_path: Path) -> Engine:
    """Both meetings: words found in one passage of two would weigh almost nothing."""
    paths = [tmp_path / "2023-03-14.txt", tmp_path / "2023-04-11.txt"]
    paths[0].write_text(MINUTES, encoding="utf-8")
    paths[1].write_text(SQUARE, encoding="utf-8")
    results, errors = ingest_paths(engine, paths)
    assert errors == [] and len(results) == 2
    return engine


def test_a_count_is_a_number_next_to_the_thing_counted(square: Engine) -> None:
    """ "Combien de places de stationnement place de la Halle": the minutes name the square and
    price its works, and count its benches and trees, never parking places; "combien d arbres" (typed
    without its apostrophe) is answered by "les 12 arbres"."""
    with session_scope(square, write=False) as session:
        reply = ask(session, "combien de places de stationnement place de la halle")
        assert not reply.found and reply.quotes == []
        answered = ask(session, "combien d arbres sur la place de la halle")
    assert answered.found and any("les 12 arbres" in q.text for q in answered.quotes)


def test_opening_hours_are_answered_by_an_hour(square: Engine) -> None:
    """ "Horaires d'ouverture de la médiathèque": the minutes give the year it opens, not its hours, so
    nothing answers (the sentence with the year says "ouverture" too); the hours of the maison des
    services are quoted."""
    with session_scope(square, write=False) as session:
        reply = ask(session, "horaires d'ouverture de la mediatheque")
        assert not reply.found and reply.quotes == []
        answered = ask(session, "horaires d'ouverture de la maison des services")
    assert answered.found and any("de 9 h à 17 h" in q.text for q in answered.quotes)


def test_money_words_ask_for_a_sum_only_when_nothing_else_is_asked() -> None:
    """ "subvention", "euros", "cher" make an amount question only without an interrogative of
    another kind: "pourquoi … n'a pas voté la subvention" asks a reason (its answer is not held to
    quoting a sum), "quand la subvention sera versée" a date."""
    assert question_kinds("subvention club de rugby 2024 ?") == ["amount"]
    # a sum of money, not a count of subsidies (test_answer_residents_words.py)
    assert question_kinds("combien de subvention pour le club") == ["amount"]
    assert "amount" not in question_kinds(
        "pourquoi l'adjointe n'a pas vote la subvention de la boussole"
    )
    assert question_kinds("quand la subvention sera versee") == ["date"]
    assert question_kinds("c'est cher la cantine ?") == ["amount"]


def test_how_long_asks_for_a_length_of_time() -> None:
    """ "combien de temps", "pendant combien de jours" ask how long, not how much nor how many:
    answered by a number of days, weeks, months or years, not by a sum or any number."""
    assert question_kinds("combien de temps sont gardees les images des cameras") == ["duration"]
    assert question_kinds("pendant combien de mois la piscine sera fermee") == ["duration"]
    assert carries("Les images seront conservées quinze jours au maximum.", ["duration"])
    assert carries("Les travaux dureront 14 mois.", ["duration"])
    assert not carries("La caméra coûte 15 000 € et 14 sont prévues.", ["duration"])


def test_the_words_that_name_the_kind_of_fact_asked_for() -> None:
    """The words of a question that say what kind of fact it asks for (they count half in an
    answer's share of the question, like "adopté"): whole words, never the subject."""
    assert kind_words("combien de temps sont gardees les images")["temps"] == "duration"
    assert "images" not in kind_words("combien de temps sont gardees les images")
    assert kind_words("vote revision plu unanimite?") == {"vote": "vote", "unanimite": "vote"}
    assert kind_words("quel est le cout des travaux")["cout"] == "amount"
    assert "travaux" not in kind_words("quel est le cout des travaux")


# A vote given in numbers only, and a length of time, each in a sentence without the words that
# ask for them.
REVIEW = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 9 mai 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – DÉLIBÉRATION 2023-030 – OBJET : RÉVISION GÉNÉRALE DU PLU
Rapporteur : M. Luc Perrin, adjoint à l'urbanisme
M. Perrin rappelle que le document en vigueur date de 2009 et ne répond plus à la loi.
Le Conseil municipal, après en avoir délibéré, approuve la proposition.
Adopté par 23 voix pour et 4 abstentions.
POINT N°2 – DÉLIBÉRATION 2023-031 – OBJET : VIDÉOPROTECTION DU PARC DES SAULES
Rapporteur : M. Luc Perrin, adjoint à la sécurité
M. Perrin indique que les images des caméras du parc seront conservées quinze jours puis effacées.
Le Conseil municipal, après en avoir délibéré, approuve le projet.
Vote : adopté à l'unanimité.
"""


@pytest.fixture
def review(engine: Engine, tmp_path: Path) -> Engine:
    paths = [tmp_path / "2023-03-14.txt", tmp_path / "2023-05-09.txt"]
    paths[0].write_text(MINUTES, encoding="utf-8")
    paths[1].write_text(REVIEW, encoding="utf-8")
    results, errors = ingest_paths(engine, paths)
    assert errors == [] and len(results) == 2
    return engine


def test_the_words_that_ask_for_a_kind_of_fact_are_answered_by_such_a_fact(review: Engine) -> None:
    """ "vote révision PLU unanimité ?": no sentence of the deliberation names its subject (only
    its title does) nor says "vote" or "unanimité", but its vote line gives the vote ("Adopté par
    23 voix pour et 4 abstentions."), which answers those words: it is quoted, not "not found".
    "combien de temps", a word no passage has, is answered by "quinze jours"."""
    with session_scope(review, write=False) as session:
        vote = ask(session, "vote revision plu unanimite ?")
        kept = ask(session, "les images des cameras sont conservees combien de temps")
    assert vote.found
    assert [q.deliberation for q in vote.quotes if "23 voix pour" in q.text] == ["2023-030"]
    assert kept.found and any("quinze jours" in q.text for q in kept.quotes)


# Canteen meals spoken of in many passages; "facture" in one passage, about something else.
CANTEEN = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 13 juin 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – DÉLIBÉRATION 2023-040 – OBJET : RESTAURATION SCOLAIRE
Rapporteur : Mme Odile Brun, adjointe aux écoles
Mme Brun indique que la cantine sert 300 repas par jour et que les repas sont préparés sur place.
M. Paul Girard demande si les repas de la cantine resteront préparés sur place à la rentrée.
Mme Brun répond que le marché des repas est attribué à la société Cuisine d'Oc au prix de 3,62 € par repas.
Les familles paieront les repas de la cantine selon leur quotient familial.
Le Conseil municipal, après en avoir délibéré, approuve le marché.
Vote : adopté à l'unanimité.
POINT N°2 – DÉLIBÉRATION 2023-041 – OBJET : ÉCLAIRAGE DU STADE
Rapporteur : M. Luc Perrin, adjoint aux sports
M. Perrin indique que la facture d'électricité du stade a doublé en deux ans.
Le Conseil municipal, après en avoir délibéré, approuve le remplacement des projecteurs.
Vote : adopté à l'unanimité.
"""


@pytest.fixture
def canteen(engine: Engine, tmp_path: Path) -> Engine:
    paths = [tmp_path / "2023-03-14.txt", tmp_path / "2023-06-13.txt"]
    paths[0].write_text(MINUTES, encoding="utf-8")
    paths[1].write_text(CANTEEN, encoding="utf-8")
    results, errors = ingest_paths(engine, paths)
    assert errors == [] and len(results) == 2
    return engine


def test_a_rare_word_the_answer_lacks_does_not_outweigh_the_subject(canteen: Engine) -> None:
    """ "la cantine facture combien le repas": "facture" is in one passage (the stadium's
    electricity), "cantine" and "repas" in many, so by IDF alone "facture" outweighed both and the
    price of a meal was "not found"; weighed by the square root of its IDF, it no longer does."""
    with session_scope(canteen, write=False) as session:
        reply = ask(session, "la cantine facture combien le repas")
    assert reply.found and any("3,62 € par repas" in q.text for q in reply.quotes)


def test_a_year_asked_is_a_year_answered(canteen: Engine) -> None:
    """ "prix du repas de la cantine en 2021": the minutes of 2023 give the price of a meal, but
    not for 2021; a passage answers a question that names a year only when it, its
    deliberation's title or its meeting's date has that year ("en 2023": the meeting's)."""
    with session_scope(canteen, write=False) as session:
        other_year = ask(session, "prix du repas de la cantine en 2021")
        this_year = ask(session, "prix du repas de la cantine en 2023")
    assert not other_year.found and other_year.quotes == []
    assert this_year.found and any("3,62 € par repas" in q.text for q in this_year.quotes)


# A president named, of a club; the lifeboat station spoken of without its president.
CLUBS = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 12 septembre 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – DÉLIBÉRATION 2023-050 – OBJET : SUBVENTION AU FOOTBALL CLUB
Rapporteur : M. Luc Perrin, adjoint aux sports
M. Tristan Quéré, président du football club, ne prend pas part au vote.
Le Conseil municipal, après en avoir délibéré, attribue une subvention de 5 000 € au club.
Vote : adopté à l'unanimité.
POINT N°2 – DÉLIBÉRATION 2023-051 – OBJET : STATION SNSM
Rapporteur : M. Luc Perrin, adjoint aux sports
La station SNSM de Val-de-Briance reçoit une subvention de 3 000 € pour l'entretien de son canot.
Le Conseil municipal, après en avoir délibéré, approuve la subvention.
Vote : adopté à l'unanimité.
"""


@pytest.fixture
def clubs(engine: Engine, tmp_path: Path) -> Engine:
    paths = [tmp_path / "2023-03-14.txt", tmp_path / "2023-09-12.txt"]
    paths[0].write_text(MINUTES, encoding="utf-8")
    paths[1].write_text(CLUBS, encoding="utf-8")
    results, errors = ingest_paths(engine, paths)
    assert errors == [] and len(results) == 2
    return engine


def test_the_thing_named_and_what_it_is_of(clubs: Engine) -> None:
    """ "nom du président de la SNSM": the passage that answers must speak of the president and of
    what he presides (the word after "de la"); the football club's president is no answer, and
    is quoted for the club."""
    with session_scope(clubs, write=False) as session:
        station = ask(session, "nom du president de la snsm")
        club = ask(session, "nom du president du football club")
    assert not station.found and station.quotes == []
    assert club.found and any("Tristan Quéré" in q.text for q in club.quotes)


# Questions asked in the meeting, as numbered oral questions, each with the reply after it.
ORAL = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 10 octobre 2023
Le conseil municipal s'est réuni sous la présidence de Mme Hélène Marchal, maire.
POINT N°1 – QUESTIONS ORALES
4) Question de M. Paul Girard : le stationnement de la gare sera-t-il payant en 2024 ? Mme la Maire répond que la commission a écarté cette idée pour 2024.
5) Question de Mme Odile Brun : les horloges de l'éclairage public ont-elles été réparées ? M. Luc Perrin répond que les trois armoires ont été équipées le 14 octobre.
6) Question de M. Paul Girard : où en est le chantier du quai, et son parking restera-t-il ouvert ? M. Luc Perrin répond que 1 900 tonnes de blocs sur 2 600 sont en place ; le parking du quai reste ouvert.
7) Question de Mme Odile Brun : où en est la fibre optique dans les hameaux ? Mme la Maire indique que l'opérateur annonce le raccordement des hameaux pour la fin du 1er semestre.
"""


@pytest.fixture
def oral(engine: Engine, tmp_path: Path) -> Engine:
    paths = [tmp_path / "2023-03-14.txt", tmp_path / "2023-10-10.txt"]
    paths[0].write_text(MINUTES, encoding="utf-8")
    paths[1].write_text(ORAL, encoding="utf-8")
    results, errors = ingest_paths(engine, paths)
    assert errors == [] and len(results) == 2
    return engine


def test_a_question_asked_in_the_meeting_is_quoted_with_its_reply(oral: Engine) -> None:
    """The sentence that holds the resident's words is the question a councillor asked ("4)
    Question de M. Girard : … sera-t-il payant en 2024 ?"); the answer is the reply after it,
    quoted with it, verbatim."""
    with session_scope(oral, write=False) as session:
        parking = ask(session, "stationnement de la gare payant en 2024 ?")
        lights = ask(session, "horloges eclairage public reparees ?")
    assert parking.found and any(
        "sera-t-il payant en 2024 ? Mme la Maire répond que la commission a écarté cette idée"
        in q.text
        for q in parking.quotes
    )
    assert lights.found and any("équipées le 14 octobre" in q.text for q in lights.quotes)


def test_a_count_is_a_number_just_before_the_thing_counted(oral: Engine) -> None:
    """ "combien de places de parking au quai": the reply says "2 600 sont en place" (tonnes of
    rock, three words before "place"), not a number of places: not found. A count's number
    stands at most two words before the thing counted ("les 24 nouveaux logements")."""
    with session_scope(oral, write=False) as session:
        reply = ask(session, "combien de places de parking au quai")
    assert not reply.found and reply.quotes == []


def test_a_date_may_be_a_part_of_the_year_or_a_holiday(oral: Engine) -> None:
    """ "fibre hameaux c pour quand": the reply gives "la fin du 1er semestre", a date as minutes
    give them (parts of the year, school holidays: "pendant les vacances de la Toussaint"), not
    a day; the question is answered, not declined for want of a date."""
    with session_scope(oral, write=False) as session:
        reply = ask(session, "fibre optique hameaux c pour quand")
    assert reply.found and any("la fin du 1er semestre" in q.text for q in reply.quotes)
    assert carries("Les ralentisseurs seront posés pendant les vacances de la Toussaint.", ["date"])
    assert not carries("Les ralentisseurs seront posés devant l'école.", ["date"])


def test_the_communes_own_name_in_a_question_narrows_nothing(square: Engine) -> None:
    """The minutes' heading names the commune ("COMMUNE DE VAL-DE-BRIANCE"): every passage is
    about it, so a question's "à Val-de-Briance" is left out of what is looked for, as the
    settings' city name is."""
    from portal.council.answer import minutes_city
    from portal.council.text import terms

    with session_scope(square, write=False) as session:
        assert minutes_city(session) == frozenset(terms("Val-de-Briance"))
        reply = ask(session, "combien d arbres sur la place de la halle a val de briance")
    assert not any("briance" in t for t in reply.terms)
    assert reply.found and any("les 12 arbres" in q.text for q in reply.quotes)


def test_a_name_or_a_brand_is_answered_by_a_name(square: Engine) -> None:
    """ "La marque des bancs de la place": the minutes count the benches but name no maker, so
    nothing answers; the company or person asked for is a capitalised name in the quote."""
    with session_scope(square, write=False) as session:
        reply = ask(session, "marque des bancs de la place de la halle")
        assert not reply.found and reply.quotes == []
        named = ask(session, "nom de l'adjointe a la culture")
    assert named.found and any("Brun" in q.text for q in named.quotes)


VOTES = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 12 décembre 2023
POINT N°1 – DÉLIBÉRATION 2023-090 – OBJET : OUVERTURE DOMINICALE DES COMMERCES EN 2024
Rapporteur : M. Luc Perrin, adjoint au commerce
M. Perrin propose d'autoriser douze dimanches d'ouverture des commerces de détail.
Vote : pour 19, contre 6, abstentions 0 — adopté.
POINT N°2 – DÉLIBÉRATION 2023-091 – OBJET : ORIENTATIONS BUDGÉTAIRES
Rapporteur : Mme Odile Brun, adjointe aux finances
Mme Brun présente les orientations du budget de la commune pour l'année prochaine.
Le conseil prend acte du débat.
"""


def test_a_passage_without_what_the_question_is_about_does_not_answer(
    engine: Engine, tmp_path: Path
) -> None:
    """ "Qui a voté contre le budget 2024 ?": the only vote against is on Sunday opening in 2024;
    its vote line has the vote, "contre" and the year, nothing of the budget, in itself or its
    deliberation's title, so it does not answer."""
    ingest_minutes(engine, tmp_path / "2023-12-12.txt", VOTES)
    with session_scope(engine, write=False) as session:
        declined = ask(session, "qui a vote contre le budget 2024")
        answered = ask(session, "qui a vote contre l'ouverture des commerces le dimanche")
    assert not any("contre 6" in q.text for q in declined.quotes)
    assert answered.found and any("contre 6" in q.text for q in answered.quotes)


def test_the_holder_of_a_role_is_named_with_that_role(clubs: Engine) -> None:
    """ "Le président du football club, c'est qui": a name said with the role asked for answers
    (either gender: "animatrice" by "animateur"); the SNSM's passage names no president, and a
    speaker's label ("M. LORENTZ. – Notre groupe…") is no name said."""
    from portal.council.answer import NAME_SAID

    with session_scope(clubs, write=False) as session:
        club = ask(session, "president du football club c qui")
        station = ask(session, "president de la station snsm c est qui")
    assert "person" in question_kinds("president de l association c qui")
    assert club.found and any("Tristan Quéré" in q.text for q in club.quotes)
    assert not station.found and station.quotes == []
    assert NAME_SAID.search("M. LORENTZ. – Notre groupe votera le poste.") is None
    assert NAME_SAID.search("Le marché est attribué à la société Lexivox.") is not None


SINCE = """COMMUNE DE VAL-DE-BRIANCE — PROCÈS-VERBAL DU CONSEIL MUNICIPAL
Séance du mardi 16 janvier 2024
POINT N°1 – DÉLIBÉRATION 2024-001 – OBJET : ESPACE JEUNESSE
Rapporteur : Mme Odile Brun, adjointe à la jeunesse
M. Paul Girard demande que l'on rouvre le point jeunes, fermé depuis 2022, plutôt que de payer des caméras.
Le Conseil municipal, après en avoir délibéré, prend acte.
"""


def test_since_when_is_no_answer_to_when(engine: Engine, tmp_path: Path) -> None:
    """ "Quand rouvre le point jeunes": the minutes say it has been closed since 2022, which
    answers "depuis quand", not when it reopens."""
    ingest_minutes(engine, tmp_path / "2024-01-16.txt", SINCE)
    with session_scope(engine, write=False) as session:
        declined = ask(session, "quand rouvre le point jeunes")
        answered = ask(session, "depuis quand le point jeunes est ferme")
    assert not declined.found and declined.quotes == []
    assert answered.found and any("fermé depuis 2022" in q.text for q in answered.quotes)


def test_paying_says_a_sum_is_asked_with_combien() -> None:
    """ "combien paye la commune", "combien touche l'harmonie": paying or being paid is the kind
    of fact asked (a sum), not a word the minutes must have; without "combien" it asks whether."""
    assert kind_words("lampes led combien paye la commune").get("paye") == "amount"
    assert kind_words("combien touche l'harmonie municipale").get("touche") == "amount"
    assert "paient" not in kind_words("les clubs paient ils le gymnase du college")
    assert "amount" in question_kinds("cantine bio combien de pourcents")


def test_a_numbered_thing_is_answered_with_its_number() -> None:
    """ "prix cantine tranche 3": the number after a noun at the end of the question tells one
    tranche from the others (NUMBERED); a day, a year or a count is no such label."""
    from portal.council.answer import NUMBERED

    assert NUMBERED.search("prix cantine tranche 3").group(1) == "3"  # type: ignore[union-attr]
    assert NUMBERED.search("horaires ligne 12 ?").group(1) == "12"  # type: ignore[union-attr]
    assert NUMBERED.search("heure fin conseil 5 fevrier") is None
    assert NUMBERED.search("pourquoi 4 cameras de plus ?") is None
    assert NUMBERED.search("prix cantine rentree 2025 quotient 1000") is None
