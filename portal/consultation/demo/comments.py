"""Deterministic demo content for the consultation: comments, replies, supports, proposals, answers.

All text was written for this project: a few hundred distinct comments, each as one resident would
put it (long or short, questions, experiences, irony, SMS spelling, a few off-topic or in English),
plus one campaign pasted many times. A seeded random generator orders and spreads them, so the same
seed always gives the same consultation; the default demo uses each written comment once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from portal.consultation.charter.source import ClauseSource

RESIDENTS = (
    "Nadia B.", "Julien M.", "Claire D.", "Ahmed K.", "Sophie L.", "Marc-Antoine R.", "Inès T.",
    "Paul V.", "Fatou S.", "Hélène G.", "Thomas P.", "Yasmine H.", "Bernard C.", "Léa F.",
)  # fmt: skip

# Comments by clause slug, each written once by a different resident: long and short, questions,
# personal experiences, irony, SMS spelling, a little English. generate_demo uses each at most once.
BY_SLUG: dict[str, tuple[str, ...]] = {
    "decision-humaine": (
        "Très bien que ce soit écrit noir sur blanc : une machine ne doit jamais décider à notre place.",
        "Comment saura-t-on qu'un agent a vraiment relu le dossier et pas juste cliqué sur « valider » ?",
        "Il faudrait préciser le temps laissé à l'agent pour examiner chaque dossier, sinon la relecture restera théorique.",
        "Pour les places en crèche, est-ce qu'un logiciel intervient déjà aujourd'hui ? On n'a jamais su comment elles étaient attribuées.",
        "L'agent peut s'écarter de la proposition de la machine sans se justifier : excellente phrase, surtout ne pas la perdre.",
        "Avec 200 dossiers par jour, l'agent suivra la machine à chaque fois. C'est humain.",
        "Le courrier doit dire si un outil a été utilisé. Mais dira-t-il lequel, et pour quoi faire ?",
        "un agent identifié = avec son nom ? ou juste le nom du service ? pas clair",
        "Pour les aides sociales, je veux être reçue par une personne, pas jugée par un algorithme.",
        "« Une décision humaine, toujours » : c'est la phrase que je retiendrai de toute la charte.",
        "Et les amendes de stationnement avec les voitures à caméra, c'est une décision humaine ça ?",
        "Le tri automatique des dossiers peut déjà tout changer : celui qui est en bas de la pile attend trois mois. Il faut l'encadrer aussi.",
        "Je suis agent à la Ville. Je confirme qu'on n'a pas toujours le temps de vérifier ce que propose le logiciel.",
    ),
    "finalite": (
        "Bonne idée d'exiger qu'on explique le besoin avant d'acheter un outil. Trop de projets partent de la technologie.",
        "Qui décide qu'une solution plus simple suffit ? Il faudrait un avis extérieur.",
        "Cette description du besoin devrait être publiée avant chaque projet, pas après.",
        "« Pas parce qu'il est à la mode » : j'ai ri. C'est pourtant exactement comme ça que le chatbot est arrivé, non ?",
        "Libérer du temps d'agent pour l'accueil : j'y croirai quand je verrai plus d'agents à l'accueil.",
        "Souvent une FAQ bien faite sur le site ferait le même travail qu'un robot conversationnel.",
        "Il faudrait que les habitants puissent donner leur avis sur le besoin avant le lancement, pas seulement sur la charte.",
        "Ce qui se passerait sans l'outil : excellente question à se poser à chaque fois. Souvent la réponse est « rien de grave ».",
        "Une solution plus simple est préférée : et si la solution la plus simple, c'était d'embaucher quelqu'un ?",
        "ok pour l'IA si ça sert vraiment à quelque chose, genre traduire les documents pour les familles étrangères",
        "Répondre plus vite, d'accord, mais pas répondre plus mal.",
    ),
    "transparence": (
        "Le registre public est une excellente idée, à condition qu'il soit vraiment tenu à jour.",
        "Il faudrait indiquer le nom du fournisseur et le montant du contrat pour chaque outil du registre.",
        "Les réponses du chatbot seront-elles clairement signalées comme automatiques ? Parfois on ne sait pas si on parle à un humain.",
        "Merci de rendre le registre lisible par quelqu'un qui n'est pas informaticien. Pas de jargon.",
        "Où est ce registre ? J'ai cherché sur le site de la Ville et je n'ai rien trouvé.",
        "Un registre public sans compte, très bien. Pensez aussi à une version papier à l'accueil de la mairie.",
        "Tout message du serveur vocal devrait commencer par « vous parlez à un assistant automatique ». Simple et honnête.",
        "Transparence sur les coûts : combien a coûté le robot conversationnel ? C'est notre argent.",
        "Le registre doit aussi lister les algorithmes « simples » (tri des dossiers, calcul de priorité), pas seulement ce qu'on appelle IA.",
        "J'aimerais voir dans le registre les erreurs constatées, pas seulement les résultats positifs.",
        "Ce genre de registre existe à Amsterdam et à Helsinki depuis des années, ce n'est pas trop tôt !",
        "Signaler les contenus générés par IA, oui. Même les photos et les vidéos de la Ville, s'il vous plaît.",
        "Registre public = bien. Mais qui le met à jour quand un service installe un nouvel outil sans prévenir ?",
        "un registre que personne lit ca sert a quoi ? faites une page simple avec 3 lignes par outil",
        "Les comptes rendus générés automatiquement devraient porter une mention visible en haut, pas en petit en bas de page.",
        "« Ce qu'il coûte » : le coût complet, avec la maintenance et les licences, pas seulement le prix d'achat.",
        "Je trouve que c'est l'article le plus utile de la charte. Sans registre on ne peut rien vérifier du reste.",
        "Il faudrait dater chaque fiche du registre pour savoir si l'information est récente.",
        "Le registre pourrait être téléchargeable dans un format ouvert, pour que des associations puissent l'analyser.",
        "On devrait savoir quel service est responsable de chaque outil et avoir un nom à contacter, pas une adresse générique.",
        "La manière de joindre un agent à la place : bonne idée de la mettre dans le registre, c'est ce qu'on cherche en premier.",
        "Les lettres de la mairie écrites avec une IA devraient le dire aussi, pas seulement le chatbot.",
        "Transparence, transparence… Commencez par publier le contrat du centre de contact unique.",
        "Est-ce que le registre indiquera aussi les outils testés puis abandonnés ? Ce serait instructif.",
        "J'ai lu l'article deux fois, c'est clair. Rien à ajouter sinon : tenez-le.",
        "Il faudrait une alerte par mail quand un nouvel outil est ajouté au registre.",
        "Mettre les résultats mesurés dans le registre, oui, mais mesurés par qui ? Par le fournisseur lui-même ?",
        "Le registre public devrait dire aussi quelles données personnelles chaque outil utilise, en mots simples.",
        "Quand je parle au chatbot, je veux savoir que c'est une machine. Quand je parle à un agent aussi, d'ailleurs !",
        "Le registre devrait être affiché à l'accueil et dans le magazine municipal, pas seulement en ligne.",
        "Pour chaque outil, dites simplement ce qu'il fait, combien il coûte et à qui se plaindre. Trois lignes suffisent.",
        "Je suis favorable au registre, mais il faut qu'un humain réponde aux questions qu'on pose dessus.",
    ),
    "contact-humain": (
        "Le plus important pour moi : pouvoir parler à un agent sans se battre avec un robot pendant dix minutes.",
        "Ma mère de 82 ans raccroche dès qu'elle tombe sur un serveur vocal. Il faut un numéro direct, point.",
        "Le rappel dans la journée c'est bien, mais le samedi matin on fait comment ? C'est le seul moment où je peux appeler.",
        "J'ai appelé la mairie la semaine dernière pour un acte de naissance, le serveur vocal m'a passé un agent au bout de 30 secondes. Rien à redire.",
        "pouvoir dire agent des le debut c bien mais faut que ca marche vraiment, chez mon operateur ca marche jamais",
        "Je travaille de 8h à 19h. Les heures d'ouverture ne me servent à rien, il faudrait un rappel le soir.",
        "Mon père est malentendant, le téléphone c'est compliqué pour lui. L'accueil physique en mairie de quartier doit absolument rester ouvert.",
        "Ça me fait rire : « à tout moment » parler à un agent… sauf quand tous les agents sont occupés et qu'on attend 40 minutes en musique.",
        "Il faudrait préciser ce qu'on appelle « immédiate ». Moins de cinq minutes d'attente ? Sinon ça ne veut rien dire.",
        "Très bien que l'accueil de l'Hôtel de Ville reste ouvert. Beaucoup de personnes âgées ne se servent pas du tout d'internet.",
        "Le chatbot du site m'a fait tourner en rond trois fois avant que je trouve comment parler à un agent. Le lien devrait être visible tout de suite.",
        "Je préfère largement le numéro direct du service à un centre de contact unique où personne ne connaît mon dossier.",
        "Est-ce que le numéro direct sera gratuit ? Les numéros en 08 coûtent cher depuis un portable.",
        "Bravo pour cet article. C'est exactement ce que demandent les personnes âgées de mon immeuble : parler à quelqu'un, pas à une machine.",
        "La touche pour parler à un agent, il faut la donner au début du message, pas à la fin après toutes les options.",
        "Mes parents ne parlent pas bien français, le serveur vocal ne les comprend pas. Un agent, lui, trouve toujours une solution.",
        "Quand le message est transmis en dehors des heures, est-ce qu'on reçoit une confirmation ? Sinon on ne sait pas si quelqu'un l'a lu.",
        "On a fermé la mairie annexe de mon quartier il y a deux ans. Écrire que l'accueil physique « reste ouvert », c'est un peu fort.",
        "I live here but my French is basic. Could the phone line offer an agent who speaks English? The voice menu is impossible for me.",
        "Rappel dans la journée = rappel à 17h55 quand je suis dans le métro. Il faudrait pouvoir choisir un créneau.",
        "Je suis aidante pour ma tante, je passe ma vie au téléphone avec des robots. Enfin une collectivité qui garantit un humain !",
        "ajoutez le mot « humain » à la liste, c'est ce que tout le monde dit spontanément au serveur vocal",
        "Pourquoi pas un rendez-vous en visio avec un agent pour ceux qui ne peuvent pas se déplacer ?",
        "Le serveur vocal devrait annoncer combien de temps il reste à attendre avant de parler à un agent.",
        "Pour les démarches urgentes (décès, expulsion), il faut un numéro direct sans aucun robot au milieu.",
        "J'ai testé le robot conversationnel hier soir : il m'a proposé de parler à un agent dès que je me suis énervé. Pas mal.",
        "Je ne comprends pas pourquoi il faut un serveur vocal dans une ville de 50 000 habitants. Avant on tombait directement sur l'accueil.",
        "Le plus rageant c'est de devoir répéter toute son histoire à l'agent après l'avoir racontée au robot. Il faudrait que le dossier suive.",
        "Pour les personnes sourdes, parler à un agent veut dire écrire à un agent : un tchat avec un humain doit exister aussi.",
        "Bonne intention, mais avec combien d'agents au centre de contact ? S'il n'y a pas assez de monde, ce droit restera sur le papier.",
        "Ma grand-mère de 90 ans entend mal la voix synthétique. Elle veut juste un numéro direct avec quelqu'un au bout.",
        "Les horaires d'ouverture de l'accueil ont encore été réduits l'an dernier. Il faudrait les garantir dans la charte.",
        "msg transmis et traité le jour ouvré suivant… si on appelle le vendredi soir ça fait lundi, c long",
        "Super article. J'ajouterais : l'agent doit pouvoir rappeler sur un portable, pas seulement sur un fixe.",
        "Quand j'appelle la mairie, je veux une voix humaine, pas « tapez 1, tapez 2 ». C'est tout.",
        "J'ai attendu 25 minutes au téléphone la semaine dernière avant d'avoir quelqu'un. Le robot ne change rien s'il manque des agents.",
        "Le droit de parler à un agent devrait être le premier article de la charte, pas le quatrième.",
        "mon pere 79 ans a raccroché 3 fois, il comprend pas qu'il faut dire agent. mettez une vraie personne au bout du fil",
        "Très bien. Mais il faudrait aussi que l'agent puisse régler le problème, pas juste prendre un message.",
        "Un humain à qui parler, oui ! Surtout pour les démarches compliquées comme les aides au logement.",
        "Le rappel, c'est bien quand on a un téléphone. Les personnes sans portable ont besoin de l'accueil en mairie.",
        "Est-ce que le robot dira clairement dès le début qu'on peut demander un agent ? Sinon personne ne le saura.",
        "J'habite les Hautes-Roches, la mairie de quartier n'ouvre que deux matinées par semaine. Difficile de parler à quelqu'un.",
        "Je trouve ça plutôt bien fait, honnêtement. Le robot répond aux questions simples et passe la main pour le reste.",
        "Parler à un conseiller dès qu'on le demande : c'est ce qu'on attend d'un service public.",
        "Le numéro direct devrait être écrit en gros sur chaque courrier de la mairie, pas caché au fond du site.",
        "Ce qui me fait peur, c'est qu'à terme il n'y ait plus que le robot et que l'accueil ferme « faute de fréquentation ».",
        "Mon fils m'aide pour internet, mais quand il n'est pas là je suis perdue. Il me faut quelqu'un au téléphone.",
    ),
    "explication": (
        "Un mois pour répondre, c'est long quand on attend une aide pour payer son loyer.",
        "Il faudrait un modèle de courrier tout prêt pour demander ces explications facilement.",
        "Le recours au médiateur de la Ville est une vraie garantie, encore faut-il le faire connaître.",
        "« Compréhensible » par qui ? Les explications de la CAF sont légales mais incompréhensibles.",
        "Les critères et leur poids dans le résultat : ça, c'est une vraie avancée. Encore faut-il que la réponse soit honnête.",
        "Pouvoir faire la demande au guichet est important, tout le monde n'a pas internet.",
        "On devrait recevoir l'explication automatiquement avec la décision, sans avoir à la demander.",
        "jai contesté une décision l'an dernier j'ai jamais eu de réponse. un mois ce serait déjà bien",
        "Le délai d'un mois devrait être réduit à quinze jours pour les aides d'urgence.",
        "Qui paie le médiateur ? S'il dépend du maire, il n'est pas vraiment indépendant.",
        "Une explication de vive voix par un agent serait souvent plus utile qu'un long courrier.",
    ),
    "egalite": (
        "Qui vérifie que les personnes âgées ne sont pas désavantagées ? Il faudrait publier des chiffres.",
        "Le serveur vocal comprend mal les accents, j'en fais l'expérience à chaque appel.",
        "Pensez aux personnes sourdes et malentendantes : un canal écrit doit toujours exister.",
        "J'ai un fort accent portugais, le robot me fait répéter quatre fois. Très humiliant.",
        "« Au lieu de faire répéter indéfiniment » : enfin quelqu'un qui a déjà appelé un serveur vocal !",
        "Les habitants des quartiers mal desservis par internet sont les premiers perdants du tout-numérique.",
        "Mon fils est autiste, il ne supporte pas les voix synthétiques. L'accès à un agent est une question d'égalité.",
        "Vérifier sur des cas concrets chaque année, c'est bien. Faites-le avec des associations de personnes handicapées.",
        "Le site de la Ville n'est pas utilisable aujourd'hui avec un lecteur d'écran. Commencez par là.",
        "Les personnes âgées ne sont pas toutes perdues avec le numérique, arrêtez les clichés. Mais elles doivent avoir le choix.",
        "Et la langue ? Beaucoup d'habitants parlent arabe, portugais ou tamoul. L'outil pourrait aider à traduire.",
        "Le serveur vocal ne comprend pas les gens qui bégaient. Mon mari a abandonné.",
        "Égalité de traitement : il faudrait publier les résultats des tests, sinon on doit vous croire sur parole.",
        "Les personnes âgées, handicapées ou qui lisent mal sont justement celles qui ont le plus besoin d'un humain.",
        "Le robot me répond en français compliqué. Pour les gens qui apprennent la langue, c'est impossible.",
        "Il faudrait tester le serveur vocal avec de vrais habitants de tous les âges avant de le mettre en service.",
    ),
    "fiabilite": (
        "Le chatbot m'a donné de mauvais horaires pour la déchetterie, donc oui, il faut relire ses réponses.",
        "Très bien que l'outil dise quand il ne sait pas au lieu d'inventer.",
        "Huit jours pour corriger une erreur, c'est raisonnable si c'est vraiment tenu.",
        "Citer sa source, c'est indispensable. J'aime pouvoir cliquer pour vérifier.",
        "Le robot m'a affirmé que la piscine était ouverte un jour férié. Elle était fermée. On fait comment pour le signaler ?",
        "« Ne doit jamais inventer » : toutes les IA inventent, c'est leur fonctionnement. Soyez réalistes.",
        "Un échantillon de réponses relu régulièrement : combien de réponses, et à quelle fréquence ?",
        "Les pages du site de la Ville ne sont elles-mêmes pas à jour. Le robot ne peut pas être plus fiable que ses sources.",
        "Si le chatbot se trompe sur une démarche et que je rate une date limite, qui est responsable ?",
        "le chatbot ma dit que la carte d'identité se faisait sans rdv, faux, j'ai perdu ma matinée",
        "Bonne idée de mentionner les corrections dans le registre, on verra si l'outil progresse.",
        "Quand il ne sait pas, il propose un agent : c'est ce qui manque à tous les chatbots que je connais.",
        "Le robot conversationnel m'a envoyé vers un formulaire qui n'existe plus. Il faut mettre à jour ses sources.",
        "Une réponse fausse donnée par la mairie, c'est grave : les gens lui font confiance. Il faut relire souvent.",
        "J'ai posé deux fois la même question au chatbot, j'ai eu deux réponses différentes. Pas très fiable.",
        "Citer la page du site d'où vient la réponse, c'est parfait, comme ça on peut vérifier soi-même.",
    ),
    "donnees": (
        "Trois mois de conservation des enregistrements d'appels, c'est trop. Un mois suffit largement.",
        "Je veux être sûre que mes données personnelles ne servent pas à entraîner le modèle d'une entreprise américaine.",
        "On devrait pouvoir refuser l'enregistrement de son appel, comme à la banque, sans perdre le service.",
        "L'analyse d'impact doit être publiée en entier, pas seulement un résumé de deux lignes.",
        "Qui a accès aux transcriptions de mes appels ? Les agents, le prestataire, les deux ?",
        "« Sauf obligation légale » : laquelle ? Il faudrait la citer, sinon c'est une porte ouverte.",
        "Quand j'appelle pour mon fils handicapé je donne des informations très personnelles. Je n'aime pas l'idée qu'une IA les transcrive.",
        "Les données personnelles, c'est comme l'argent public : on doit savoir où elles vont. Merci de le dire clairement.",
        "Est-ce que les enregistrements sont vraiment supprimés au bout de trois mois, ou juste « archivés » ?",
        "Un contrat qui interdit de réutiliser nos données, très bien. Mais qui vérifie que le prestataire le respecte ?",
        "Trois mois, c'est raisonnable pour traiter une réclamation, je ne vois pas le problème.",
        "je veux pouvoir demander a voir ce que le robot a enregistré de moi, c possible ?",
        "Le message au début de l'appel devrait dire que l'appel est enregistré et transcrit, et combien de temps il est gardé.",
        "Limiter les données à ce qui est nécessaire, tout le monde dit ça. Concrètement, quelles données collecte le serveur vocal ?",
        "Avec les fuites de données dans les hôpitaux ces derniers temps, je ne suis pas rassurée du tout.",
        "Il faudrait nommer le délégué à la protection des données et donner son adresse directement dans l'article.",
        "Protection des données personnelles : d'accord, mais une voix enregistrée, c'est une donnée biométrique, non ? Ça mérite un paragraphe.",
        "Mon voisin a reçu un courrier de la mairie avec les informations de quelqu'un d'autre. Commencez par là avant l'IA…",
        "Les transcriptions servent-elles à faire des statistiques ? Si oui, elles doivent être anonymisées.",
        "Interdire l'entraînement des modèles sur nos données, c'est la phrase la plus importante de toute la charte.",
        "What happens to the recordings of people who call in English? Same rules, I hope.",
        "Conservation « le moins longtemps possible » : c'est flou. Mettez une durée, un mois par exemple.",
        "Est-ce que je peux demander l'effacement de mes données personnelles avant les trois mois ?",
        "Le RGPD existe déjà, cet article ne fait que le répéter. Dites plutôt ce que la Ville fait de plus.",
        "Je préfère qu'on garde mes enregistrements trois mois plutôt qu'on me dise en cas de litige qu'il n'y a plus de trace.",
        "Données des habitants = pas de publicité, pas de revente, pas d'entraînement. Il faut l'écrire en gros.",
        "ma fille m'a dit que les chatbots gardent tout ce qu'on leur écrit. C'est vrai pour celui de la mairie ?",
        "Les données personnelles des enfants (cantine, crèche) devraient être exclues de tout outil d'IA.",
        "Il manque une chose : que deviennent nos données quand le contrat avec le prestataire s'arrête ?",
        "Le registre devrait indiquer, pour chaque outil, quelles données personnelles il utilise. Sinon l'analyse d'impact ne sert à rien.",
        "J'appelle souvent pour ma mère âgée, je donne son numéro de sécurité sociale. Je veux savoir qui l'entend.",
        "Je ne veux pas que ma voix soit enregistrée quand j'appelle pour une question de rien du tout.",
        "Nos données personnelles ne doivent jamais sortir de la mairie, ni être vendues, ni être prêtées.",
        "Qui contrôle vraiment que le prestataire efface les enregistrements ? Un audit au hasard serait utile.",
        "Un mois, trois mois… peu importe, du moment qu'on peut demander à tout effacer.",
    ),
    "hebergement": (
        "Hébergement en Europe : indispensable. Et chez qui exactement ?",
        "Que se passe-t-il en cas de fuite de données ? Serons-nous prévenus individuellement ?",
        "Un prestataire européen qui appartient à un groupe américain reste soumis aux lois américaines. Il faut le préciser.",
        "« De préférence » qualifiés par l'ANSSI : pourquoi pas obligatoirement ?",
        "Les accès nominatifs et tracés, très bien. Les journaux sont-ils contrôlés par quelqu'un ?",
        "Je préférerais que les données restent sur des serveurs de la Ville ou d'un syndicat intercommunal.",
        "Après la cyberattaque de l'hôpital voisin, la sécurité devrait être la priorité absolue.",
        "heberger en france ca serait encore mieux que en europe non ?",
        "L'analyse de sécurité avant la mise en service doit être faite par quelqu'un d'extérieur au fournisseur.",
        "Signaler publiquement les incidents dans le registre, c'est courageux. Tenez-le.",
    ),
    "sobriete": (
        "Enfin un article sur l'environnement, l'IA consomme énormément d'énergie.",
        "Il faudrait des chiffres concrets de consommation, pas seulement des intentions.",
        "Un petit modèle suffit souvent, bonne idée de le préciser.",
        "Un data center pour donner les horaires de la piscine, on marche sur la tête.",
        "« Lorsqu'elle est connue » : les fournisseurs ne la donneront jamais. Exigez-la dans les contrats.",
        "La sobriété numérique, c'est aussi ne pas changer les ordinateurs des agents tous les trois ans.",
        "Je suis plutôt d'accord, mais franchement l'énergie d'un chatbot municipal, c'est peu à côté de l'éclairage public.",
        "Renoncer à un usage si le coût écologique est trop élevé : qui fait le calcul ?",
        "Pourquoi ne pas faire tourner les outils sur des serveurs alimentés en énergie renouvelable ?",
        "l'ia c'est une catastrophe pour le climat, la ville devrait montrer l'exemple et s'en passer",
    ),
    "formation": (
        "Les agents doivent être formés, mais les habitants aussi : pourquoi pas des ateliers à la médiathèque ?",
        "La formation devrait inclure les risques d'erreur, pas seulement l'utilisation de l'outil.",
        "Ne pas pénaliser les agents qui ne veulent pas utiliser ces outils : belle phrase, mais dans les faits ?",
        "Combien d'heures de formation ? Une vidéo de vingt minutes, ce n'est pas une formation.",
        "Je suis agente d'accueil. On nous a présenté le chatbot en une demi-heure, entre deux rendez-vous.",
        "Formez aussi les élus, ils votent le budget de ces outils sans toujours les comprendre.",
        "Les temps d'échange entre services sont une bonne idée, ça évite que chacun refasse les mêmes erreurs.",
        "Il faudrait que la formation soit faite par quelqu'un d'indépendant, pas par le vendeur du logiciel.",
        "Des ateliers numériques pour les personnes âgées existent déjà au CCAS, il faudrait les développer.",
    ),
    "conditions-travail": (
        "Bien de dire que l'analyse des appels ne sert pas à surveiller les agents.",
        "Les syndicats ont-ils été consultés sur le centre de contact unique ?",
        "J'espère que l'IA ne servira pas à supprimer des postes d'accueil.",
        "Ma femme travaille au centre de contact : depuis le robot, elle ne traite plus que les appels difficiles. Usant.",
        "« Jamais l'évaluation d'une personne » : comment le garantir si les enregistrements existent ?",
        "Les agents devraient avoir leur mot à dire sur le choix des outils, pas seulement être « informés ».",
        "Si l'outil fait gagner du temps, ce temps doit revenir à l'accueil du public, pas à des suppressions de postes.",
        "Présenter le projet aux représentants du personnel, c'est le minimum légal, non ? Ce n'est pas un engagement.",
        "Je soutiens les agents. Ce sont eux qui connaissent les habitants, pas les machines.",
        "La charge de travail des agents doit être mesurée avant et après, avec eux.",
    ),
    "ia-generative": (
        "Copilot pour les agents, pourquoi pas, mais quels courriers sont concernés ?",
        "Interdire les données de santé dans ces outils, c'est le minimum.",
        "Un courrier écrit avec une IA devrait le mentionner en bas de page.",
        "Je reçois déjà des courriers de la mairie qui sentent le copier-coller de ChatGPT. Au moins, relisez.",
        "Qui vérifie qu'un agent pressé ne colle pas un dossier social dans Copilot ? Les bonnes intentions ne suffisent pas.",
        "Pourquoi Copilot et pas un outil libre hébergé par la Ville ?",
        "Relecture obligatoire : très bien, l'agent reste responsable de ce qu'il signe.",
        "« Expressément autorisé après analyse » : la liste des outils autorisés devrait être dans le registre.",
        "Franchement, si ça permet aux agents de répondre plus vite aux mails, je suis pour.",
        "les courriers de la mairie sont deja incomprehensibles, si l'IA peut les rendre plus clairs tant mieux",
    ),
    "comptes-rendus": (
        "Très bien de citer le procès-verbal mot pour mot plutôt que de le résumer.",
        "Pouvoir chercher dans les délibérations, c'est une vraie avancée pour la transparence.",
        "Les personnes présentes peuvent s'opposer à l'enregistrement : et si une seule personne refuse, on fait comment ?",
        "Je suis conseiller de quartier, nos comptes rendus arrivent deux mois après. Si l'IA accélère ça, tant mieux.",
        "Un compte rendu généré doit être relu par quelqu'un qui était là, évidemment. Et signé.",
        "La vidéo du conseil municipal suffirait, avec des sous-titres automatiques.",
        "J'ai essayé de retrouver une délibération sur les travaux de ma rue, impossible. Vivement l'indexation.",
        "Le texte officiel ne doit jamais être modifié : heureusement que c'est précisé !",
    ),
    "achats": (
        "Les logiciels libres devraient être la règle et non une simple préférence.",
        "La réversibilité est essentielle : on ne doit pas dépendre d'un seul fournisseur.",
        "Partager avec les autres collectivités, excellente idée. Pourquoi chaque mairie paierait-elle le même outil ?",
        "Logiciel libre et hébergé en France, c'est la seule manière de garder la main.",
        "Les grands éditeurs répondent à tous les appels d'offres. Comment une petite entreprise locale peut-elle concourir ?",
        "Accès aux journaux d'utilisation : très bien, mais qui les lit ?",
        "Je travaille dans l'informatique : la réversibilité, tout le monde la signe, personne ne la teste. Testez-la.",
        "Privilégier le logiciel libre, c'est aussi dépenser l'argent public pour un bien commun.",
        "La documentation du modèle doit être publique, pas seulement transmise à la Ville.",
        "Les collectivités devraient se regrouper pour acheter, elles pèseraient plus face aux fournisseurs.",
        "Que la Ville publie les cahiers des charges de ses achats d'IA. D'autres communes pourraient s'en servir.",
        "On a déjà vu des mairies coincées avec un éditeur qui augmente ses prix. La réversibilité n'est pas un détail.",
    ),
    "evaluation": (
        "Combien coûte réellement le centre de contact unique ? Ce chiffre doit être public, tous frais compris.",
        "Il faudrait publier chaque mois la part des appels transférés à un agent.",
        "Une évaluation par un organisme indépendant serait beaucoup plus crédible qu'une auto-évaluation.",
        "Une fois par an, c'est trop peu. Les chiffres devraient être publiés tous les trois mois.",
        "« Corrigé ou arrêté » : qui décide ? Le comité de suivi devrait avoir son mot à dire.",
        "Les chiffres publics doivent inclure le temps d'attente moyen avant de parler à un agent.",
        "Évaluer les effets sur le service rendu, très bien, mais en demandant aussi leur avis aux habitants, pas seulement en comptant les appels.",
        "On veut des chiffres, pas des promesses. Publiez le nombre de réclamations, même s'il est mauvais.",
        "Le coût complet doit comprendre le temps passé par les agents à corriger les erreurs de l'outil.",
        "Si le robot fait économiser de l'argent, dites combien et ce qu'on en fait. Si ça coûte plus cher, dites-le aussi.",
        "Pourquoi ne pas comparer avec l'ancien accueil téléphonique ? Temps d'attente, satisfaction, coût.",
        "Un organisme indépendant, d'accord, mais payé par qui ? Sinon il n'est pas vraiment indépendant.",
        "Il faudrait un seuil clair : au-delà d'un certain taux de réclamations, l'outil est arrêté. Sinon « dégrade la qualité » reste subjectif.",
        "j'aimerais bien savoir combien d'appels le robot traite tout seul sans agent, juste par curiosité",
        "L'évaluation doit être publiée même quand elle est défavorable. C'est là qu'on verra si la charte est sincère.",
        "Chiffres publics : en données ouvertes, téléchargeables, pas en PDF illisible.",
        "Les personnes âgées ne répondent pas aux enquêtes en ligne. Évaluez aussi par téléphone ou à l'accueil.",
        "Très bonne idée d'inclure l'égalité de traitement dans l'évaluation. Il faut des chiffres par quartier et par âge.",
        "Je doute qu'un service avoue un jour que son outil dégrade la qualité. Prévoyez un regard extérieur.",
        "Le centre de contact unique a-t-il amélioré quelque chose ? Depuis son ouverture, j'attends plus longtemps.",
        "Un tableau de bord simple sur le site, mis à jour chaque mois, vaudrait mieux qu'un gros rapport annuel.",
        "Coût complet : licences, hébergement, formation, maintenance, et le salaire des gens qui gèrent le projet.",
        "Il faudrait aussi mesurer combien de personnes abandonnent l'appel avant d'avoir une réponse.",
        "Évaluation annuelle publiée dans le registre : bien, mais présentez-la aussi en conseil municipal.",
        "Ça sert à quoi d'évaluer si on n'arrête jamais rien ? Citez un outil que vous avez déjà arrêté.",
        "La part d'appels transférés à un agent dirait tout : si elle est haute, le robot ne sert à rien.",
        "Je voudrais qu'on compare le coût du robot avec celui de deux agents d'accueil de plus.",
        "Je veux savoir combien on paie ce robot chaque année, et combien d'agents on aurait pu embaucher avec.",
        "Publier les chiffres, très bien, mais sous une forme que tout le monde comprend : un graphique, pas un tableau de 40 pages.",
        "La satisfaction des habitants devrait faire partie de l'évaluation. Demandez-nous notre avis après l'appel.",
        "Les chiffres doivent être publiés service par service, sinon les mauvais résultats se cachent dans la moyenne.",
        "Un an après, le robot a-t-il vraiment réduit l'attente au téléphone ? C'est la seule question qui compte.",
        "Qui évalue ? Si c'est le service qui a acheté l'outil, il ne dira jamais qu'il s'est trompé.",
    ),
    "incidents": (
        "Comment signaler une erreur du chatbot ? Le bouton devrait être visible partout.",
        "La suspension immédiate en cas de problème grave, c'est rassurant.",
        "Publier le nombre de signalements, oui, et aussi ce qu'on en a fait.",
        "J'ai signalé une erreur il y a deux mois, aucune nouvelle. Un accusé de réception serait la moindre des choses.",
        "Pourquoi seul le directeur général des services peut-il suspendre un outil ? Le maire aussi devrait pouvoir.",
        "Qu'est-ce qu'un incident grave ? Il faudrait des exemples.",
        "si le robot dit n'importe quoi on appelle qui ? le robot ?",
        "Un agent doit pouvoir signaler un problème sans passer par sa hiérarchie.",
        "La date de reprise annoncée dans le registre, très bien pour savoir quand rappeler.",
    ),
    "participation": (
        "Un comité tiré au sort, excellente idée. Combien de membres ?",
        "Il faudrait une réunion publique chaque année, pas seulement un site internet.",
        "Merci pour cette consultation, c'est la première fois qu'on nous demande notre avis sur ce sujet.",
        "Tirés au sort parmi qui ? Les listes électorales excluent les étrangers qui vivent ici depuis vingt ans.",
        "Une réponse motivée des élus à chaque proposition : on verra bien si c'est tenu.",
        "Les consultations en ligne touchent toujours les mêmes personnes. Venez sur les marchés et dans les halls d'immeuble.",
        "Je propose une réunion publique dans chaque quartier, le soir, avec une garderie pour les enfants.",
        "Le comité de suivi doit pouvoir saisir lui-même le conseil municipal, sinon il ne sert à rien.",
        "Chaque article indique d'où il vient : génial, on saura si nos remarques ont servi.",
        "Trois semaines de consultation, c'est court, beaucoup de gens ne sont pas au courant. Mettez une affiche dans les halls.",
        "Les agents dans le comité, bonne idée, ce sont eux qui voient les problèmes en premier.",
        "Est-ce que les moins de 18 ans peuvent participer ? Les lycéens utilisent ces outils plus que nous.",
        "Une réunion publique en mairie serait plus conviviale qu'un site. Tout le monde n'écrit pas facilement.",
        "Le comité de suivi devrait publier ses comptes rendus, sinon on ne saura pas ce qu'il fait.",
        "Très bonne démarche. Prévenez-nous par courrier la prochaine fois, j'ai appris la consultation par hasard.",
    ),
}
# Comments that could sit under any clause (general opinions, a few off-topic).
GENERIC = (
    "Je suis d'accord avec cet article.",
    "Texte clair, rien à ajouter.",
    "Bonne intention, mais comment ce sera contrôlé ?",
    "Pas convaincu, ça reste très général.",
    "Il faudrait des exemples concrets pour que tout le monde comprenne.",
    "A quand un bilan chiffré ? On veut des preuves, pas des promesses.",
    "pk pas faire une réunion en mairie pour en parler ?",
    "tres bonne initiative de la ville, continuez",
    "Hors sujet, mais la rue de la République est pleine de nids-de-poule depuis l'hiver.",
    "Pourquoi dépenser de l'argent dans l'IA alors que les écoles manquent de tout ?",
    "Belle charte. Maintenant il faut l'appliquer.",
    "Qui a écrit ce texte ? Des agents ou un cabinet de conseil ?",
    "Ça fait beaucoup de « la Ville veille à », j'aimerais des engagements datés.",
    "Je ne savais même pas que la mairie utilisait de l'intelligence artificielle.",
    "Le stationnement devant l'école est un vrai problème, ça mériterait une consultation aussi.",
    "Bravo, c'est sérieux et bien écrit.",
    "Et si on demandait d'abord aux habitants s'ils veulent de l'IA tout court ?",
    "Les mots sont beaux, j'attends de voir les actes.",
    "C'est trop long, personne ne lira la charte en entier. Faites un résumé d'une page.",
    "Excellent, je partage autour de moi.",
    "Je ne vois pas ce que cet article change concrètement pour moi.",
    "On parle beaucoup des robots, mais toujours pas de réponse à mon courrier de mars sur les poubelles.",
    "D'accord sur le fond, la forme est un peu administrative.",
    "Que deviendra cette charte après les prochaines élections ?",
    "Je suis contre l'IA partout, mais si elle est encadrée comme ça, je peux l'accepter.",
    "Le ton est bon. Gardez cette simplicité pour les autres documents de la Ville.",
    "Merci, j'ai appris des choses en lisant.",
    "les poubelles jaunes passent plus depuis 3 semaines rue Carnot, qui je dois appeler ??",
)
PROPER_NOUNS = ("Copilot",)
OPENERS = ("Bonjour, ", "À mon avis, ", "Franchement, ", "Pour ma part, ", "Je le redis : ")
# Replies, each to a comment picked at random: they answer any comment.
REPLIES = (
    "Tout à fait d'accord avec vous.",
    "Je ne partage pas cet avis : l'article me semble déjà assez précis.",
    "Bonne remarque, j'ajouterais qu'il faut aussi penser aux personnes sans internet.",
    "La Ville a répondu à une question proche dans une proposition d'amendement, voyez plus bas.",
    "Même expérience de mon côté.",
    "+1",
    "Exactement ce que je pensais en lisant l'article.",
    "Je comprends, mais il faut aussi voir le coût pour la Ville.",
    "Vous avez raison, ça mériterait d'être écrit dans le texte.",
    "Pas sûr que ce soit possible juridiquement, quelqu'un sait ?",
    "C'est aussi mon cas, je n'ai jamais eu de réponse.",
    "Merci pour ce témoignage, ça parle plus que de longs discours.",
    "Je suis plus nuancée : l'outil peut aussi rendre service.",
    "Oui ! Et il faudrait le dire dans le magazine municipal.",
    "Je crois que c'est déjà prévu dans un autre article.",
    "D'accord à moitié : bonne idée, mais qui paiera ?",
    "Vous exagérez un peu, ça fonctionne plutôt bien chez moi.",
    "Pareil pour ma voisine, elle a fini par se déplacer en mairie.",
    "Je rejoins votre remarque, c'est le point faible de l'article.",
    "Posez la question au comité de suivi, c'est son rôle.",
    "Bien vu.",
    "Je n'avais pas pensé à ça, merci.",
    "Ça dépend des services, certains répondent très vite.",
    "Entièrement d'accord, et ça vaut pour tous les services de la Ville.",
    "Je pense au contraire que c'est une bonne chose.",
    "ah oui carrément, pareil pour moi",
    "Il faudrait en faire une proposition d'amendement, elle aurait du soutien.",
    "Question pertinente, j'attends aussi la réponse.",
    "Dans ma précédente commune c'était déjà le cas, et ça marchait bien.",
    "Je me permets de ne pas être d'accord : il faut laisser une chance à l'outil.",
    "C'est exactement le genre de remarque que les élus devraient lire.",
    "Oui, et avec un délai précis.",
    "Je soutiens, c'est du bon sens.",
    "Vous pouvez écrire au médiateur en attendant, ça marche parfois.",
    "Tellement vrai.",
    "Mon expérience est inverse, mais je comprends votre point de vue.",
    "Je partage votre inquiétude.",
    "Je suis agent à la mairie et je confirme, hélas.",
    "On en a parlé au conseil de quartier, même constat.",
    "Ça rejoint ce que disent beaucoup d'autres commentaires ici.",
    "Simple et juste, merci.",
    "Sauf que la loi l'impose déjà, non ?",
    "Agreed, same here.",
    "Je ne suis pas sûr, il faudrait des chiffres avant de conclure.",
    "Voilà une proposition concrète, enfin.",
    "D'accord, mais ce n'est pas à la charte de régler ça.",
    "Ma mère a vécu la même chose l'an dernier.",
    "Bonne question, je me la posais aussi.",
    "C'est un peu hors sujet, mais je suis d'accord.",
    "Il y a un atelier à la médiathèque là-dessus le mois prochain, pour ceux que ça intéresse.",
    "Oui, mais avec quels moyens ?",
    "Voilà, tout est dit.",
)
CAMPAIGN = "NON à l'intelligence artificielle dans nos services publics ! Nous voulons des agents, pas des robots."
CAMPAIGN_VARIANTS = ("", " Signé : un habitant en colère.", " Stop !", " Nous refusons.", "!!")
ABUSIVE = (
    "Les élus qui ont écrit ça sont des incapables et des menteurs, honte à vous.",
    "Ceux qui défendent ce projet sont des imbéciles, allez vous faire voir.",
)


@dataclass(frozen=True)
class DemoComment:
    key: int
    clause_slug: str
    author: str
    body: str
    supports: int
    parent_key: int | None = None
    abusive: bool = False


@dataclass(frozen=True)
class DemoProposal:
    key: int
    clause_slug: str | None  # None: a new clause
    title: str
    proposed_text: str
    rationale: str
    supports: int
    answer: str | None = None  # accepted, accepted_with_changes, rejected, under_study
    answer_reason: str | None = None
    section_slug: str | None = None


@dataclass(frozen=True)
class DemoConsultation:
    residents: tuple[str, ...]
    comments: tuple[DemoComment, ...]
    proposals: tuple[DemoProposal, ...]


def _typo(rng: random.Random, text: str) -> str:
    """Now and then two letters of a word swapped, as typed in a hurry."""
    if rng.random() > 0.05 or len(text) < 20:
        return text
    i = rng.randrange(5, len(text) - 5)
    if not (text[i].isalpha() and text[i + 1].isalpha()):
        return text
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _proposals(clauses: dict[str, ClauseSource]) -> list[DemoProposal]:
    contact = clauses.get("contact-humain")
    donnees = clauses.get("donnees")
    egalite = clauses.get("egalite")
    proposals = []
    if contact:
        proposals.append(DemoProposal(
            1, "contact-humain", "Un numéro direct sans serveur vocal",
            contact.body + "\n\nUn numéro de téléphone direct, sans serveur vocal, est publié sur "
            "toutes les pages du site de la Ville et dans le magazine municipal.",
            "Beaucoup de personnes âgées abandonnent face à un serveur vocal ; un numéro direct leur "
            "garantit un accès humain.", 41, "accepted_with_changes",
            "Nous retenons le numéro direct, publié sur le site et dans le magazine. Il sera ouvert aux "
            "horaires de l'accueil ; en dehors, un message invite à rappeler ou propose un rappel.",
        ))  # fmt: skip
    if donnees:
        proposals.append(DemoProposal(
            2, "donnees", "Conserver les enregistrements un mois au plus",
            donnees.body.replace("au plus trois mois", "au plus un mois"),
            "Un mois suffit pour traiter une réclamation ; garder plus longtemps n'apporte rien.",
            27, "under_study",
            "La durée d'un mois est à l'étude avec le délégué à la protection des données, pour vérifier "
            "qu'elle laisse le temps de traiter les réclamations tardives. Réponse au prochain conseil.",
        ))  # fmt: skip
    if egalite:
        proposals.append(DemoProposal(
            3, "egalite", "Publier les tests d'égalité",
            egalite.body + "\n\nLes résultats de ces vérifications sont publiés dans le registre.",
            "Sans publication, personne ne peut savoir si les vérifications ont lieu.", 18,
        ))  # fmt: skip
    proposals.append(DemoProposal(
        4, None, "Un droit à l'oubli des conversations",
        "Tout habitant peut demander l'effacement de ses échanges avec le robot conversationnel et le "
        "serveur vocal, sans avoir à se justifier. L'effacement est confirmé par écrit sous quinze jours.",
        "Les habitants doivent garder la maîtrise de ce qu'ils ont dit à une machine.", 12,
        "rejected",
        "Le droit à l'effacement existe déjà en vertu du RGPD et s'applique à ces échanges ; l'article 8 "
        "le rappellera plutôt que d'en créer un second.", section_slug="droits",
    ))  # fmt: skip
    return proposals


def _texts(rng: random.Random, slugs: list[str], weights: list[int]) -> list[tuple[str, str]]:
    """Every written comment once, as (clause slug, text), in a seeded order: each clause's own
    comments, and the general ones spread over the clauses (busy clauses get more)."""
    items = [(slug, text) for slug in slugs for text in BY_SLUG.get(slug, ())]
    items += [(rng.choices(slugs, weights)[0], text) for text in GENERIC]
    rng.shuffle(items)
    return items


def _with_opener(rng: random.Random, text: str) -> str:
    """A text said again by someone else (only when more comments are asked than are written)."""
    opener = rng.choice(OPENERS)
    if text[1:2].islower() and not text.startswith(PROPER_NOUNS):
        text = text[0].lower() + text[1:]  # "Bonjour, j'ai…", not "Bonjour, J'ai…"
    return opener + text


def generate_demo(
    clauses: Sequence[ClauseSource], *, seed: int = 42, n_comments: int = 300
) -> DemoConsultation:
    rng = random.Random(seed)
    by_slug = {c.slug: c for c in clauses}
    slugs = [c.slug for c in clauses]
    # Busy clauses attract more comments, as in real consultations.
    weights = [
        3 if s in {"contact-humain", "donnees", "transparence", "evaluation"} else 1 for s in slugs
    ]
    texts = _texts(rng, slugs, weights)
    comments: list[DemoComment] = []
    key = 0
    campaign = max(10, n_comments // 20)
    written = 0
    for n in range(n_comments):
        key += 1
        if n < campaign and "contact-humain" in by_slug:
            body = CAMPAIGN + rng.choice(CAMPAIGN_VARIANTS)
            comments.append(
                DemoComment(key, "contact-humain", rng.choice(RESIDENTS), body, rng.randrange(0, 3))
            )
            continue
        # Each written comment once; beyond them (a larger demo), said again with an opener.
        slug, body = texts[written % len(texts)]
        if written >= len(texts):
            body = _with_opener(rng, body)
        written += 1
        body = _typo(rng, body)
        supports = int(rng.paretovariate(1.5)) - 1
        comments.append(DemoComment(key, slug, rng.choice(RESIDENTS), body, min(supports, 60)))
    replies = list(REPLIES)
    rng.shuffle(replies)
    for n, parent in enumerate(
        rng.sample(comments[campaign:], k=min(len(comments) - campaign, n_comments // 6))
    ):
        key += 1
        comments.append(
            DemoComment(
                key,
                parent.clause_slug,
                rng.choice(RESIDENTS),
                replies[n] if n < len(replies) else rng.choice(REPLIES),
                rng.randrange(0, 4),
                parent.key,
            )
        )
    for text in ABUSIVE:
        key += 1
        comments.append(
            DemoComment(key, rng.choice(slugs), rng.choice(RESIDENTS), text, 0, abusive=True)
        )
    return DemoConsultation(RESIDENTS, tuple(comments), tuple(_proposals(by_slug)))
