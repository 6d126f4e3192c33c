"""Duplicate matching at team scale: what a CSV import and the Duplicates page cost.

    .venv/bin/python bench/dedupe.py --leads 100000

Builds a synthetic team in memory (names from a small Spanish/English/Arabic/German
vocabulary, companies that share generic words such as "Software", 2% planted duplicates
with typos, other case/spacing in e-mails, local phone formats, or a transliterated name —
"Mohammed"/"Muhammad", "Müller"/"Mueller" — and, as a check on precision, planted near-misses:
another person at the same company whose name differs by little, "María"/"Mario"), then times:

- `DuplicateIndex` build for the team (once per import);
- 1,000 rows checked against it (the import's per-row cost);
- the whole team's duplicate groups, blocked pairwise scoring (`team_duplicate_pairs`)
  beside the baseline of one index lookup per lead (measured on a sample, extrapolated);
- recall on the planted duplicates (and on each kind), and how many near-misses matched
  (each one a false duplicate).
"""

from __future__ import annotations

import argparse
import random
import time

from leadhub.services.dedupe import DuplicateIndex, team_duplicate_pairs

FIRST = ["Ana", "Luis", "María", "José", "Carmen", "Juan", "Lucía", "Pedro", "Elena", "Pablo", "Laura",
         "Diego", "Sara", "Jorge", "Marta", "Raúl", "Paula", "Hugo", "Irene", "Iván", "Emma", "Oliver",
         "Noah", "Olivia", "Liam", "Sophie", "Jack", "Mia", "Lucas", "Chloe"]
LAST = ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
        "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Smith", "Jones",
        "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans", "Thomas", "Roberts", "Walker"]
KINDS = ["Software", "Consulting", "Logistics", "Retail", "Media", "Labs", "Group", "Digital", "Foods"]
SUFFIXES = ["SL", "S.L.", "SA", "Ltd", "Inc.", ""]
# spellings of one name (transliterations, umlauts written out, accents dropped)
VARIANTS = [["Mohammed", "Muhammad", "Mohamed", "Mohammad"], ["Yusuf", "Youssef", "Yousef"],
            ["José", "Jose"], ["Ahmed", "Ahmad"], ["Hussein", "Husain", "Hossein"], ["Ibrahim", "Ebrahim"],
            ["Abdullah", "Abdallah"], ["Müller", "Mueller", "Muller"], ["Schröder", "Schroeder"],
            ["Sergei", "Sergey"], ["Olga", "Olga"]]
# different people whose names differ by little (a match between them is a false duplicate)
NEAR_MISSES = [("María", "Mario"), ("Juan", "Juana"), ("Mehmet", "Mohammed"), ("Lucía", "Luisa"),
               ("Paula", "Pablo"), ("Carmen", "Carmelo"), ("Pedro", "Pablo"), ("Ana", "Juan")]
FIRST += [v[0] for v in VARIANTS[:7]] + ["Mehmet", "Luisa", "Juana", "Mario", "Carmelo", "Sergei"]
LAST += ["Müller", "Schröder", "Abdullah", "Hussein", "Ibrahim", "Yusuf"]
_SPELLINGS = {name: group for group in VARIANTS for name in group}


def respell(text: str, rng: random.Random) -> str:
    """Each word that has other spellings written one of those ways (at least one changes)."""
    words = text.split()
    spellable = [i for i, w in enumerate(words) if len(set(_SPELLINGS.get(w, [w]))) > 1]
    if not spellable:
        return ""
    must = rng.choice(spellable)
    out = []
    for i, word in enumerate(words):
        group = _SPELLINGS.get(word, [word])
        if i == must:
            out.append(rng.choice([w for w in group if w != word]))
        else:
            out.append(rng.choice(group) if i in spellable and rng.random() < 0.5 else word)
    return " ".join(out)


def typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1:]


