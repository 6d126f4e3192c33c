"""Likely duplicate leads, and why each one matched: one matcher for forms, CSV import and the API.

Three signals, strongest first:

- the same e-mail once case and spaces are ignored ("Ana@X.com " = "ana@x.com");
- the same phone number in E.164 (phonenumbers), reading local numbers in the team's
  country, so "612 34 56 78", "0034 612 345 678" and "+34612345678" are one number; a
  lead's phone and mobile are both compared with both of the other's;
- a similar name at a similar company (rapidfuzz), after folding accents and case,
  transliterating other scripts (anyascii: "Мухаммед" = "mukhammed") and dropping legal
  suffixes ("Peña S.L." = "pena"): names compare word-order-free, a missing second surname
  or an initial ("J. Pérez") still matches; with no company on either side only a
  near-identical full name counts.

Names spelled differently for one sound — transliterations and written-out umlauts,
"Mohammed"/"Muhammad", "Yusuf"/"Youssef", "Müller"/"Mueller" — are the same word when their
Double Metaphone codes (the `doublemetaphone` library) agree and so do their consonants and
endings. Two words that are plainly different names are a veto, however alike the rest is:
"María"/"Mario" and "Juan"/"Juana" (another final vowel), "Carmen"/"Carmelo" or
"Lucía"/"Luisa" (two or more edits apart and not the same sound); a typo is one edit.

`DuplicateIndex` is built once for a team (or a batch of candidates) and then answers one
row at a time from dictionaries and C-speed fuzzy scoring, so a CSV import checks every row
without a query per row. `find_duplicates` checks one lead (a form) with a few indexed
queries for candidates and the same matcher. `duplicate_groups` clusters a whole team.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from functools import lru_cache

import numpy as np
import phonenumbers
from anyascii import anyascii
from doublemetaphone import doublemetaphone
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy import and_, or_
from sqlmodel import Session, select

from leadhub.services.context import TeamContext
from leadhub.services.models import Lead, Team

NAME_THRESHOLD = 90          # rapidfuzz score (0-100) for "the same person's name"
COMPANY_THRESHOLD = 88       # ... and for "the same company"
NAME_ONLY_THRESHOLD = 97     # no company on either side: names must be nearly identical
MAX_CANDIDATES = 2000        # per lookup in find_duplicates
SAME_COMPANY_CANDIDATES = 300  # a company with more leads is not searched for other spellings
PREFILTER = 70               # WRatio lower bound before the exact scorers (C-speed first pass)
COMMON_COMPANY_WORD = 300    # team-wide scan: a word in more company names than this is too generic
COMMON_WORD = 2000           # a company word in more leads than this is too generic to block on

LEGAL_SUFFIXES = {
    "sl", "slu", "sa", "sau", "sas", "sac", "srl", "sll", "scp", "sc", "cb", "inc", "incorporated",
    "llc", "llp", "lp", "ltd", "limited", "plc", "corp", "corporation", "co", "company", "gmbh",
    "ag", "kg", "bv", "nv", "oy", "ab", "as", "aps", "spa", "sarl", "pty", "pvt", "de", "cv",
    "ltda", "eirl", "the", "y", "cia", "and",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_COMPANY_PUNCT = re.compile(r"[.,;:'\"()&/\\\-]+")


def fold(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def email_key(raw: str | None) -> str:
    """The e-mail as compared: no spaces anywhere, lower case ('' when it is no e-mail)."""
    text = "".join((raw or "").split()).lower()
    return text if "@" in text.strip("@") else ""


def phone_key(raw: str | None, region: str = "US") -> str:
    """E.164 form of a number, local numbers read in `region`; '' when it is no number."""
    text = (raw or "").strip()
    if _E164.match(text):  # stored numbers are E.164 already: skip the parser
        return text
    if not text or sum(c.isdigit() for c in text) < 6:
        return ""
    try:
        number = phonenumbers.parse(text, (region or "US").upper())
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_key(first: str | None, last: str | None) -> str:
    """Folded full name in Latin letters, punctuation dropped: "  José-Luis  O'Neill" ->
    "jose luis o neill", "Straße" -> "strasse", "Мухаммед" -> "mukhammed"."""
    text = fold(f"{first or ''} {last or ''}")
    if not text.isascii():
        text = anyascii(text).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


_VOWELS = set("aeiouy")
_SILENT = set("aeiouyhw")


@lru_cache(maxsize=100_000)
def _sound(word: str) -> tuple[frozenset[str], str, str]:
    """(Double Metaphone codes, consonant skeleton, ending) of a folded word. The skeleton is
    the first letter (any vowel as "*") and the consonants after it, without h, w, y or a
    doubled letter: "muhammad" and "mohamed" -> "mmd", "youssef" -> "ysf"."""
    codes = frozenset(c for c in doublemetaphone(word) if c)
    head = "*" if word[0] in _VOWELS else word[0]
    tail = "".join(c for i, c in enumerate(word[1:], start=1) if c not in _SILENT and c != word[i - 1])
    end = word[-1]
    ending = "i" if end in "iy" else (end if end in _VOWELS else "consonant")
    return codes, head + tail, ending


def same_sounding(a: str, b: str) -> bool:
    """Two spellings of one name: "mohammed"/"muhammad", "yusuf"/"youssef", "muller"/"mueller"
    (not "maria"/"mario", "lucia"/"luisa", "smith"/"schmidt")."""
    if a == b:
        return True
    if len(a) < 3 or len(b) < 3 or not a.isalpha() or not b.isalpha():
        return False
    codes_a, skeleton_a, end_a = _sound(a)
    codes_b, skeleton_b, end_b = _sound(b)
    return bool(codes_a & codes_b) and skeleton_a == skeleton_b and end_a == end_b


@lru_cache(maxsize=100_000)
def _shapes(key: str) -> dict[tuple[str, str], frozenset[str]]:
    """A folded name's words by (consonant skeleton, ending), for `_respell`."""
    shapes: dict[tuple[str, str], set[str]] = {}
    for word in key.split():
        if len(word) >= 3 and word.isalpha():
            _codes, skeleton, ending = _sound(word)
            shapes.setdefault((skeleton, ending), set()).add(word)
    return {shape: frozenset(words) for shape, words in shapes.items()}


