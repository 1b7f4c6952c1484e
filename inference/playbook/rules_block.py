"""The structured rules block, which overrides what was extracted from prose.

Written as a fenced block tagged `parley-rules` or as front matter (`---` lines at the top of a
Markdown file), one `key: value` a line; lists as `[a, b]`, `a, b` or `- a` lines below the key:

    max_discount: 10%            # or 八折, or "none" to drop the extracted cap
    price_floor: $35             # or 220元; may be repeated (one per currency)
    certifications_not_held: [HIPAA, FedRAMP]
    certifications_held: [ISO 27001]
    competitors: [Acme, Globex]  # names not to disparage
    roadmap_promises: forbidden  # or allowed
    forbidden_claims: [unlimited storage]

A key that is present replaces every extracted rule of its kind.
"""

from __future__ import annotations

import re

from inference.errors import PlaybookError
from inference.playbook.loader import RulesBlock
from inference.playbook.model import Rule
from inference.playbook.numbers import find_discounts, find_money
from inference.playbook.rules import cert_key

KEYS = (
    "max_discount",
    "price_floor",
    "certifications_not_held",
    "certifications_held",
    "competitors",
    "roadmap_promises",
    "forbidden_claims",
)
_NONE = {"none", "null", "no", "off", "false", "~", ""}


def parse_block(block: RulesBlock) -> dict[str, list[str]]:
    """`key -> values` of one block.

    Raises:
        PlaybookError: a line is not `key: value` or the key is unknown.
    """
    out: dict[str, list[str]] = {}
    key: str | None = None
    for n, raw in enumerate(block.text.splitlines(), 1):
        line = re.sub(r"\s+#.*$", "", raw).rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^\s+-\s*(.+)$|^-\s*(.+)$", line)
        if item and key is not None:
            out.setdefault(key, []).append((item.group(1) or item.group(2)).strip().strip("\"'"))
            continue
        m = re.match(r"^\s*([A-Za-z_][\w\- ]*?)\s*:\s*(.*)$", line)
        if m is None:
            raise PlaybookError(
                f"Line {n} of the rules block in {block.file} ({raw.strip()!r}) is not "
                "'key: value'; fix it or remove the block."
            )
        key = m.group(1).strip().lower().replace("-", "_").replace(" ", "_")
        if key == "parley_rules" and not m.group(2).strip():
            key = None  # front matter may nest the keys under `parley-rules:`
            continue
        if key not in KEYS:
            raise PlaybookError(
                f"Unknown rule {key!r} in the rules block of {block.file}; use one of "
                f"{', '.join(KEYS)}."
            )
        value = m.group(2).strip()
        values = out.setdefault(key, [])
        if key != "price_floor":  # a repeated key replaces; floors add up (one per currency)
            values.clear()
        if value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        if value:
            parts = [value] if key == "price_floor" else re.split(r"\s*[,，、]\s*", value)
            values.extend(p.strip().strip("\"'") for p in parts if p.strip())
    return out


def apply_blocks(
    rules: list[Rule], blocks: tuple[RulesBlock, ...], *, held: list[str]
) -> tuple[list[Rule], list[str]]:
    """Rules with every kind named in a block replaced; returns (rules, certifications held).

    Raises:
        PlaybookError: a value cannot be read (a discount without a number, a floor without a
            currency).
    """
    for block in blocks:
        spec = parse_block(block)
        where = f"(rules block in {block.file})"

        def line(key: str, spec: dict[str, list[str]] = spec, where: str = where) -> str:
            return f"{key}: {', '.join(spec[key])} {where}"

        if "certifications_held" in spec:
            held = list(spec["certifications_held"])
        if "max_discount" in spec:
            rules = [r for r in rules if r.kind != "max_discount"]
            value = spec["max_discount"][0] if spec["max_discount"] else ""
            if value.lower() not in _NONE:
                rules.append(_discount(value, line("max_discount"), block.file))
        if "price_floor" in spec:
            rules = [r for r in rules if r.kind != "price_floor"]
            for i, value in enumerate(v for v in spec["price_floor"] if v.lower() not in _NONE):
                money = find_money(value)
                if not money:
                    raise PlaybookError(
                        f"price_floor {value!r} in {block.file} needs an amount with a currency, "
                        "for example $35 or 220元."
                    )
                rid = "price_floor" if i == 0 else f"price_floor:{money[0].currency}"
                rules.append(
                    Rule(rid, "price_floor", f"price_floor: {value} {where}", block.file,
                         money[0].value, money[0].currency)
                )  # fmt: skip
        if "certifications_not_held" in spec:
            rules = [r for r in rules if not r.id.startswith("forbidden_claim:cert:")]
            for name in spec["certifications_not_held"]:
                rules.append(
                    Rule(f"forbidden_claim:cert:{cert_key(name)}", "forbidden_claim",
                         line("certifications_not_held"), block.file, terms=(name,),
                         topic="certification")
                )  # fmt: skip
        if "competitors" in spec:
            rules = [r for r in rules if r.kind != "forbidden_comparison"]
            rules.append(
                Rule("forbidden_comparison", "forbidden_comparison", line("competitors"),
                     block.file, terms=tuple(spec["competitors"]))
            )  # fmt: skip
        if "roadmap_promises" in spec:
            rules = [r for r in rules if r.id != "forbidden_claim:roadmap"]
            if (spec["roadmap_promises"] or [""])[0].lower() in (
                "forbidden",
                "no",
                "false",
                "never",
            ):
                rules.append(
                    Rule("forbidden_claim:roadmap", "forbidden_claim", line("roadmap_promises"),
                         block.file, topic="roadmap")
                )  # fmt: skip
        if "forbidden_claims" in spec:
            rules = [r for r in rules if r.topic != "claim"]
            for i, phrase in enumerate(spec["forbidden_claims"]):
                rules.append(
                    Rule(f"forbidden_claim:phrase:{i + 1}", "forbidden_claim",
                         line("forbidden_claims"), block.file, terms=(phrase.lower(),),
                         topic="claim")
                )  # fmt: skip
    rules = [
        Rule(r.id, r.kind, r.sentence, r.file, r.value, r.currency, r.terms, r.topic, tuple(held))
        if r.id == "forbidden_claim:certification"
        else r
        for r in rules
    ]
    return rules, held


def _discount(value: str, sentence: str, file: str) -> Rule:
    text = value if re.search(r"%|折|percent", value) else f"{value}% off"
    found = find_discounts(text if "折" in text else f"{text} off")
    if not found:
        try:
            pct = float(value.rstrip("%"))
        except ValueError:
            raise PlaybookError(
                f"max_discount {value!r} in {file} is not a percentage; write for example 10% "
                "or 九折."
            ) from None
    else:
        pct = found[0].percent_off
    return Rule("max_discount", "max_discount", sentence, file, pct)
