"""Demo data: a Spanish sales team with a year of believable CRM history, so a fresh install,
screenshots and benchmarks have something true to life to show.

Everything is drawn from one seeded random generator, so a seed always gives the same
people, companies, statuses and links; timestamps are placed relative to now. Rows go in
through Core bulk inserts in batches, which loads 100,000 leads in seconds; only the four
demo users go through the auth service, because argon2 hashing is slow on purpose.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pwdlib import PasswordHash
from sqlalchemy import bindparam, func, insert, text, update
from sqlmodel import Session, SQLModel, select

from leadhub.services import auth
from leadhub.services.errors import ValidationFailed
from leadhub.services.leads import fold, search_text_for
from leadhub.services.models import (
    INDUSTRIES,
    Account,
    Activity,
    ActivityStatus,
    ActivityType,
    CallOutcome,
    Campaign,
    CampaignMember,
    Contact,
    Deal,
    DealStage,
    Interest,
    Lead,
    LeadStatus,
    LeadStatusHistory,
    Membership,
    Need,
    Note,
    Outreach,
    OutreachType,
    Rating,
    ResponseStatus,
    Role,
    Team,
    User,
    utcnow,
)

DEMO_TEAM_NAME = "Demo Ventas"
DEFAULT_LEADS = 2000
MAX_LEADS = 1_000_000
BATCH_SIZE = 4000
HISTORY_DAYS = 364  # everything happens within the last 12 months
_hasher = PasswordHash.recommended()  # only verifies; hashes are made by the auth service


@dataclass(frozen=True)
class DemoLogin:
    """A demo account; `password` is None when it no longer matches the demo password."""

    role: str
    email: str
    full_name: str
    password: str | None


@dataclass
class DemoResult:
    """What a demo load made (or, when `created` is False, what was already there)."""

    team: Team | None
    logins: list[DemoLogin]
    counts: dict[str, int] = field(default_factory=dict)
    created: bool = True


@dataclass(frozen=True)
class _DemoUser:
    role: str
    email: str
    password: str
    full_name: str
    language: str


DEMO_USERS = (
    _DemoUser(Role.ADMIN.value, "admin@demo.leadhub.app", "demo-admin-1", "Lucía Fernández", "es"),
    _DemoUser(Role.MANAGER.value, "manager@demo.leadhub.app", "demo-manager-1", "Javier Núñez", "es"),
    _DemoUser(Role.REP.value, "rep1@demo.leadhub.app", "demo-rep-1", "Sofía Peña", "es"),
    _DemoUser(Role.REP.value, "rep2@demo.leadhub.app", "demo-rep-2", "Daniel Müller", "en"),
)


# --- Vocabulary -----------------------------------------------------------------------------

FIRST_NAMES = {
    "es": ["José", "María", "Lucía", "Álvaro", "Sofía", "Javier", "Carmen", "Raúl", "Inés",
           "Andrés", "Beatriz", "Óscar", "Mónica", "Tomás", "Begoña", "Íñigo", "Nuria", "Rubén",
           "Ángela", "Jesús", "Martín", "Valentina", "Camila", "Mateo", "Sebastián", "Ximena",
           "Diego", "Paula", "Fernando", "Elena", "Adrián", "Marta", "Joaquín", "Aitana",
           "Héctor", "Noelia", "Iván", "Rocío", "Agustín", "Guadalupe"],
    "en": ["James", "Emily", "Oliver", "Charlotte", "Liam", "Olivia", "Noah", "Amelia",
           "Jack", "Grace", "Ethan", "Chloé", "Zoë", "Henry", "Sophie", "Samuel", "Hannah",
           "Thomas", "Ella", "Ryan", "Megan", "Daniel", "Laura", "Michael", "Renée"],
    "de": ["Lukas", "Jürgen", "Anna", "Jonas", "Lena", "Felix", "Hannah", "Maximilian",
           "Sören", "Katrin", "Björn", "Jörg", "Sabine", "Uwe", "Franziska", "Matthias"],
}
LAST_NAMES = {
    "es": ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez",
           "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
           "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres",
           "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco", "Molina",
           "Núñez", "Peña", "Castañeda", "Ibáñez", "Ordóñez", "Calderón", "Quiñones",
           "Echeverría", "Santamaría", "Villalobos"],
    "en": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Clarke",
           "O'Connor", "Walker", "Wright", "Thompson", "Robinson", "Hughes", "Edwards",
           "Green", "Hall", "Wood", "Harris", "Lewis"],
    "de": ["Müller", "Schröder", "Schäfer", "Köhler", "Weber", "Fischer", "Becker",
           "Hoffmann", "Krüger", "Schmitt", "Wagner", "Groß", "Jäger", "Vogel"],
}
COMPANY_WORDS = {
    "es": ["Alborán", "Ibérica", "Cantábrico", "Peñalara", "Guadalquivir", "Montseny",
           "Vértice", "Nébula", "Almendro", "Olivar", "Tajo", "Atlántida", "Aurora", "Brújula",
           "Cíes", "Faro", "Galerna", "Horizonte", "Levante", "Marea", "Nogal", "Órbita",
           "Piñón", "Quijote", "Roble", "Salinas", "Tramontana", "Zafiro", "Azteca", "Quetzal"],
    "en": ["Northwind", "Bluebird", "Brightline", "Oakridge", "Sterling", "Harbour",
           "Summit", "Kingsley", "Redwood", "Silverleaf", "Foxglove", "Lighthouse", "Meridian",
           "Evergreen", "Clearwater"],
    "de": ["Rheinland", "Alpenblick", "Nordsee", "Schwarzwald", "Bergmann", "Elbtal",
           "Brückner", "Lindenhof", "Isartal", "Möwe"],
}
COMPANY_PREFIXES = {
    "es": ["Grupo", "Soluciones", "Servicios", "Distribuciones", "Construcciones", "Clínica",
           "Hoteles", "Inmobiliaria", "Transportes", "Consultores", "Bodegas", "Laboratorios",
           "Academia", "Talleres", ""],
    "en": ["", "", "Blue", "Northern", "First", "Global", "Prime"],
    "de": ["", "", "Bau", "Technik", "Logistik", "Software"],
}
COMPANY_SUFFIXES = {
    "ES": ["S.L.", "S.A.", "S.L.U."], "MX": ["S.A. de C.V.", "S. de R.L."], "CO": ["S.A.S."],
    "AR": ["S.R.L.", "S.A."], "US": ["LLC", "Inc.", "Group", "Labs"],
    "GB": ["Ltd", "Partners", "Consulting"], "DE": ["GmbH", "AG", "GmbH & Co. KG"],
}
FREE_MAIL = ["gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com"]
TITLES = {
    "es": ["Director General", "CEO", "Director de Marketing", "Responsable de Compras",
           "Gerente", "Fundadora", "Director Comercial", "Jefa de Operaciones",
           "Responsable de IT", "Directora Financiera", "Socio", "Coordinadora de Proyectos"],
    "en": ["CEO", "Founder", "Head of Marketing", "Procurement Manager", "COO", "CTO",
           "Sales Director", "Operations Manager", "IT Manager", "Finance Director"],
    "de": ["Geschäftsführer", "CEO", "Leiterin Marketing", "Einkaufsleiter", "CTO",
           "Vertriebsleiter"],
}
NEEDS_TEXT = {
    "es": ["Busca una tienda online con pasarela de pago.", "Quiere migrar su CRM actual.",
           "Necesita una app móvil para reservas.", "Interesado en mejorar el SEO de su web.",
           "Pide presupuesto para integrar su ERP.", "Quiere automatizar la facturación.",
           "Busca soporte y mantenimiento anual.", "Necesita rediseñar su web corporativa."],
    "en": ["Looking for an online shop with card payments.", "Wants to migrate their CRM.",
           "Needs a booking app for iOS and Android.", "Asked for an SEO audit.",
           "Wants a quote for an ERP integration.", "Needs yearly support and maintenance."],
}
PRODUCTS = ["Tienda online", "App móvil", "Migración CRM", "Consultoría SEO",
            "Mantenimiento anual", "Integración ERP", "Rediseño web", "Campaña de marketing",
            "Licencias SaaS", "Formación del equipo"]
NOTE_TEXT = [
    "Prefiere que le llamemos por la mañana.", "Ha pedido referencias de clientes similares.",
    "Presupuesto aprobado por dirección, falta firma.", "Comparando con dos proveedores más.",
    "Decision expected after their board meeting.", "Asked for a discount on the yearly plan.",
    "Muy interesada, enviar caso de éxito.", "Wants to start next quarter.",
]

# country code: (name, weight, language weights, tlds, phone patterns, [(city, state, postal)], streets)
COUNTRIES = {
    "ES": ("Spain", 45, {"es": 92, "en": 5, "de": 3}, ["es", "com"],
           ["+346########", "+3471#######", "+3491#######", "+3493#######"],
           [("Madrid", "Comunidad de Madrid", "280"), ("Barcelona", "Cataluña", "080"),
            ("Valencia", "Comunidad Valenciana", "460"), ("Sevilla", "Andalucía", "410"),
            ("Málaga", "Andalucía", "290"), ("Bilbao", "País Vasco", "480"),
            ("Zaragoza", "Aragón", "500"), ("A Coruña", "Galicia", "150"),
            ("Palma", "Illes Balears", "070"), ("Alicante", "Comunidad Valenciana", "030")],
           ["Calle Mayor", "Avenida de la Constitución", "Paseo de la Castellana",
            "Calle de Alcalá", "Gran Vía", "Calle Núñez de Balboa", "Rambla de Catalunya"]),
    "MX": ("Mexico", 20, {"es": 95, "en": 5}, ["com.mx", "mx", "com"],
           ["+5255########", "+5233########", "+5281########"],
           [("Ciudad de México", "CDMX", "06"), ("Guadalajara", "Jalisco", "44"),
            ("Monterrey", "Nuevo León", "64"), ("Puebla", "Puebla", "72"),
            ("Querétaro", "Querétaro", "76"), ("Mérida", "Yucatán", "97")],
           ["Avenida Paseo de la Reforma", "Calle Insurgentes Sur", "Avenida Juárez",
            "Calle Madero", "Avenida Chapultepec"]),
    "CO": ("Colombia", 8, {"es": 100}, ["com.co", "co"],
           ["+57300#######", "+57310#######", "+57315#######"],
           [("Bogotá", "Cundinamarca", "110"), ("Medellín", "Antioquia", "050"),
            ("Cali", "Valle del Cauca", "760")],
           ["Carrera 7", "Calle 93", "Avenida El Poblado"]),
    "AR": ("Argentina", 4, {"es": 100}, ["com.ar"],
           ["+549114#######", "+549115#######"],
           [("Buenos Aires", "CABA", "C10"), ("Córdoba", "Córdoba", "X50")],
           ["Avenida Corrientes", "Calle Florida", "Avenida Santa Fe"]),
    "US": ("United States", 10, {"en": 80, "es": 20}, ["com", "io"],
           ["+1212555####", "+1305555####", "+1512555####", "+1415555####"],
           [("New York", "NY", "100"), ("Miami", "FL", "331"), ("Austin", "TX", "787"),
            ("San Francisco", "CA", "941")],
           ["Main Street", "Broadway", "Market Street", "Ocean Drive"]),
    "GB": ("United Kingdom", 7, {"en": 90, "es": 10}, ["co.uk", "com"],
           ["+44207#######", "+447400######", "+4475########"],
           [("London", "England", "EC1"), ("Manchester", "England", "M1 "),
            ("Edinburgh", "Scotland", "EH1")],
           ["High Street", "King's Road", "Deansgate"]),
    "DE": ("Germany", 6, {"de": 75, "en": 25}, ["de", "com"],
           ["+49151########", "+4930########", "+4989########"],
           [("Berlin", "Berlin", "101"), ("München", "Bayern", "803"),
            ("Köln", "Nordrhein-Westfalen", "506"), ("Hamburg", "Hamburg", "203")],
           ["Hauptstraße", "Bahnhofstraße", "Friedrichstraße", "Königsallee"]),
}
SOURCE_WEIGHTS = {
    "Web Form": 18, "Upwork": 9, "Guru": 3, "PeoplePerHour": 3, "LinkedIn": 14, "Cold Call": 9,
    "Cold Email": 10, "Referral": 11, "Trade Show": 5, "Partner": 6, "Advertisement": 6,
    "Existing Customer": 4, "Other": 2,
}
# where an outreach-born lead comes from: source -> (outreach type, channel)
SOURCE_OUTREACH = {
    "Upwork": (OutreachType.PLATFORM, "Upwork"), "Guru": (OutreachType.PLATFORM, "Guru"),
    "PeoplePerHour": (OutreachType.PLATFORM, "PeoplePerHour"),
    "LinkedIn": (OutreachType.SOCIAL, "LinkedIn"), "Cold Call": (OutreachType.CALL, None),
    "Cold Email": (OutreachType.EMAIL, None),
}
INDUSTRY_WEIGHTS = [16, 12, 9, 8, 6, 7, 5, 6, 7, 5, 9, 6, 4]
STATUS_WEIGHTS_RECENT = [55, 25, 10, 6, 4]   # leads younger than 30 days
STATUS_WEIGHTS_OLDER = [18, 24, 20, 18, 20]
STATUSES = [s.value for s in LeadStatus]
RATING_BY_STATUS = {  # Hot, Warm, Cold, none
    "New": [10, 30, 30, 30], "Contacted": [18, 40, 30, 12], "Qualified": [40, 45, 10, 5],
    "Unqualified": [2, 13, 75, 10], "Converted": [55, 38, 5, 2],
}
RATINGS = [Rating.HOT.value, Rating.WARM.value, Rating.COLD.value, ""]
NEEDS = [Need.URGENT.value, Need.MODERATE.value, Need.LOW.value, ""]
INTERESTS = [Interest.HIGH.value, Interest.MEDIUM.value, Interest.LOW.value, ""]
OUTREACH_TEXT = {
    OutreachType.PLATFORM: ["Propuesta enviada: desarrollo de tienda online.",
                            "Proposal sent for a booking app.", "Propuesta para migración de CRM.",
                            "Invitación a entrevista aceptada."],
    OutreachType.EMAIL: ["Propuesta de colaboración", "Seguimiento de nuestra llamada",
                         "Quick question about your website", "Caso de éxito que le puede interesar"],
    OutreachType.CALL: ["Llamada de presentación", "Seguimiento de propuesta", "Discovery call",
                        "Llamada para cerrar fecha de demo"],
    OutreachType.SOCIAL: ["Solicitud de conexión con nota", "Comentario en su publicación",
                          "Mensaje directo tras el webinar", "Connection request with note"],
    OutreachType.MESSENGER: ["Seguimiento por mensaje", "Envío de presupuesto por chat",
                             "Quick follow-up message"],
}
PROSPECT_RESPONSES = [ResponseStatus.AWAITING.value, ResponseStatus.REPLIED.value,
                      ResponseStatus.POSITIVE.value, ResponseStatus.NEGATIVE.value,
                      ResponseStatus.BOUNCED.value]
UNANSWERED_CALLS = [CallOutcome.VOICEMAIL.value, CallOutcome.NO_ANSWER.value, CallOutcome.BUSY.value]
TOUCH_TYPES = (ActivityType.CALL.value, ActivityType.MEETING.value, ActivityType.EMAIL.value)
DEAL_STAGES = [s.value for s in DealStage]
DEAL_STAGE_WEIGHTS = [10, 14, 20, 14, 26, 16]
DEAL_PROBABILITY = {"Prospecting": 10, "Qualification": 20, "Proposal": 50, "Negotiation": 75,
                    "Closed Won": 100, "Closed Lost": 0}
CAMPAIGNS = [  # name, type, start (days from now), end, status, budget
    ("Webinar: CRM para pymes", "Webinar", -330, -300, "Completed", 1500),
    ("Feria Tecnológica Madrid", "Trade Show", -240, -236, "Completed", 12000),
    ("Email nurture primavera", "Email", -200, -120, "Completed", 800),
    ("LinkedIn Ads Q3", "Advertisement", -110, -20, "Completed", 6000),
    ("Programa de partners", "Partner", -60, 60, "Active", 3000),
    ("Campaña fin de año", "Email", -15, 45, "Active", 2000),
    ("Evento clientes Barcelona", "Event", 30, 31, "Planned", 9000),
]


# --- Public entry points --------------------------------------------------------------------

def load_demo(*, session: Session, leads: int = DEFAULT_LEADS, seed: int = 42,
              team_name: str = DEMO_TEAM_NAME) -> DemoResult:
    """Create a demo team, its four users and a year of CRM data; the caller commits.

    Demo accounts that already exist (from an earlier demo team) are reused and join the
    new team with the same role, their passwords untouched."""
    if not 0 <= leads <= MAX_LEADS:
        raise ValidationFailed(field_errors={"leads": f"Choose between 0 and {MAX_LEADS:,} leads."})
    team = auth.create_team(session=session, name=team_name, timezone="Europe/Madrid",
                            currency="EUR", language="es", country="ES")
    users: dict[str, int] = {}
    logins = []
    for spec in DEMO_USERS:
        user = session.exec(select(User).where(User.email == spec.email)).first()
        if user is None:
            user = auth.create_user(session=session, email=spec.email, password=spec.password,
                                    full_name=spec.full_name, language=spec.language)
            password: str | None = spec.password
        else:
            password = _demo_password_if_unchanged(user, spec)
        auth.add_membership(session=session, team_id=team.id, user_id=user.id, role=spec.role)
        users[spec.email] = user.id
        logins.append(DemoLogin(spec.role, spec.email, spec.full_name, password))
    counts = _DemoBuilder(session=session, team=team, user_ids=users, seed=seed).build(leads)
    return DemoResult(team=team, logins=logins, counts=counts, created=True)


def ensure_demo(*, session: Session, leads: int = DEFAULT_LEADS, seed: int = 42,
                team_name: str = DEMO_TEAM_NAME) -> DemoResult:
    """Load the demo only into an empty database (no team at all); otherwise report the
    demo logins that exist, so `make run` can call it on every start."""
    if session.exec(select(func.count()).select_from(Team)).one() == 0:
        return load_demo(session=session, leads=leads, seed=seed, team_name=team_name)
    logins = []
    team = None
    for spec in DEMO_USERS:
        user = session.exec(select(User).where(User.email == spec.email)).first()
        if user is None:
            continue
        logins.append(DemoLogin(spec.role, spec.email, spec.full_name,
                                _demo_password_if_unchanged(user, spec)))
        if team is None:
            team = session.exec(select(Team).join(Membership, Membership.team_id == Team.id)
                                .where(Membership.user_id == user.id).order_by(Team.id)).first()
    return DemoResult(team=team, logins=logins, counts={}, created=False)


def _demo_password_if_unchanged(user: User, spec: _DemoUser) -> str | None:
    return spec.password if _hasher.verify(spec.password, user.password_hash) else None


# --- The generator --------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _ascii_slug(text: str, sep: str = "-") -> str:
    words = "".join(c if c.isalnum() else " " for c in fold(text).replace("ß", "ss")).split()
    return sep.join(words)


class _DemoBuilder:
    """Draws every row in memory, referring to other rows by list index; then hands out
    ids, swaps the indexes for them and inserts table by table in foreign-key order."""

    def __init__(self, *, session: Session, team: Team, user_ids: dict[str, int], seed: int):
        self.session = session
        self.team_id = team.id
        self.rng = random.Random(seed)
        self.now = utcnow().replace(microsecond=0)
        self.start = self.now - timedelta(days=HISTORY_DAYS)
        ids = [user_ids[u.email] for u in DEMO_USERS]
        self.admin_id, self.manager_id, self.rep1_id, self.rep2_id = ids
        self.owner_pool = [self.rep1_id, self.rep2_id, self.manager_id, self.admin_id]
        self.owner_weights = [40, 35, 20, 5]
        self.outreach_users = [self.rep1_id, self.rep2_id, self.manager_id]
        self.outreach_user_weights = [45, 40, 15]
        self.country_codes = list(COUNTRIES)
        self.country_weights = [COUNTRIES[c][1] for c in self.country_codes]
        self.sources = list(SOURCE_WEIGHTS)
        self.source_weights = list(SOURCE_WEIGHTS.values())
        self.phone_patterns = {code: [(p.rstrip("#"), p.count("#")) for p in c[4]]
                               for code, c in COUNTRIES.items()}
        self.languages = {code: (list(c[2]), list(c[2].values())) for code, c in COUNTRIES.items()}
        self._totals: dict[tuple, list[float]] = {}
        self.company_domains: dict[str, str] = {}
        self.outreach: list[dict[str, Any]] = []
        self.outreach_links: list[tuple[int, int | None, int | None]] = []  # (outreach, lead, contact)
        self.leads: list[dict[str, Any]] = []
        self.lead_countries: list[str] = []
        self.lead_ages: list[float] = []
        self.history: list[dict[str, Any]] = []
        self.accounts: list[dict[str, Any]] = []
        self.account_by_company: dict[str, int] = {}
        self.contacts: list[dict[str, Any]] = []
        self.deals: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []

    # -- small draws --

    # Every draw below consumes the random stream the same way whatever the clock says, so
    # a seed gives the same rows on any day; only the timestamps move with now.

    def _pick(self, items, weights=None):
        """Like random.choices(items, weights)[0], with the running totals kept."""
        if weights is None:
            return items[int(self.rng.random() * len(items))]
        key = tuple(weights)
        totals = self._totals.get(key)
        if totals is None:
            totals = self._totals[key] = list(itertools.accumulate(weights))
        return items[bisect.bisect(totals, self.rng.random() * totals[-1])]

    def _created_at(self) -> tuple[datetime, float]:
        """A working-hours moment in the last year, more of them recently (a growing team),
        and its age in days as drawn (for decisions that must not depend on the clock)."""
        rng = self.rng
        age = (HISTORY_DAYS - 3) * rng.random() ** 1.3
        moment = self.now - timedelta(days=age)
        keep_weekend = rng.random() >= 0.8
        if moment.weekday() >= 5 and not keep_weekend:
            moment -= timedelta(days=moment.weekday() - 4)
        moment = moment.replace(hour=rng.randint(7, 17), minute=rng.randrange(60),
                                second=rng.randrange(60))
        return min(moment, self.now - timedelta(minutes=rng.randint(1, 600))), age

    def _between(self, start: datetime, end: datetime) -> datetime:
        fraction = self.rng.random()
        return start if end <= start else start + (end - start) * fraction

    def _phone(self, country: str) -> str:
        prefix, digits = self._pick(self.phone_patterns[country])
        return prefix + str(self.rng.randrange(10 ** digits)).zfill(digits)

    def _person(self, country: str) -> tuple[str, str, str]:
        language = self._pick(*self.languages[country])
        first = self._pick(FIRST_NAMES[language])
        last = self._pick(LAST_NAMES[language])
        if language == "es" and self.rng.random() < 0.35:
            last = f"{last} {self._pick(LAST_NAMES['es'])}"
        return first, last, language

    def _company(self, country: str) -> str:
        rng = self.rng
        if rng.random() < 0.07:
            return ""
        words_lang = {"ES": "es", "MX": "es", "CO": "es", "AR": "es", "DE": "de"}.get(country, "en")
        prefix = self._pick(COMPANY_PREFIXES[words_lang])
        word = self._pick(COMPANY_WORDS[words_lang])
        suffix = self._pick(COMPANY_SUFFIXES[country])
        return " ".join(p for p in (prefix, word, suffix) if p)

    def _domain(self, company: str, country: str) -> str:
        domain = self.company_domains.get(company)
        if domain is None:
            core = company
            for suffixes in COMPANY_SUFFIXES.values():
                for suffix in suffixes:
                    core = core.removesuffix(" " + suffix)
            domain = f"{_ascii_slug(core)}.{self._pick(COUNTRIES[country][3])}"
            self.company_domains[company] = domain
        return domain

    def _email(self, first: str, last: str, company: str, country: str) -> str:
        rng = self.rng
        first_slug = _ascii_slug(first, "")
        last_slug = _ascii_slug(last.split()[0], "")
        if not company or rng.random() < 0.12:
            domain = self._pick(FREE_MAIL)
            local = f"{first_slug}.{last_slug}{rng.randint(1, 999)}"
        else:
            domain = self._domain(company, country)
            local = self._pick([f"{first_slug}.{last_slug}", f"{first_slug[0]}{last_slug}",
                                first_slug, f"{first_slug}.{last_slug}{rng.randint(2, 99)}"])
        return f"{local}@{domain}"

    def _profile_url(self, kind: str, first: str, last: str) -> str:
        slug = _ascii_slug(f"{first} {last}")
        tag = f"{self.rng.getrandbits(40):010x}"
        return {
            "Upwork": f"https://www.upwork.com/freelancers/~01{tag}",
            "Guru": f"https://www.guru.com/employers/{slug}-{tag[:6]}",
            "PeoplePerHour": f"https://www.peopleperhour.com/buyer/{slug}-{tag[:6]}",
            "LinkedIn": f"https://www.linkedin.com/in/{slug}-{tag[:8]}",
            "Facebook": f"https://www.facebook.com/{slug.replace('-', '.')}.{tag[:4]}",
            "Instagram": f"https://www.instagram.com/{slug.replace('-', '_')}",
            "X": f"https://x.com/{slug.replace('-', '_')[:12]}{tag[:3]}",
        }[kind]

    def _money(self, low: float, high: float, step: int = 500) -> Decimal:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(max(step, round(value / step) * step)).quantize(Decimal("0.01"))

    # -- outreach --

    def _add_outreach(self, *, kind: OutreachType, channel: str | None, user_id: int,
                      occurred_at: datetime, first: str, last: str, email: str, phone: str,
                      country: str, response: str, responded_at: datetime | None) -> int:
        rng = self.rng
        row = {
            "team_id": self.team_id, "user_id": user_id, "type": int(kind), "channel": channel,
            "value": None, "email": None, "phone": None,
            "description": self._pick(OUTREACH_TEXT[kind]), "occurred_at": occurred_at,
            "response_status": response, "responded_at": responded_at, "call_outcome": None,
            "call_duration_seconds": None, "lead_id": None, "contact_id": None,
            "created_at": occurred_at,
        }
        if kind == OutreachType.PLATFORM:
            row["channel"] = channel or self._pick(["Upwork", "Guru", "PeoplePerHour"], [6, 2, 2])
            row["value"] = self._profile_url(row["channel"], first, last)
        elif kind == OutreachType.EMAIL:
            row["email"] = email or self._email(first, last, "", country)
        elif kind == OutreachType.CALL:
            # As the outreach service has it: the outcome answers "did they respond?", the
            # answer comes with the call, and only talk or a voicemail takes time.
            row["phone"] = phone or self._phone(country)
            if response == ResponseStatus.BOUNCED.value:
                outcome = CallOutcome.WRONG_NUMBER.value
            elif response == ResponseStatus.AWAITING.value:
                outcome = self._pick(UNANSWERED_CALLS, [40, 45, 15])
            else:
                outcome = CallOutcome.CONNECTED.value
            row["call_outcome"] = outcome
            if outcome == CallOutcome.CONNECTED.value:
                row["call_duration_seconds"] = rng.randint(45, 1500)
            elif outcome == CallOutcome.VOICEMAIL.value:
                row["call_duration_seconds"] = rng.randint(15, 50)
            row["responded_at"] = None if response == ResponseStatus.AWAITING.value else occurred_at
        elif kind == OutreachType.SOCIAL:
            row["channel"] = channel or self._pick(["LinkedIn", "Facebook", "Instagram", "X"],
                                                   [70, 12, 12, 6])
            row["value"] = self._profile_url(row["channel"], first, last)
        else:
            row["channel"] = self._pick(["WhatsApp", "Telegram"], [75, 25])
            if row["channel"] == "WhatsApp":
                row["phone"] = phone or self._phone(country)
            else:
                row["value"] = "@" + _ascii_slug(f"{first} {last}", "_")[:24]
                if phone and rng.random() < 0.4:
                    row["phone"] = phone
        self.outreach.append(row)
        return len(self.outreach) - 1

    def _prospect_outreach(self) -> None:
        """Prospecting that did not (yet) turn into a lead: the bulk of a rep's day."""
        rng = self.rng
        country = self._pick(self.country_codes, self.country_weights)
        first, last, _ = self._person(country)
        kind = self._pick(list(OutreachType), [25, 30, 20, 17, 8])
        occurred, age_days = self._created_at()
        weights = {OutreachType.EMAIL: [42, 15, 8, 17, 18],
                   OutreachType.CALL: [45, 20, 9, 21, 5]}.get(kind, [47, 20, 9, 24, 0])
        response = self._pick(PROSPECT_RESPONSES, weights)
        too_recent = rng.random() < 0.8
        if age_days < 3 and too_recent:
            response = ResponseStatus.AWAITING.value
        delay = timedelta(hours=rng.expovariate(1 / 40))
        responded = None
        if response != ResponseStatus.AWAITING.value:
            responded = min(self.now, occurred + delay)
        index = self._add_outreach(kind=kind, channel=None, user_id=self._outreach_user(),
                                   occurred_at=occurred, first=first, last=last, email="",
                                   phone="", country=country, response=response,
                                   responded_at=responded)
        if response == ResponseStatus.POSITIVE.value and rng.random() < 0.7:
            self._prospect_contact(index, first, last, country, responded or occurred)

    def _outreach_user(self) -> int:
        return self._pick(self.outreach_users, self.outreach_user_weights)

    # -- leads --

    def _lead(self) -> None:
        rng = self.rng
        country = self._pick(self.country_codes, self.country_weights)
        first, last, language = self._person(country)
        company = self._company(country)
        email = self._email(first, last, company, country) if rng.random() < 0.96 else ""
        phone = self._phone(country) if rng.random() < 0.85 else ""
        mobile = self._phone(country) if rng.random() < 0.3 else ""
        city, state, postal = self._pick(COUNTRIES[country][5])
        created, age_days = self._created_at()
        young = age_days < 30
        status = self._pick(STATUSES, STATUS_WEIGHTS_RECENT if young else STATUS_WEIGHTS_OLDER)
        source = self._pick(self.sources, self.source_weights)
        owner = self._pick(self.owner_pool, self.owner_weights)
        if status == "New" and rng.random() < 0.05:
            owner = None
        text_lang = "es" if language == "es" else "en"
        titles = TITLES[language]

        # Outreach that produced the lead, a little before it was created.
        outreach_index = None
        origin = SOURCE_OUTREACH.get(source)
        if origin is None and source in ("Referral", "Other") and rng.random() < 0.2:
            origin = (OutreachType.MESSENGER, None)
        if origin is not None and rng.random() < 0.9:
            occurred = max(self.start, created - timedelta(hours=rng.uniform(2, 240)))
            response = self._pick([ResponseStatus.POSITIVE.value, ResponseStatus.REPLIED.value], [55, 45])
            outreach_index = self._add_outreach(
                kind=origin[0], channel=origin[1], user_id=owner or self._outreach_user(),
                occurred_at=occurred, first=first, last=last, email=email, phone=phone or mobile,
                country=country, response=response, responded_at=self._between(occurred, created))

        # Status changes: a sales cycle of days or weeks, squeezed to fit before now.
        ruled_out_at_once = rng.random() < 0.2
        path = {
            "New": ["New"], "Contacted": ["New", "Contacted"],
            "Qualified": ["New", "Contacted", "Qualified"],
            "Unqualified": ["New", "Unqualified"] if ruled_out_at_once
                           else ["New", "Contacted", "Unqualified"],
            "Converted": ["New", "Contacted", "Qualified", "Converted"],
        }[status]
        steps = [rng.expovariate(1 / 6) + 0.1 for _ in path[1:]]
        room = (self.now - created).total_seconds() / 86400 * 0.95
        if sum(steps) > room:
            steps = [s * room / sum(steps) for s in steps]
        moments = [created]
        for step in steps:
            moments.append(moments[-1] + timedelta(days=step))
        lead_index = len(self.leads)
        changer = owner or self.manager_id
        previous = None
        for to_status, moment in zip(path, moments):
            self.history.append({"team_id": self.team_id, "lead_id": lead_index,
                                 "from_status": previous, "to_status": to_status,
                                 "changed_by": changer, "changed_at": moment})
            previous = to_status

        rating = self._pick(RATINGS, RATING_BY_STATUS[status])
        need = self._pick(NEEDS, [20, 40, 25, 15])
        interest = self._pick(INTERESTS, [25, 40, 20, 15])
        budget = self._money(1000, 250000) if rng.random() < 0.8 else None
        score = ({"Hot": 30, "Warm": 20, "Cold": 5}.get(rating, 0)
                 + {"Urgent": 20, "Moderate": 10}.get(need, 0)
                 + {"High": 20, "Medium": 10}.get(interest, 0)
                 + (15 if budget and budget >= 20000 else 5 if budget else 0)
                 + (10 if email and phone else 5 if email or phone else 0))
        domain = self.company_domains.get(company)
        self.leads.append({
            "team_id": self.team_id, "first_name": first, "last_name": last, "company": company,
            "title": self._pick(titles), "lead_source": source,
            "industry": self._pick(INDUSTRIES, INDUSTRY_WEIGHTS) if rng.random() < 0.9 else "",
            "email": email, "phone": phone, "mobile": mobile,
            "website": f"https://www.{domain}" if domain and rng.random() < 0.8 else "",
            "street": f"{self._pick(COUNTRIES[country][6])} {rng.randint(1, 250)}",
            "city": city, "state": state,
            "postal_code": f"{postal}{rng.randint(0, 99):02d}".replace(" ", ""),
            "country": COUNTRIES[country][0], "status": status, "rating": rating,
            "budget": budget, "need": need, "interest": interest,
            "description": self._pick(NEEDS_TEXT[text_lang]) if rng.random() < 0.7 else "",
            "notes": "", "score": min(score, 100), "custom_fields": {},
            "owner_id": owner, "outreach_id": outreach_index, "position": 0.0,
            "search_text": search_text_for(first, last, company, email, phone, mobile, city),
            "last_contacted_at": None,  # from the touches, once all are drawn
            "converted_at": moments[-1] if status == "Converted" else None,
            "created_at": created, "updated_at": moments[-1],
        })
        self.lead_countries.append(country)
        self.lead_ages.append(age_days)
        if outreach_index is not None:
            self.outreach_links.append((outreach_index, lead_index, None))

        # A follow-up touch on leads being worked.
        followed_up = status != "New" and rng.random() < 0.3
        if followed_up:
            kind = self._pick([OutreachType.EMAIL, OutreachType.CALL, OutreachType.MESSENGER], [45, 40, 15])
            occurred = self._between(moments[1], min(self.now, moments[1] + timedelta(days=10)))
            response = self._pick([ResponseStatus.AWAITING.value, ResponseStatus.REPLIED.value,
                                   ResponseStatus.POSITIVE.value, ResponseStatus.NEGATIVE.value],
                                  [30, 35, 25, 10])
            responded = None if response == "awaiting" else self._between(occurred, self.now)
            follow_up = self._add_outreach(
                kind=kind, channel=None, user_id=owner or self._outreach_user(),
                occurred_at=occurred, first=first, last=last, email=email, phone=phone or mobile,
                country=country, response=response, responded_at=responded)
            self.outreach_links.append((follow_up, lead_index, None))

        if status == "Converted":
            self._convert(lead_index, moments[-1])
        self._lead_tasks(lead_index, status, moments, owner or self.manager_id, text_lang,
                         touched=outreach_index is not None or followed_up)
        if rng.random() < 0.12:
            self.notes.append({"team_id": self.team_id, "lead_id": lead_index, "contact_id": None,
                               "deal_id": None, "body": self._pick(NOTE_TEXT),
                               "author_id": owner or self.manager_id,
                               "created_at": self._between(created, self.now)})

    def _account(self, name: str, country: str, industry: str, owner: int | None,
                 created: datetime) -> int:
        key = name
        index = self.account_by_company.get(key)
        if index is None:
            domain = self.company_domains.get(name)
            city = self._pick(COUNTRIES[country][5])[0]
            self.accounts.append({
                "team_id": self.team_id, "name": name,
                "website": f"https://www.{domain}" if domain else "", "industry": industry,
                "phone": self._phone(country), "city": city, "country": COUNTRIES[country][0],
                "owner_id": owner, "created_at": created, "updated_at": created,
            })
            index = len(self.accounts) - 1
            self.account_by_company[key] = index
        return index

    def _convert(self, lead_index: int, converted_at: datetime) -> None:
        """A converted lead becomes a contact at an account, with one deal (sometimes two)."""
        rng = self.rng
        lead = self.leads[lead_index]
        country = self.lead_countries[lead_index]
        account_name = lead["company"] or f"{lead['first_name']} {lead['last_name']}"
        account = self._account(account_name, country, lead["industry"], lead["owner_id"], converted_at)
        contact = self._add_contact(
            first=lead["first_name"], last=lead["last_name"], email=lead["email"],
            phone=lead["phone"] or lead["mobile"], title=lead["title"], account=account,
            outreach=lead["outreach_id"], lead=lead_index, owner=lead["owner_id"],
            created=converted_at)
        if rng.random() < 0.7:
            name = f"{lead['first_name']} {lead['last_name']}"
            self._add_activity(ActivityType.MEETING, f"Reunión de arranque con {name}"[:200],
                               lead["owner_id"], lead=None, contact=contact, deal=None,
                               created=converted_at, planned=False)
        if lead["outreach_id"] is not None:
            self.outreach_links.append((lead["outreach_id"], lead_index, contact))
        for _ in range(2 if rng.random() < 0.15 else 1):
            base = lead["budget"] or self._money(2000, 80000)
            amount = (base * Decimal(str(round(rng.uniform(0.6, 1.3), 2)))).quantize(Decimal("0.01"))
            self._add_deal(name=f"{account_name} – {self._pick(PRODUCTS)}", amount=amount,
                           account=account, contact=contact, lead=lead_index,
                           outreach=lead["outreach_id"], owner=lead["owner_id"],
                           created=converted_at)

    def _add_contact(self, *, first, last, email, phone, title, account, outreach, lead,
                     owner, created) -> int:
        self.contacts.append({
            "team_id": self.team_id, "first_name": first, "last_name": last, "email": email,
            "phone": phone, "title": title, "account_id": account, "outreach_id": outreach,
            "lead_id": lead, "last_contacted_at": None, "owner_id": owner,
            "created_at": created, "updated_at": created,
        })
        return len(self.contacts) - 1

    def _prospect_contact(self, outreach_index: int, first: str, last: str, country: str,
                          when: datetime) -> None:
        """A positive reply added straight as a contact, sometimes with a deal of its own."""
        rng = self.rng
        company = self._company(country)
        outreach = self.outreach[outreach_index]
        owner = outreach["user_id"]
        account = self._account(company, country, self._pick(INDUSTRIES, INDUSTRY_WEIGHTS),
                                owner, when) if company else None
        email = outreach["email"] or self._email(first, last, company, country)
        contact = self._add_contact(
            first=first, last=last, email=email, phone=outreach["phone"] or self._phone(country),
            title=self._pick(TITLES["es" if country in ("ES", "MX", "CO", "AR") else "en"]),
            account=account, outreach=outreach_index, lead=None, owner=owner, created=when)
        self.outreach_links.append((outreach_index, None, contact))
        if rng.random() < 0.5:
            self._add_deal(name=f"{company or first + ' ' + last} – {self._pick(PRODUCTS)}",
                           amount=self._money(1500, 60000), account=account, contact=contact,
                           lead=None, outreach=outreach_index, owner=owner, created=when)

    def _add_deal(self, *, name, amount, account, contact, lead, outreach, owner, created) -> None:
        rng = self.rng
        stage = self._pick(DEAL_STAGES, DEAL_STAGE_WEIGHTS)
        today = self.now.date()
        if stage in ("Closed Won", "Closed Lost"):
            closed = self._between(created, min(self.now, created + timedelta(days=60)))
            close_date, updated = closed.date(), closed
        else:
            close_date = today + timedelta(days=rng.randint(-15, 120))
            updated = self._between(created, self.now)
        self.deals.append({
            "team_id": self.team_id, "name": name[:200], "amount": amount, "currency": "EUR",
            "stage": stage, "close_date": close_date, "probability": DEAL_PROBABILITY[stage],
            "account_id": account, "contact_id": contact, "lead_id": lead,
            "outreach_id": outreach, "owner_id": owner, "created_at": created,
            "updated_at": updated,
        })
        deal_index = len(self.deals) - 1
        if stage not in ("Closed Won", "Closed Lost") and rng.random() < 0.5:
            self._add_activity(ActivityType.TASK, f"Enviar propuesta: {name}"[:200], owner,
                               lead=None, contact=contact, deal=deal_index, created=created,
                               planned=True)
        if rng.random() < 0.3:
            self.notes.append({"team_id": self.team_id, "lead_id": None, "contact_id": contact,
                               "deal_id": deal_index, "body": self._pick(NOTE_TEXT),
                               "author_id": owner, "created_at": self._between(created, self.now)})

    # -- activities, campaigns --

    def _add_activity(self, kind: ActivityType, subject: str, owner: int | None, *, lead, contact,
                      deal, created: datetime, planned: bool, outreach: int | None = None) -> None:
        rng = self.rng
        if planned:
            due = self.now + timedelta(days=rng.uniform(-10, 21))  # some already overdue
            made = self._between(created, min(self.now, due))
            status, completed = ActivityStatus.PLANNED.value, None
            if rng.random() < 0.05:
                status = ActivityStatus.CANCELLED.value
        else:
            made = self._between(created, self.now)
            due = self._between(made, min(self.now, made + timedelta(days=7)))
            status, completed = ActivityStatus.COMPLETED.value, due
        self.activities.append({
            "team_id": self.team_id, "type": kind.value, "subject": subject, "description": "",
            "due_at": due, "status": status, "completed_at": completed, "owner_id": owner,
            "lead_id": lead, "contact_id": contact, "deal_id": deal, "outreach_id": outreach,
            "created_at": made,
        })

    def _lead_tasks(self, lead_index: int, status: str, moments: list[datetime], owner: int,
                    language: str, touched: bool) -> None:
        """Open to-dos on leads being worked, and a logged call on some (on every lead past
        New that no outreach touched, since someone did contact it)."""
        rng = self.rng
        lead = self.leads[lead_index]
        name = f"{lead['first_name']} {lead['last_name']}"
        if status in ("New", "Contacted", "Qualified") and rng.random() < 0.3:
            kind, subject = self._pick([
                (ActivityType.CALL, f"Llamar a {name}" if language == "es" else f"Call {name}"),
                (ActivityType.EMAIL, f"Enviar información a {name}" if language == "es"
                 else f"Send details to {name}"),
                (ActivityType.MEETING, f"Reunión con {name}" if language == "es" else f"Meeting with {name}"),
                (ActivityType.TASK, f"Preparar presupuesto para {name}" if language == "es"
                 else f"Prepare a quote for {name}"),
            ])
            self._add_activity(kind, subject[:200], owner, lead=lead_index, contact=None, deal=None,
                               created=moments[-1], planned=True)
        logged_call = rng.random() < 0.25
        if status != "New" and (logged_call or not touched):
            self._add_activity(ActivityType.CALL,
                               (f"Llamada de seguimiento con {name}" if language == "es"
                                else f"Follow-up call with {name}")[:200],
                               owner, lead=lead_index, contact=None, deal=None,
                               created=moments[1], planned=False, outreach=lead["outreach_id"])

    def _campaigns(self) -> list[dict[str, Any]]:
        rows = []
        today = self.now.date()
        for name, kind, start, end, status, budget in CAMPAIGNS:
            spent = budget * (1 if status == "Completed" else 0.4 if status == "Active" else 0)
            rows.append({
                "team_id": self.team_id, "name": name, "type": kind, "status": status,
                "budget": Decimal(budget).quantize(Decimal("0.01")),
                "actual_cost": Decimal(str(round(spent * self.rng.uniform(0.85, 1.1), 2))),
                "expected_revenue": Decimal(budget * self.rng.randint(4, 12)).quantize(Decimal("0.01")),
                "start_date": today + timedelta(days=start), "end_date": today + timedelta(days=end),
                "created_at": max(self.start, self.now + timedelta(days=min(start - 14, -1))),
            })
        return rows

    def _campaign_members(self, campaigns: list[dict[str, Any]]) -> None:
        rng = self.rng
        running = [i for i, c in enumerate(campaigns) if c["status"] != "Planned"]
        for lead_index, lead in enumerate(self.leads):
            if rng.random() >= 0.2:
                continue
            created = lead["created_at"]
            age = self.lead_ages[lead_index]
            open_to_lead = [i for i in running if CAMPAIGNS[i][3] >= -age]
            second = rng.random() < 0.15
            if not open_to_lead:
                continue
            picks = 2 if second and len(open_to_lead) > 1 else 1
            for index in rng.sample(open_to_lead, picks):
                campaign = campaigns[index]
                start = datetime.combine(campaign["start_date"], created.timetz())
                end = datetime.combine(campaign["end_date"], created.timetz())
                added = self._between(max(created, start), min(self.now, end))
                self.members.append({"team_id": self.team_id, "campaign_id": index,
                                     "lead_id": lead_index, "contact_id": None,
                                     "added_at": min(added, self.now)})

    # -- assembly --

    def build(self, lead_count: int) -> dict[str, int]:
        for _ in range(lead_count):
            self._lead()
        for _ in range(lead_count // 2):
            self._prospect_outreach()
        campaigns = self._campaigns()
        self._campaign_members(campaigns)
        self._set_positions()
        self._set_last_contacted()
        return self._insert(campaigns)

    def _set_positions(self) -> None:
        """Newest first in each status column, like the leads service puts a new card on top."""
        by_status: dict[str, list[dict[str, Any]]] = {}
        for lead in self.leads:
            by_status.setdefault(lead["status"], []).append(lead)
        for column in by_status.values():
            column.sort(key=lambda lead: lead["created_at"], reverse=True)
            for position, lead in enumerate(column):
                lead["position"] = float(position)

    def _set_last_contacted(self) -> None:
        """last_contacted_at is the latest touch (outreach, or a completed call, meeting or
        e-mail), the rule touches.py keeps for rows written through the ORM."""
        latest: dict[tuple[str, int], datetime] = {}

        def touch(kind: str, index: int | None, at: datetime) -> None:
            if index is not None and latest.get((kind, index), at) <= at:
                latest[(kind, index)] = at

        for outreach_index, lead_index, contact_index in self.outreach_links:
            at = self.outreach[outreach_index]["occurred_at"]
            touch("lead", lead_index, at)
            touch("contact", contact_index, at)
        for activity in self.activities:
            if activity["type"] in TOUCH_TYPES and activity["status"] == ActivityStatus.COMPLETED.value:
                touch("lead", activity["lead_id"], activity["completed_at"])
                touch("contact", activity["contact_id"], activity["completed_at"])
        for index, lead in enumerate(self.leads):
            lead["last_contacted_at"] = latest.get(("lead", index))
        for index, contact in enumerate(self.contacts):
            contact["last_contacted_at"] = latest.get(("contact", index))

    def _insert(self, campaigns: list[dict[str, Any]]) -> dict[str, int]:
        """Insert in foreign-key order with ids given up front; outreach points back at its
        lead and contact only once those exist (one bulk UPDATE closes the cycle)."""
        session = self.session
        tables = (Outreach, Lead, Account, Contact, Deal, Campaign)
        _lock_for_ids(session, tables)
        sqlite = session.get_bind().dialect.name == "sqlite"
        if sqlite:  # room for the indexes being built, instead of SQLite's 2 MB default
            session.execute(text("PRAGMA cache_size = -262144"))
        outreach_ids = _assign_ids(session, Outreach, self.outreach)
        lead_ids = _assign_ids(session, Lead, self.leads)
        account_ids = _assign_ids(session, Account, self.accounts)
        contact_ids = _assign_ids(session, Contact, self.contacts)
        deal_ids = _assign_ids(session, Deal, self.deals)
        campaign_ids = _assign_ids(session, Campaign, campaigns)
        _resolve(self.leads, outreach_id=outreach_ids)
        _resolve(self.contacts, account_id=account_ids, outreach_id=outreach_ids, lead_id=lead_ids)
        _resolve(self.deals, account_id=account_ids, contact_id=contact_ids, lead_id=lead_ids,
                 outreach_id=outreach_ids)
        _resolve(self.members, campaign_id=campaign_ids, lead_id=lead_ids)
        _resolve(self.history, lead_id=lead_ids)
        _resolve(self.activities, lead_id=lead_ids, contact_id=contact_ids, deal_id=deal_ids,
                 outreach_id=outreach_ids)
        _resolve(self.notes, lead_id=lead_ids, contact_id=contact_ids, deal_id=deal_ids)

        for model, rows in ((Outreach, self.outreach), (Lead, self.leads),
                            (Account, self.accounts), (Contact, self.contacts),
                            (Deal, self.deals), (Campaign, campaigns),
                            (CampaignMember, self.members), (LeadStatusHistory, self.history),
                            (Activity, self.activities), (Note, self.notes)):
            _bulk_insert(session, model, rows)
        links: dict[int, dict[str, Any]] = {}
        for outreach_index, lead_index, contact_index in self.outreach_links:
            link = links.setdefault(outreach_index, {"b_id": outreach_ids[outreach_index],
                                                     "b_lead": None, "b_contact": None})
            if lead_index is not None:
                link["b_lead"] = lead_ids[lead_index]
            if contact_index is not None:
                link["b_contact"] = contact_ids[contact_index]
        outreach_table = Outreach.__table__
        statement = (update(outreach_table).where(outreach_table.c.id == bindparam("b_id"))
                     .values(lead_id=bindparam("b_lead"), contact_id=bindparam("b_contact")))
        _in_batches(session, statement, list(links.values()))
        _advance_sequences(session, tables)
        if sqlite:
            session.execute(text("PRAGMA cache_size = -2000"))
        return {
            "leads": len(self.leads), "outreach": len(self.outreach),
            "accounts": len(self.accounts), "contacts": len(self.contacts),
            "deals": len(self.deals), "campaigns": len(campaigns),
            "campaign_members": len(self.members), "lead_status_history": len(self.history),
            "activities": len(self.activities), "notes": len(self.notes),
        }


def _resolve(rows: list[dict[str, Any]], **ids_by_column: range) -> None:
    """Swap list indexes for database ids in the named columns."""
    for column, ids in ids_by_column.items():
        for row in rows:
            index = row[column]
            if index is not None:
                row[column] = ids[index]


def _lock_for_ids(session: Session, models: tuple[type[SQLModel], ...]) -> None:
    """On PostgreSQL, keep other writers out of the tables whose ids we hand out ourselves
    (readers carry on); SQLite already holds its single write lock."""
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{model.__tablename__}"' for model in models)
        session.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def _assign_ids(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> range:
    """Give the rows the next free ids, so links can be set without a round trip per row."""
    table = model.__table__
    first = (session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    for offset, row in enumerate(rows):
        row["id"] = first + offset
    return range(first, first + len(rows))


def _advance_sequences(session: Session, models: tuple[type[SQLModel], ...]) -> None:
    """Move PostgreSQL's id sequences past the ids given by hand (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)"))


def _in_batches(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    connection = session.connection()
    for start in range(0, len(rows), BATCH_SIZE):
        connection.execute(statement, rows[start:start + BATCH_SIZE])


def _bulk_insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Core INSERT of many rows, a batch per statement execution."""
    _in_batches(session, insert(model.__table__), rows)