def _respell(a: str, b: str) -> str:
    """`a` with each word written as the word of `b` that sounds the same."""
    a_shapes, b_shapes = _shapes(a), _shapes(b)
    other = {shape: b_shapes[shape] - words for shape, words in a_shapes.items()
             if shape in b_shapes and b_shapes[shape] - words}
    if not other:
        return a
    out = []
    for word in a.split():
        if len(word) >= 3 and word.isalpha():
            codes, skeleton, ending = _sound(word)
            spellings = other.get((skeleton, ending), ())
            word = next((w for w in sorted(spellings) if codes & _sound(w)[0]), word)
        out.append(word)
    return " ".join(out)


def _gendered(a: str, b: str) -> bool:
    """"maria"/"mario", "juan"/"juana", "luis"/"luisa": one name's other-gender form."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) == len(a) + 1:
        return b == a + "a" and a[-1] not in _VOWELS  # "garci" is "garcia" cut short
    return len(a) == len(b) and a[:-1] == b[:-1] and {a[-1], b[-1]} == {"a", "o"}


def _within(short: str, long: str) -> bool:
    """`short` is `long` with letters left out."""
    letters = iter(long)
    return len(short) < len(long) and all(c in letters for c in short)


def names_conflict(a: str, b: str) -> bool:
    """True when a word of one name is plainly another name than its closest word in the other:
    another gender's form, or two or more edits apart without sounding the same. A word
    with nothing like it on the other side (a missing second surname) is no conflict."""
    a_words, b_words = set(a.split()), set(b.split())
    for word in a_words - b_words:
        if len(word) < 3:
            continue
        close = [w for w in b_words - a_words if len(w) >= 3 and fuzz.ratio(word, w) >= 50]
        if not close:
            continue
        nearest = max(close, key=lambda w: (fuzz.ratio(word, w), w))
        if _gendered(word, nearest):
            return True
        if _within(word, nearest) or _within(nearest, word) or same_sounding(word, nearest):
            continue  # letters left out ("ibrhm"), words run together ("walkeryusuf"), or one name two ways
        if DamerauLevenshtein.distance(word, nearest) >= 2:
            return True
    return False


def company_key(company: str | None) -> str:
    """Folded company without punctuation or legal form: "Peña y Cía, S.L." -> "pena"."""
    text = _COMPANY_PUNCT.sub(" ", fold(company))
    # "s.l." became "s l": join single letters back before dropping legal suffixes
    words: list[str] = []
    for word in _NON_WORD.sub(" ", text).split():
        if len(word) == 1 and words and len(words[-1]) <= 2 and words[-1].isalpha() and word.isalpha() \
                and (words[-1] + word) in LEGAL_SUFFIXES | {"s", "sl", "sa"}:
            words[-1] += word
        else:
            words.append(word)
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    return " ".join(kept or words)


def _has_initial(text: str) -> bool:
    return any(len(w) == 1 for w in text.split())


def _expand_initials(a: str, b: str) -> str:
    """`a` with each one-letter word replaced by the word of `b` it abbreviates."""
    b_words = b.split()
    out = []
    for word in a.split():
        if len(word) == 1:
            match = next((w for w in b_words if w.startswith(word) and len(w) > 1), None)
            out.append(match or word)
        else:
            out.append(word)
    return " ".join(out)


def name_score(a: str, b: str) -> float:
    """How alike two folded names are (0-100): word order, a missing word, initials and other
    spellings of one name forgiven; names with a plainly different word score below the
    threshold."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    score = _forgiving_score(a, b)
    if score < NAME_THRESHOLD:  # perhaps other spellings of the same words
        respelled = _respell(b, a)
        if respelled == a:
            return 99.0
        if respelled != b:
            b, score = respelled, max(score, _forgiving_score(a, respelled))
    if score >= NAME_THRESHOLD and names_conflict(a, b):
        return float(min(score, NAME_THRESHOLD - 1))
    return score


