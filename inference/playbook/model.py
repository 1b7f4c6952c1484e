"""What a playbook is made of: entries (file + heading + text) and machine-checkable rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from inference.events import Source

RuleKind = str
"""One of "max_discount", "price_floor", "forbidden_claim", "forbidden_comparison"."""


@dataclass(frozen=True, slots=True)
class PlaybookEntry:
    """One section of a playbook file.

    Attributes:
        file: the file name, relative to its playbook folder (what sources cite).
        heading: the section's heading ("" only for a file without headings: then the title).
        text: the section's text, Markdown markers stripped, without the heading line.
        lang: "zh" when the text is mostly Chinese, else "en".
        kind: "playbook" for product material, "account" for emails and notes on this customer.
    """

    file: str
    heading: str
    text: str
    lang: str
    kind: str = "playbook"

    def source(self) -> Source:
        """The `Source` a path citing this entry carries."""
        return Source(file=self.file, heading=self.heading)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule a rep must not break, with the sentence it came from.

    Attributes:
        id: stable id, used in guard events ("max_discount", "price_floor",
            "forbidden_claim:roadmap", "forbidden_claim:cert:hipaa", "forbidden_comparison").
        kind: "max_discount" (value = percent off), "price_floor" (value = amount, unit =
            currency and per-what), "forbidden_claim" (terms = what must not be claimed),
            "forbidden_comparison" (terms = competitor names, may be empty = any).
        sentence: the sentence of the playbook it was extracted from, or "(rules block)".
        file: the file the sentence is in.
        value: the number of a discount cap (percent) or of a price floor.
        currency: the currency of a price floor ("$", "元", "€", ...).
        terms: for claims, what must not be claimed (lower-case); for comparisons, names.
        topic: for claims, "roadmap" or "certification" (or "claim" otherwise).
        allowed: what the playbook itself states and a path may therefore repeat: discounts it
            offers ("annual plan: 20% off"), certifications it holds ("ISO 27001").
    """

    id: str
    kind: RuleKind
    sentence: str
    file: str = ""
    value: float | None = None
    currency: str = ""
    terms: tuple[str, ...] = field(default=())
    topic: str = ""
    allowed: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line a user can check the rule by."""
        if self.kind == "max_discount":
            return f"maximum discount {self.value:g}%"
        if self.kind == "price_floor":
            amount = (
                f"{self.currency}{self.value:g}"
                if self.currency in ("$", "€", "£")
                else f"{self.value:g} {self.currency}"
            )
            return f"price floor {amount}"
        if self.kind == "forbidden_claim":
            if self.topic == "roadmap":
                return "forbidden claim: roadmap promises (features or dates not released)"
            if self.topic == "certification" and not self.terms:
                return "forbidden claim: any certification the playbook does not state as held"
            return f"forbidden claim ({self.topic}): {', '.join(self.terms)}"
        names = ", ".join(self.terms) if self.terms else "any competitor"
        return f"forbidden comparison: disparaging {names}"