def build(n: int, seed: int = 7):
    rng = random.Random(seed)
    rows, planted, near = [], [], []
    for i in range(n):
        if rows and rng.random() < 0.02:
            lead_id, first, last, company, email, phone = rng.choice(rows)
            variant = rng.choice(("email", "phone", "name", "translit"))
            if variant == "translit":
                full = respell(f"{first} {last}", rng)
                if not full or not company:  # no spelling to vary (or no company): a typo instead
                    variant = "name"
                else:
                    first, last = full.split(" ", 1)
                    email, phone = "", ""
            if variant == "email":
                email = f"  {email.upper()} "
                first, last, company, phone = rng.choice(FIRST), rng.choice(LAST), "", ""
            elif variant == "phone":
                phone = "0034 " + phone[3:6] + " " + phone[6:]
                first, last, company, email = rng.choice(FIRST), rng.choice(LAST), "", ""
            elif variant == "name":
                last, company, email, phone = typo(last, rng), company.upper(), "", ""
            rows.append((i, first, last, company, email, phone))
            planted.append((lead_id, i, variant))
            continue
        if rows and rng.random() < 0.01:  # someone else at the same company, a name apart
            lead_id, first, last, company, _email, _phone = rng.choice(rows)
            pair = next((p for p in NEAR_MISSES if first in p), None)
            if company and pair:
                other = pair[1] if first == pair[0] else pair[0]
                rows.append((i, other, last, company, f"user{i}@example{i % 97}.com", f"+346{rng.randrange(10**8):08d}"))
                near.append((lead_id, i))
                continue
        company = f"Brand{rng.randrange(2000)} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}".strip() \
            if rng.random() < 0.85 else ""
        rows.append((i, rng.choice(FIRST), f"{rng.choice(LAST)} {rng.choice(LAST)}", company,
                     f"user{i}@example{i % 97}.com", f"+346{rng.randrange(10**8):08d}"))
    return rows, planted, near


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    args = parser.parse_args()
    rows, planted, near = build(args.leads)

    started = time.perf_counter()
    index = DuplicateIndex(region="ES")
    for lead_id, first, last, company, email, phone in rows:
        index.add(lead_id, first, last, company, email, phone, "")
    built = time.perf_counter() - started

    rng = random.Random(1)
    sample = [rng.choice(rows) for _ in range(1000)]
    started = time.perf_counter()
    for lead_id, first, last, company, email, phone in sample:
        index.find(first_name=first, last_name=last, company=company, email=email, phone=phone,
                   exclude=[lead_id])
    per_thousand = time.perf_counter() - started

    started = time.perf_counter()
    pairs = team_duplicate_pairs(index)
    blocked = time.perf_counter() - started
    started = time.perf_counter()
    for lead_id, *_ in sample:
        index.matches_of(lead_id)
    baseline = (time.perf_counter() - started) / len(sample) * len(rows)

    def paired(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in pairs

    found = sum(1 for a, b, _ in planted if paired(a, b))
    missed = [(rows[a], rows[b]) for a, b, _ in planted if not paired(a, b)]
    print(f"leads: {len(rows):,}   planted duplicates: {len(planted):,}   planted near-misses: {len(near):,}")
    print(f"index build:            {built:7.2f} s")
    print(f"1,000 rows checked:     {per_thousand:7.3f} s   (an import of {len(rows):,} rows: "
          f"~{per_thousand * len(rows) / 1000:.0f} s of matching)")
    print(f"team groups, blocked:   {blocked:7.2f} s   ({len(pairs):,} pairs)")
    print(f"baseline, one lookup per lead (extrapolated): {baseline:7.1f} s")
    print(f"recall on planted duplicates: {found / max(1, len(planted)):.1%}")
    for kind in ("email", "phone", "name", "translit"):
        of_kind = [(a, b) for a, b, k in planted if k == kind]
        hits = sum(1 for a, b in of_kind if paired(a, b))
        print(f"  {kind:9} {hits:5,} / {len(of_kind):5,}  {hits / max(1, len(of_kind)):.1%}")
    false = [(rows[a], rows[b]) for a, b in near if paired(a, b)]
    print(f"near-misses matched (false duplicates): {len(false)} / {len(near)}")
    for original, twin in missed[:5]:
        print("  missed:", original[1:4], "<->", twin[1:4])
    for original, twin in false[:5]:
        print("  false:", original[1:4], "<->", twin[1:4])


if __name__ == "__main__":
    main()