def _forgiving_score(a: str, b: str) -> float:
    score = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))  # "martinezhernandez" too
    if min(len(set(a.split())), len(set(b.split()))) >= 2:  # "martin martin" is one word
        score = max(score, fuzz.token_set_ratio(a, b))
    if score < NAME_THRESHOLD and (" " in a and " " in b) and _has_initial(a + " " + b):
        a2, b2 = _expand_initials(a, b), _expand_initials(b, a)
        if (a2, b2) != (a, b):
            score = max(score, fuzz.token_sort_ratio(a2, b2),
                        fuzz.token_set_ratio(a2, b2) if min(len(set(a2.split())), len(set(b2.split()))) >= 2 else 0)
    return float(score)


def company_score(a: str, b: str) -> float:
    """How alike two company keys are: typos and word order, but "acme" is not "acme software"."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    return float(max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)))


@dataclass(frozen=True)
class Match:
    """A likely duplicate and the reasons it matched (strongest first)."""

    lead_id: int
    name: str
    company: str
    email: str
    phone: str
    reasons: tuple[str, ...]
    kinds: tuple[str, ...]          # "email", "phone", "name_company", "name"
    score: int                      # 100 for e-mail/phone, else the fuzzy score

    @property
    def reason_text(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class _Entry:
    lead_id: int
    name: str
    company: str
    email: str
    phone: str
    name_key: str
    company_key: str
    email_key: str
    phone_keys: tuple[str, ...]


@dataclass
class DuplicateIndex:
    """Leads of one team in lookup tables; build once, then `find` per row (imports)."""

    region: str = "US"
    entries: dict[int, _Entry] = field(default_factory=dict)
    by_email: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_phone: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_company: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_company_word: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_name_word: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    no_company: set[int] = field(default_factory=set)

    @classmethod
    def for_team(cls, *, session: Session, ctx: TeamContext, names: bool = True) -> "DuplicateIndex":
        """Every lead of the caller's team, read in one streamed query. `names=False` indexes
        e-mails and phones only (no fuzzy name matching; matches carry no name), for a caller
        that matches on those alone, e.g. an import whose every row has one."""
        team = session.get(Team, ctx.team_id)
        index = cls(region=(team.country if team else "US") or "US")
        if not names:
            statement = (select(Lead.id, Lead.email, Lead.phone, Lead.mobile)
                         .where(Lead.team_id == ctx.team_id).execution_options(yield_per=5000))
            for lead_id, email, phone, mobile in session.exec(statement):
                index.add(lead_id, None, None, None, email, phone, mobile)
            return index
        statement = (select(Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.email,
                            Lead.phone, Lead.mobile)
                     .where(Lead.team_id == ctx.team_id)
                     .execution_options(yield_per=5000))
        for row in session.exec(statement):
            index.add(*row)
        return index

    def add(self, lead_id: int, first_name: str | None, last_name: str | None, company: str | None,
            email: str | None, phone: str | None, mobile: str | None = None) -> None:
        """Index one lead (an import adds each row it creates, so later rows see it)."""
        if lead_id in self.entries:
            self.remove(lead_id)
        phones = tuple(dict.fromkeys(k for k in (phone_key(phone, self.region),
                                                 phone_key(mobile, self.region)) if k))
        entry = _Entry(lead_id=lead_id, name=f"{first_name or ''} {last_name or ''}".strip(),
                       company=company or "", email=email or "", phone=phone or mobile or "",
                       name_key=name_key(first_name, last_name), company_key=company_key(company),
                       email_key=email_key(email), phone_keys=phones)
        self.entries[lead_id] = entry
        for table, key in self._buckets(entry):
            table[key].add(lead_id)
        if not entry.company_key:
            self.no_company.add(lead_id)

    def _buckets(self, entry: _Entry):
        if entry.email_key:
            yield self.by_email, entry.email_key
        for key in entry.phone_keys:
            yield self.by_phone, key
        if entry.company_key:
            yield self.by_company, entry.company_key
        for word in _words(entry.company_key):
            yield self.by_company_word, word
        for word in _words(entry.name_key):
            yield self.by_name_word, word

    def remove(self, lead_id: int) -> None:
        entry = self.entries.pop(lead_id, None)
        if entry is None:
            return
        for table, key in self._buckets(entry):
            table.get(key, set()).discard(lead_id)
        self.no_company.discard(lead_id)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, *, first_name: str | None = "", last_name: str | None = "", company: str | None = "",
             email: str | None = "", phone: str | None = "", mobile: str | None = "",
             exclude: Iterable[int] = (), limit: int = 10) -> list[Match]:
        """Leads that look like this one, strongest first, each with its reasons."""
        phones = tuple(dict.fromkeys(k for k in (phone_key(phone, self.region),
                                                 phone_key(mobile, self.region)) if k))
        return self._collect(email_key(email), phones, name_key(first_name, last_name),
                             company_key(company), set(exclude), limit)

    def first_contact_matches(self, rows: Iterable[tuple[str | None, str | None, str | None]]) -> list[int | None]:
        """Batch form of `find(email=, phone=, mobile=, limit=1)` for many rows: per (e-mail,
        phone, mobile), the id of the lead `find` would put first on e-mail and phones alone
        (one matching both before one matching either, then the lowest id), None when no
        lead shares one. No Match objects are built, so a large import checks every row fast."""
        by_email, by_phone, region = self.by_email, self.by_phone, self.region
        out: list[int | None] = []
        for email, phone, mobile in rows:
            e_key = email_key(email)
            on_email = by_email.get(e_key, _EMPTY) if e_key else _EMPTY
            p_key, m_key = phone_key(phone, region), phone_key(mobile, region)
            on_phone = by_phone.get(p_key, _EMPTY) if p_key else _EMPTY
            if m_key and m_key != p_key:
                on_phone = on_phone | by_phone.get(m_key, _EMPTY)
            if not on_email and not on_phone:
                out.append(None)
                continue
            both = on_email & on_phone
            out.append(min(both) if both else min(on_email | on_phone))
        return out

    def matches_of(self, lead_id: int, limit: int = 50) -> list[Match]:
        """Matches of an indexed lead among the others (keys already computed)."""
        entry = self.entries[lead_id]
        return self._collect(entry.email_key, entry.phone_keys, entry.name_key, entry.company_key,
                             {lead_id}, limit)

    def _collect(self, e_key: str, p_keys: tuple[str, ...], n_key: str, c_key: str,
                 skip: set[int], limit: int) -> list[Match]:
        reasons: dict[int, list[tuple[str, str]]] = defaultdict(list)
        scores: dict[int, float] = defaultdict(float)
        if e_key:
            for lead_id in self.by_email.get(e_key, ()):
                reasons[lead_id].append(("email", f"Same e-mail: {e_key}"))
                scores[lead_id] = 100
        for p_key in p_keys:
            for lead_id in self.by_phone.get(p_key, ()):
                if not any(kind == "phone" for kind, _ in reasons[lead_id]):
                    reasons[lead_id].append(("phone", f"Same phone: {p_key}"))
                scores[lead_id] = 100
        if n_key:
            for lead_id, kind, text, score in self._fuzzy(n_key, c_key):
                reasons[lead_id].append((kind, text))
                scores[lead_id] = max(scores[lead_id], score)
        matches = []
        for lead_id, found in reasons.items():
            if lead_id in skip or not found:
                continue
            entry = self.entries[lead_id]
            matches.append(Match(lead_id=lead_id, name=entry.name, company=entry.company,
                                 email=entry.email, phone=entry.phone,
                                 reasons=tuple(text for _, text in found),
                                 kinds=tuple(kind for kind, _ in found), score=round(scores[lead_id])))
        matches.sort(key=lambda m: (-len(m.kinds), -m.score, m.lead_id))
        return matches[:limit]

    def _fuzzy(self, n_key: str, c_key: str):
        """Leads with a similar name at a similar company (or, with no company on either
        side, a near-identical name). Candidates share a name word and a company word (or
        the whole company), so a common surname never means scoring the whole team."""
        name_buckets = [self.by_name_word.get(w, _EMPTY) for w in _words(n_key)]
        if c_key:
            # a similar name shares a word with it ("j perez" / "jose perez garcia"); at the same
            # company, or one sharing the company's rarest word ("acme", never "software")
            companies = [self.by_company.get(c_key, _EMPTY)]
            words = sorted((self.by_company_word.get(w, _EMPTY) for w in _words(c_key)), key=len)
            companies += [b for b in words[:2] if len(b) <= COMMON_WORD] or words[:1]
            candidates: set[int] = set()
            for names in name_buckets:
                for bucket in companies:
                    candidates |= names & bucket
            # ... or, at the same company, a name word that sounds the same ("muhammad")
            colleagues = self.by_company.get(c_key, _EMPTY)
            if len(colleagues) <= SAME_COMPANY_CANDIDATES:
                codes = _sounds(n_key)
                candidates |= {i for i in colleagues if codes & _sounds(self.entries[i].name_key)}
        elif len(name_buckets) >= 2:
            candidates = set.intersection(self.no_company, *name_buckets)
        else:
            return
        if not candidates:
            return
        ids = list(candidates)
        if len(ids) > 200:  # C-speed first pass before the forgiving scorer
            keys = [self.entries[i].name_key for i in ids]
            ids = [ids[pos] for _, _, pos in process.extract(
                n_key, keys, scorer=fuzz.WRatio, score_cutoff=PREFILTER, limit=None)]
        for lead_id in ids:
            entry = self.entries[lead_id]
            score = name_score(n_key, entry.name_key)
            if score < NAME_THRESHOLD:
                continue
            if c_key and entry.company_key:
                c_score = company_score(c_key, entry.company_key)
                if c_score >= COMPANY_THRESHOLD:
                    yield (entry.lead_id, "name_company",
                           f"Similar name and company: {entry.name} at {entry.company} "
                           f"({round(min(score, c_score))}%)", min(score, c_score))
            elif not c_key and not entry.company_key:
                whole = max(fuzz.ratio(n_key, entry.name_key), fuzz.token_sort_ratio(n_key, entry.name_key))
                if whole >= NAME_ONLY_THRESHOLD:
                    yield (entry.lead_id, "name", f"Same name, no company: {entry.name} ({round(whole)}%)",
                           whole - 10)


_EMPTY: frozenset[int] = frozenset()


def _words(key: str) -> set[str]:
    return {w for w in key.split() if len(w) >= 2}


@lru_cache(maxsize=100_000)
def _sounds(key: str) -> frozenset[str]:
    """The Double Metaphone codes of a name's words, so other spellings meet."""
    codes: set[str] = set()
    for word in key.split():
        if len(word) >= 3 and word.isalpha():
            codes |= _sound(word)[0]
    return frozenset(codes)


