"""Questions typed as residents type them (issue 14): texting shorthand ("pk", "cb", "qd"), verbs
the minutes never use ("refaire", "regardées"), colloquial words the thesaurus knows
("rallonge", "max"); and the rule that still says "not found" when what is unknown is the
subject ("salaire", "combien gagne le maire"). Answer.rule names the rule that declined."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.council.answer import RULES, ask, conjugated, looks_verbal, question_terms
from portal.council.nlp import query_groups
from portal.council.questions import carries, question_kinds, spelled_out
from portal.council.search import asking, query_terms
from portal.db import session_scope
from tests.helpers import ingest_minutes

# Written for these tests, in a hand of their own: a village's minutes as a secretary types
# them, one paragraph per line.
MINUTES = """MAIRIE DE SAINT-AUBIN-DES-LANDES
Compte rendu de la séance du conseil municipal du jeudi 9 octobre 2025
Présents : 13 conseillers sur 15. Secrétaire de séance : M. Yannick Morvan.
1. Tribunes du stade Jean-Bouin
M. Pierre Le Goff, adjoint aux sports, indique que les tribunes du stade présentent des lattes pourries côté nord et un garde-corps descellé. Le bureau de contrôle a interdit l'accès à la tribune nord le 2 septembre.
Les tribunes seront remplacées pendant les vacances de Toussaint par la menuiserie Kerhervé, pour un montant de 48 600 € TTC.
Adopté à l'unanimité.
2. Décision modificative n° 2 du budget communal
Mme Anne Salaün, adjointe aux finances, présente la décision modificative n° 2 : 12 500 € sont ajoutés à l'opération des tribunes, financés par une baisse des dépenses imprévues.
L'emprunt de l'année reste plafonné à 300 000 €.
Adopté par 12 voix pour et 1 abstention (M. Morvan).
3. Vidéoprotection du parking de la salle des sports
M. le Maire rappelle que les images sont conservées dix jours et ne sont consultées que par les gendarmes, sur réquisition, après un vol ou une dégradation.
Adopté à l'unanimité.
4. Logements de l'ancienne poste
Les deux logements de l'ancienne poste seront loués par la commune : le loyer d'un T2 de l'ancienne poste est fixé à 390 € par mois hors charges.
Adopté à l'unanimité.
"""


@pytest.fixture
def village(engine: Engine, tmp_path: Path) -> Engine:
    return ingest_minutes(engine, tmp_path / "2025-10-09.txt", MINUTES)


def quoted(session: Session, question: str, text: str) -> list[str]:
    """Ask `question`: it is answered, a quote holds `text`; the kinds of fact it was read for."""
    reply = ask(session, question)
    assert reply.found, (question, reply.rule)
    assert any(text in q.text for q in reply.quotes), (question, reply.quotes)
    return reply.kinds


def test_texting_shorthand_is_read_as_the_words_it_stands_for() -> None:
    assert spelled_out("pk il faut refaire les gradins") == "pourquoi il faut refaire les gradins"
    assert spelled_out("cb ça coûte ? PK ?") == "combien ça coûte ? pourquoi ?"
    assert spelled_out("qd rouvre la piscine") == "quand rouvre la piscine"
    # whole words only: "pkg", "cbd", "d'pk" and words that merely hold the letters stay as typed
    assert spelled_out("pkg cbd l'épk qdrant") == "pkg cbd l'épk qdrant"
    assert question_kinds(spelled_out("pk les tribunes sont fermées")) == ["reason"]
    assert "amount" in question_kinds(spelled_out("les tribunes cb"))
    assert "date" in question_kinds(spelled_out("tribunes refaites qd"))


def test_a_word_reads_as_a_verb_by_its_form_or_its_lemma() -> None:
    def verbal(word: str) -> bool:
        return looks_verbal(query_groups(word, unaccented=True)[0])

    for word in ("refaire", "jeter", "regardees", "refaites", "dessine", "economiser"):
        assert verbal(word), word
    # a noun ending in -re is a noun ("salaire", "centre"); so are these
    for word in ("salaire", "centre", "piscine", "rallonge", "enquete", "poubelle"):
        assert not verbal(word), word
    # a synonym of the thesaurus is no lemma: "navire" does not make "bateau" a verb
    assert not looks_verbal(("bateau", "navire"))


def test_a_verb_the_minutes_never_use_does_not_make_a_question_unanswerable(
    village: Engine,
) -> None:
    with session_scope(village, write=False) as session:
        # "refaire" is in no passage: the question is still about the stands, and the passage
        # that says why answers it
        assert "reason" in quoted(session, "pk il faut refaire les tribunes", "lattes pourries")
        quoted(session, "les images des cameras sont regardees par qui", "gendarmes")


def test_colloquial_words_are_found_through_the_thesaurus(village: Engine) -> None:
    with session_scope(village, write=False) as session:
        # content/thesaurus.txt: rallonge => décision modificative…; max => plafonné
        quoted(session, "rallonge pour les tribunes combien", "12 500 €")
        quoted(session, "max emprunt cette annee", "300 000 €")


def test_an_unknown_subject_still_says_not_found(village: Engine) -> None:
    with session_scope(village, write=False) as session:
        for question in (
            "salaire du maire de saint aubin",
            # a verb of money: the sum is what is asked, and no passage speaks of it
            "combien gagne le maire",
            "pk la piscine est fermee",
        ):
            reply = ask(session, question)
            assert not reply.found, (question, reply.quotes)
            assert reply.rule in RULES, (question, reply.rule)
            assert reply.quotes == []
        assert ask(session, "combien gagne le maire").rule == "unknown-words"
        # a found answer names no rule
        assert ask(session, "combien coutent les tribunes du stade").rule == ""


def test_a_code_asked_for_is_in_the_answer(village: Engine) -> None:
    """A question on "loyer d'un T3": the rent of a T2 does not answer; "T2" does (and a unit such as "m3" is
    no code)."""
    with session_scope(village, write=False) as session:
        quoted(session, "loyer d un t2 a l ancienne poste", "390 €")
        reply = ask(session, "loyer d un t3 a l ancienne poste")
        assert not reply.found and reply.rule == "label-missing", reply.quotes
        assert any("390 €" in q.text for q in reply.declined)


def test_an_adverb_of_asking_does_not_take_a_word_of_its_stem_with_it(village: Engine) -> None:
    """The adverb "maintenant" is how a resident asks, "maintenance" what about: left out as
    written, not by their common stem (which made "combien coûte la maintenance des tribunes" a
    question on the tribunes' price, answered with the price of replacing them)."""
    assert [g[0] for g in question_terms("combien coute la maintenance maintenant")[0]] == [
        "coute",
        "maintenance",
    ]
    assert [g[0] for g in question_terms("on va maintenir vraiment le prix")[0]] == [
        "maintenir",
        "prix",
    ]
    with session_scope(village, write=False) as session:
        reply = ask(session, "combien coute la maintenance des tribunes")
        assert not reply.found, reply.quotes
        assert quoted(session, "combien coutent les tribunes maintenant", "48 600 €") == ["amount"]


def test_words_of_asking_are_left_out_by_form_or_lemma_not_by_stem() -> None:
    """The word "conseil" is how a question names the council, "conseillers" what it counts; "partir"
    (à partir de) how it asks, "part" what about; "font" and "veulent" are forms of verbs of
    asking, found by their lemma."""

    def kept(question: str) -> list[str]:
        return [g[0] for g in question_terms(question)[0]]

    assert kept("combien de conseillers municipaux a berignac") == ["conseillers", "berignac"]
    assert kept("la part de l'etat a partir de 2026") == ["part", "etat", "2026"]
    assert kept("les led font economiser combien") == ["led", "economiser"]
    assert kept("ils veulent quoi pour la piscine") == ["piscine"]
    assert kept("le devis devant le conseil") == ["devis"]
    # the search leaves out the same words, and keeps the same ones
    assert [g[0] for g in query_terms("les led font economiser") if not asking(g)] == [
        "led",
        "economiser",
    ]
    assert [g[0] for g in query_terms("devis part ville") if not asking(g)] == ["devis", "part"]


def test_a_conjugated_verb_is_told_from_a_noun_by_its_ending_and_lemma() -> None:
    """What a question names (a thing) and what it says of it (a verb): "augmente" (augmenter),
    "abstenu" (abstenir), "refaites" (refaire) are verbs; "habitat" (which spaCy's table gives as
    "habiter"), "Flandre", "loyer", "quartier", "ferme" and "baisse" (nouns as well) are not."""
    groups = query_groups(
        "augmente abstenu refaites habitat flandre loyer quartier ferme baisse choix",
        unaccented=True,
    )
    assert [g[0] for g in groups if conjugated(g)] == ["augmente", "abstenu", "refaites"]


# A village's register, sums written in words as registers write them.
REGISTER = """COMMUNE DE LOUBENS-SUR-GÈRE
Registre des délibérations du conseil municipal — séance du 14 novembre 2025
Cimetière communal
Le conseil municipal fixe le tarif des concessions du cimetière : quatre cents euros pour cinquante ans, deux cent cinquante euros pour trente ans. La case du columbarium reste à six cents euros pour trente ans.
Voirie
Le maire indique que l'enrobé du chemin de Peyrot a été posé fin octobre pour deux mille neuf cents euros.
"""


def test_a_sum_written_in_words_answers_a_question_on_an_amount(
    engine: Engine, tmp_path: Path
) -> None:
    assert carries("quatre cents euros pour cinquante ans", ["amount"])
    assert carries("pour trente-huit mille cinq cents euros", ["amount"])
    assert carries("deux millions d'euros", ["amount"])
    assert not carries("quatre conseillers pour cinquante ans", ["amount"])
    ingest_minutes(engine, tmp_path / "2025-11-14.txt", REGISTER)
    with session_scope(engine, write=False) as session:
        assert quoted(session, "concession cimetiere cinquante ans tarif", "quatre cents euros")
        assert quoted(session, "case columbarium prix", "six cents euros")
        assert quoted(session, "goudron chemin de peyrot ca a coute combien", "deux mille neuf")


def test_combien_de_asks_a_sum_of_money_and_a_count_of_things() -> None:
    """ "combien de subvention pour le club taurin" asks a sum (a count of subsidies was looked
    for, a number next to the word, and the table's "2 200 €" declined as a price); "combien de
    caméras" asks a count."""
    assert question_kinds("club taurin combien de subvention") == ["amount"]
    assert question_kinds("combien d'aide pour les familles") == ["amount"]
    assert question_kinds("combien de cameras") == ["amount", "count"]


def test_fares_in_a_question_on_how_a_vote_went_are_its_subject() -> None:
    """ "tarifs cantine vote contre" asks who voted against the fares, not what they cost: no
    sum is looked for (a vote line has none, and the question was declined), and "tarifs" is
    a word of what the vote was on."""
    assert question_kinds("tarifs cantine vote contre") == ["vote"]
    assert question_kinds("tarifs ski 2026 2027 combien se sont abstenus") == ["vote"]
    assert question_kinds("prix cantine adopte a l unanimite ?") == ["vote"]
    # a sum voted is still a sum
    assert question_kinds("combien a ete vote pour la piscine") == ["amount", "vote"]


# Written for this test: a hamlet's plantings, a rough date and a precise one in one paragraph.
PLANTINGS = """MAIRIE DE LANVÉNÉGEN-LES-BOIS
Procès-verbal de la séance du conseil municipal du mardi 14 octobre 2025
1. Plan de plantation des haies et des arbres
M. Hervé Cadoret, adjoint à l'environnement, fait le point du plan de plantation : 312 arbres plantés au printemps par les agents et les bénévoles. Les 138 restants seront plantés entre le 16 et le 27 novembre avec les écoles. Le coût des plants reste de 9 400 €.
Adopté à l'unanimité.
"""


def test_a_when_question_quotes_the_precise_date_over_a_season(
    engine: Engine, tmp_path: Path
) -> None:
    """Asked "quand", the sentence with a day and a month is quoted, not the one with a season
    that holds as many of the question's words (questions.PRECISE_DATE): both say when, only
    one says it so that a resident can act on it."""
    from portal.council.questions import sentence_share

    assert sentence_share("312 arbres plantés au printemps", ["date"]) == 0.5
    assert sentence_share("entre le 16 et le 27 novembre", ["date"]) == 1.0
    assert sentence_share("pendant les vacances de Toussaint", ["date"]) == 1.0
    assert sentence_share("ouverture courant avril 2026", ["date", "amount"]) == 0.5
    assert sentence_share("Le coût reste de 9 400 €", ["date"]) == 0.0
    ingest_minutes(engine, tmp_path / "2025-10-14.txt", PLANTINGS)
    with session_scope(engine, write=False) as session:
        reply = ask(session, "quand seront plantes les arbres restants")
        assert reply.found and reply.kinds == ["date"], reply.rule
        assert reply.quotes[0].text.startswith("Les 138 restants seront plantés entre le 16"), (
            reply.quotes
        )