def _region(session: Session, ctx: TeamContext) -> str:
    team = session.get(Team, ctx.team_id)
    return (team.country if team else "US") or "US"


def _like(word: str):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Lead.search_text.like(f"%{escaped}%", escape="\\")


def find_duplicates(*, session: Session, ctx: TeamContext, data: dict[str, Any],
                    exclude_lead_id: int | None = None, limit: int = 10) -> list[Match]:
    """Likely duplicates of one lead (form input, an API body or a stored lead's values).

    Candidates come from indexed queries: the same e-mail, the same phone or mobile, and
    leads whose search text holds the longest word of the name and (with a company) the
    longest word of the company; the matcher then decides."""
    region = _region(session, ctx)
    index = DuplicateIndex(region=region)
    columns = (Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.email, Lead.phone, Lead.mobile)
    scope = [Lead.team_id == ctx.team_id]
    if exclude_lead_id:
        scope.append(Lead.id != exclude_lead_id)
    queries = []
    e_key = email_key(data.get("email"))
    if e_key:
        queries.append(select(*columns).where(*scope, Lead.email == e_key))
    phones = [k for k in (phone_key(data.get("phone"), region), phone_key(data.get("mobile"), region)) if k]
    if phones:
        queries.append(select(*columns).where(*scope, Lead.phone.in_(phones)))
        queries.append(select(*columns).where(*scope, Lead.mobile.in_(phones)))
    name_words = sorted((w for w in name_key(data.get("first_name"), data.get("last_name")).split()
                         if len(w) >= 3), key=len, reverse=True)
    company_words = sorted(company_key(data.get("company")).split(), key=len, reverse=True)
    if name_words:
        # a company word (any of three, for typos) with the name's longest word, else two name
        # words; ids only, so the scan stays on the covering search index
        if company_words:
            # ... or anyone at the same company, whatever the spelling of their name ("Youssef
            # Mueller" has no word of "Yusuf Müller"): the matcher decides who sounds alike.
            # One scan of the search index for both.
            condition = or_(and_(_like(name_words[0]), or_(*(_like(w) for w in company_words[:3]))),
                            and_(*(_like(w) for w in company_words[:2])))
        else:
            condition = and_(*(_like(w) for w in name_words[:2]))
        ids = session.exec(select(Lead.id).where(*scope, condition).limit(MAX_CANDIDATES)).all()
        if ids:
            queries.append(select(*columns).where(Lead.team_id == ctx.team_id, Lead.id.in_(ids)))
    for statement in queries:
        for row in session.exec(statement):
            if row[0] not in index.entries:
                index.add(*row)
    return index.find(first_name=data.get("first_name"), last_name=data.get("last_name"),
                      company=data.get("company"), email=data.get("email"), phone=data.get("phone"),
                      mobile=data.get("mobile"), exclude=[exclude_lead_id] if exclude_lead_id else [],
                      limit=limit)


def duplicates_of_lead(*, session: Session, ctx: TeamContext, lead_id: int, limit: int = 10) -> list[Match]:
    """Likely duplicates of a stored lead."""
    from leadhub.services.leads import get_lead
    lead = get_lead(session=session, ctx=ctx, lead_id=lead_id)
    data = {k: getattr(lead, k) for k in ("first_name", "last_name", "company", "email", "phone", "mobile")}
    return find_duplicates(session=session, ctx=ctx, data=data, exclude_lead_id=lead.id, limit=limit)


@dataclass(frozen=True)
class DuplicateGroup:
    """Leads that match one another (directly or through each other), newest first."""

    lead_ids: tuple[int, ...]
    members: tuple[dict[str, Any], ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GroupPage:
    groups: list[DuplicateGroup]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _pairs_within(keys: list[str], cutoff: float) -> list[tuple[int, int, float]]:
    """(i, j, score) of alike keys in one block, scored in C by rapidfuzz (i < j)."""
    if len(keys) < 2:
        return []
    matrix = process.cdist(keys, keys, scorer=fuzz.WRatio, score_cutoff=cutoff, dtype=np.uint8, workers=-1)
    rows, cols = np.nonzero(np.triu(matrix, k=1))
    return [(int(i), int(j), float(matrix[i, j])) for i, j in zip(rows, cols)]


def team_duplicate_pairs(index: DuplicateIndex) -> dict[tuple[int, int], list[str]]:
    """Every matching pair of an indexed team with its reasons, without a lookup per lead:
    e-mail and phone buckets, names compared within each company (and between companies
    whose keys are alike), and identical names among leads without a company."""
    edges: dict[tuple[int, int], list[str]] = defaultdict(list)

    def link(a: int, b: int, reason: str) -> None:
        pair = (a, b) if a < b else (b, a)
        if reason not in edges[pair]:
            edges[pair].append(reason)

    for label, table in (("Same e-mail", index.by_email), ("Same phone", index.by_phone)):
        for key, ids in table.items():
            if len(ids) > 1:
                members = sorted(ids)
                for i, a in enumerate(members):
                    for b in members[i + 1:]:
                        link(a, b, f"{label}: {key}")
    entries = index.entries

    def compare(left: list[int], right: list[int] | None = None) -> None:
        if right is None:
            keys = [entries[i].name_key for i in left]
            found = [(left[i], left[j]) for i, j, _ in _pairs_within(keys, PREFILTER)]
        else:
            matrix = process.cdist([entries[i].name_key for i in left], [entries[i].name_key for i in right],
                                   scorer=fuzz.WRatio, score_cutoff=PREFILTER, dtype=np.uint8, workers=-1)
            found = [(left[int(i)], right[int(j)]) for i, j in zip(*np.nonzero(matrix))]
        for a, b in found:
            ea, eb = entries[a], entries[b]
            n_score = name_score(ea.name_key, eb.name_key)
            if n_score < NAME_THRESHOLD:
                continue
            c_score = company_score(ea.company_key, eb.company_key)
            if c_score >= COMPANY_THRESHOLD:
                link(a, b, f"Similar name and company: {eb.name} at {eb.company} ({round(min(n_score, c_score))}%)")

    for key, ids in index.by_company.items():
        compare(sorted(ids))
    # companies spelled slightly differently: compare the keys that share one of their two
    # rarest words ("acme" in "acme software" / "acme sofware"; never every key with "software")
    keys_with_word: dict[str, int] = defaultdict(int)
    for key in index.by_company:
        for word in _words(key):
            keys_with_word[word] += 1
    companies_by_word: dict[str, list[str]] = defaultdict(list)
    for key in index.by_company:
        words = sorted(_words(key), key=lambda w: (keys_with_word[w], w))
        for word in [w for w in words[:2] if keys_with_word[w] <= COMMON_COMPANY_WORD] or words[:1]:
            companies_by_word[word].append(key)
    seen: set[tuple[str, str]] = set()
    for word, keys in companies_by_word.items():
        if len(keys) < 2 or len(keys) > 5000:
            continue
        matrix = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=COMPANY_THRESHOLD,
                               dtype=np.uint8, workers=-1)
        for i, j in zip(*np.nonzero(np.triu(matrix, k=1))):
            pair = tuple(sorted((keys[int(i)], keys[int(j)])))
            if pair not in seen:
                seen.add(pair)
                compare(sorted(index.by_company[pair[0]]), sorted(index.by_company[pair[1]]))
    # no company on either side: a near-identical full name, within blocks of the two rarest
    # name words (a typo in one still leaves the other)
    by_word: dict[str, list[int]] = defaultdict(list)
    for lead_id in index.no_company:
        words = _words(entries[lead_id].name_key)
        if len(entries[lead_id].name_key.split()) >= 2 and words:
            for word in sorted(words, key=lambda w: (len(index.by_name_word.get(w, _EMPTY)), w))[:2]:
                by_word[word].append(lead_id)
    for ids in by_word.values():
        members = sorted(ids)
        if len(members) < 2:
            continue
        keys = [entries[i].name_key for i in members]
        matrix = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=NAME_ONLY_THRESHOLD - 5,
                               dtype=np.uint8, workers=-1)
        sorted_keys = [" ".join(sorted(k.split())) for k in keys]
        same_words: dict[str, list[int]] = defaultdict(list)
        for pos, key in enumerate(sorted_keys):
            same_words[key].append(pos)
        candidates = {(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(matrix, k=1)))}
        candidates |= {(p, q) for group in same_words.values() for n, p in enumerate(group) for q in group[n + 1:]}
        for i, j in candidates:
            a, b = members[i], members[j]
            whole = max(fuzz.ratio(keys[i], keys[j]), fuzz.token_sort_ratio(keys[i], keys[j]))
            if whole >= NAME_ONLY_THRESHOLD and not names_conflict(keys[i], keys[j]):
                link(a, b, f"Same name, no company: {entries[b].name}")
    return edges


def duplicate_groups(*, session: Session, ctx: TeamContext, page: int = 1, page_size: int = 20,
                     index: DuplicateIndex | None = None) -> GroupPage:
    """All duplicate groups of the team, largest first; one page of them with member details."""
    index = index or DuplicateIndex.for_team(session=session, ctx=ctx)
    edges = team_duplicate_pairs(index)
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    clusters: dict[int, list[int]] = defaultdict(list)
    for lead_id in parent:
        clusters[root(lead_id)].append(lead_id)
    reasons_of: dict[int, dict[str, None]] = defaultdict(dict)
    for (a, _b), texts in edges.items():
        for text in texts:
            reasons_of[root(a)][text] = None
    ordered = sorted((sorted(ids, reverse=True) for ids in clusters.values() if len(ids) > 1),
                     key=lambda ids: (-len(ids), -ids[0]))
    page_size = max(1, min(page_size, 100_000))
    pages = max(1, -(-len(ordered) // page_size))
    page = max(1, min(page, pages))
    chosen = ordered[(page - 1) * page_size: page * page_size]
    wanted = {i for ids in chosen for i in ids}
    details: dict[int, dict[str, Any]] = {}
    from leadhub.services.models import User
    for start in range(0, len(wanted), 900):
        chunk = list(wanted)[start:start + 900]
        rows = session.exec(select(Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.email,
                                   Lead.phone, Lead.mobile, Lead.status, Lead.created_at, User.full_name)
                            .outerjoin(User, User.id == Lead.owner_id)
                            .where(Lead.team_id == ctx.team_id, Lead.id.in_(chunk))).all()
        for lead_id, first, last, company, email, phone, mobile, status, created_at, owner in rows:
            details[lead_id] = {"id": lead_id, "name": f"{first} {last}".strip(), "company": company,
                                "email": email, "phone": phone, "mobile": mobile, "status": status,
                                "owner": owner or "", "created_at": created_at}
    groups = []
    for ids in chosen:
        members = tuple(details[i] for i in ids if i in details)
        reasons = tuple(reasons_of[root(ids[0])])
        groups.append(DuplicateGroup(lead_ids=tuple(m["id"] for m in members), members=members,
                                     reasons=reasons))
    return GroupPage(groups=groups, total=len(ordered), page=page, page_size=page_size)
