"""The situation read for one objection: what the customer said, in their own terms.

The moves are planned and written from this, not from the category alone: the number, rival,
person or deadline the customer named; the category and how sure the detector is; their mood;
every decision-maker named so far; how technical the conversation is; what the rep just said
and what Parley already suggested in this call (so no path repeats either).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from inference.suggest.concerns import concerns_in
from inference.text import han_count

EN_ROLE_WORDS = {
    "ceo": "your CEO",
    "cfo": "your CFO",
    "cto": "your CTO",
    "procurement": "your procurement team",
    "legal": "your legal team",
    "it": "your IT team",
    "board": "the board",
    "manager": "your manager",
}
ZH_ROLE_WORDS = {
    "ceo": "老板",
    "cfo": "财务负责人",
    "cto": "技术负责人",
    "procurement": "采购部门",
    "legal": "法务",
    "it": "信息部门",
    "board": "董事会",
    "manager": "领导",
}
# The customer's own words for a decider ("our head of support" -> "your head of support").
_EN_TITLED = re.compile(r"\b((?:Dr|Mr|Mrs|Ms|Prof)\.?\s+[A-Z][a-z]+)")
_ZH_TITLED = regex.compile(
    r"(\p{Han}(?:总(?![监经裁部额共体])|校长|院长|主任|经理|局长|处长|厂长|书记|董))"
)
_EN_PERSON = re.compile(
    r"\b(?:our|my|the)\s+((?:head|director|vice president|vp|chief \w+ officer) of [a-z]+(?: and [a-z]+)?"
    r"|(?:plant|site|store|practice|clinic|operations|finance|it|hr|sales|office|regional|general|managing) (?:director|manager|head|lead|owner)"
    r"|(?:finance|it|legal|procurement|purchasing|security|compliance) (?:director|team|department|lead|head|people)"
    r"|cfo|ceo|cto|coo|cio|ciso|boss|owner|founder|board|partners|managing director|general manager"
    r"|finance director|controller|procurement|purchasing|legal|compliance officer)\b",
    re.I,
)
_ZH_PERSON = re.compile(
    r"(财务总监|财务处|财务部|财务|总经理|总裁|董事长|董事会|院长|校长|老板|采购部|采购|招标办|设备科|"
    r"法务部|法务|信息科|信息部|IT部门|技术负责人|技术总监|主任|总监|领导|合伙人|股东|"
    r"业主方|业主|甲方|总部|集团|上级|主管部门|教育局|卫健委|监管部门|审计部门)"
)
# A teacher named by surname ("李老师"), not a count of teachers ("一百二十个老师").
_ZH_TEACHER = regex.compile(
    r"([^\W\d个们的位名些几这那各全和与及每一二三四五六七八九十百])老师(?!们)"
)
# Parties outside the customer's own team: a path names them as they are ("业主方", not "你们业主方").
_ZH_OUTSIDE = ("业主", "甲方", "教育局", "卫健委", "监管部门", "主管部门")
_ACRONYM_ROLE = re.compile(r"^(cfo|ceo|cto|coo|cio|ciso|vp)\b", re.I)

_EN_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,.]*(?:\s?(?:k|m|thousand|million))?"
    r"|\b\d[\d,.]*\s?(?:k|thousand|million)?\s?(?:dollars|euros|pounds|usd|eur)\b"
    r"|\b(?:half|twice|double|a third) (?:of )?(?:that|the price|what you quoted|as much)\b"
    r"|\b(?:(?:a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety) )?(?:hundred|thousand)(?: and \w+)?(?: \w+)? (?:dollars|euros|pounds)"
    r"(?: (?:a|per|every) \w+)?\b"
    r"|\b(?:ten|twenty|thirty|forty|fifty|a hundred|one hundred) thousand(?: dollars| a year)?\b)",
    re.I,
)
_EN_COMPARISON = re.compile(
    r"\b(?:more|higher|pricier|dearer|expensive|costlier) than (?:what )?(?:we|I)? ?(?:pay|spend|paid)?"
    r"(?: now| today)?(?: for| on)? ?(?:our|the|my) ((?:whole |entire |current |old )?[a-z][a-z -]{2,30}?)"
    r"(?=[.,;!?]|$| and | but )",
    re.I,
)
_ZH_COMPARISON = regex.compile(
    r"比(?:我们)?(?:现在|目前|原来)?(?:的|用的)?([\p{Han}A-Za-z]{2,8}?)(?:还)?贵"
)
_ZH_MONEY = re.compile(
    r"\d[\d,.]*\s?(?:万|千)?(?:元|块)|[一二三四五六七八九十两百千万]+(?:万|千)?(?:元|块)|一半|半价|便宜一半"
)
_EN_DEADLINE = re.compile(
    r"\b(?:until|till|before|after|by|in|at)?\s*"
    r"((?:the\s+)?(?:end of\s+)?(?:next|this|our new|the new|the next|the)\s+(?:quarter|month|year|week|"
    r"spring|summer|autumn|fall|winter|fiscal year|budget cycle|season|holidays|new year)"
    r"|(?:january|february|march|april|may|june|july|august|september|october|november|december|q[1-4])"
    r"(?:\s+next year)?)\b",
    re.I,
)
_ZH_DEADLINE = re.compile(
    r"(?:下个?|明|今|这个?)(?:年|月|季度|周|学期)(?:底|初|中)?|年底|年后|月底|季度末|节后|春节后|"
    r"\d{1,2}月(?:份)?(?:以后|之后|以前|之前|前|底)?|(?:明|今)年(?:上|下)半年"
)
_EN_QUESTION = re.compile(
    r"\?\s*$|^(?:where|what|how|which|who|when|is|are|does|do|can|could|will|would)\b"
    r"|\b(?:ask|know|wondering|wonder|tell me|find out)\s+(?:where|what|how|which|who|whether|if)\b",
    re.I,
)
_ZH_QUESTION = re.compile(
    r"[?？]\s*$|吗[。？?]?$|是否|哪里|哪儿|多少|怎么|能不能|有没有|什么|会问|想知道"
)
# A rival named by pattern when the playbook does not list it ("we're with X", "X quoted us").
_EN_RIVAL = re.compile(
    r"\b(?:with|from|using|use|on|signed with|switch(?:ed)? to|quote from|offer from|demo from)\s+"
    r"((?:[A-Z][A-Za-z0-9&.\-]+)(?:\s+[A-Z][A-Za-z0-9&.\-]+)?)"
    r"|\b([A-Z][A-Za-z0-9&.\-]+(?:\s+[A-Z][A-Za-z0-9&.\-]+)?)\s+(?:quoted|offered|charges|gave us|is cheaper|came in)",
)
_NOT_NAMES_WORDS = (
    "I We You They It The Our My Your Their This That What So But And Honestly Actually Well "
    "Yes No Okay OK Sure Right Look Monday Tuesday Wednesday Thursday Friday January February "
    "March April May June July August September October November December CFO CEO CTO IT VP"
)
_NOT_NAMES = frozenset(_NOT_NAMES_WORDS.split())
_EN_PAST = re.compile(
    r"\b(?:last|previous|old|former|earlier) (?:\w+ ){0,2}(?:vendor|supplier|provider|company|system|"
    r"tool|partner|kit|one|app|software|platform|contractor|installer)\b"
    r"|\bburn(?:ed|t)\b|\bbad experience\b|\bbefore\b.*\b(?:failed|broke|lost|never)\b|\bused to\b",
    re.I,
)
# Let down by promises before ("burned", "promised big savings", "被坑过"): another customer's
# result would sound like the same pitch again.
_EN_BURNED = re.compile(
    r"\bburn(?:ed|t)\b|\bbad experience\b|\blet (?:us|me) down\b|\bpromised\b|\bnever deliver\w*"
    r"|\bunderperform\w*|\bover-?promis\w*|\bripped off\b",
    re.I,
)
_ZH_BURNED = re.compile(r"被坑|上当|吃过亏|吃了亏|承诺|忽悠|说得好听|没兑现|达不到|失望")
# Still angry about it ("I'm still annoyed", "现在想起来还窝火").
_EN_ANGRY = re.compile(
    r"\b(?:annoyed|angry|furious|livid|fed up|still mad|pissed|yelled at|chewed out|"
    r"got an earful|nightmare)\b",
    re.I,
)
_ZH_ANGRY = re.compile(r"窝火|生气|恼火|火大|憋屈|气死|被.{0,4}骂|挨骂|挨批|头疼死|太坑")
_EN_REVIEW = re.compile(
    r"\b(?:review|legal|lawyers?|compliance|audit\w*|IT (?:department|team|manager)|security team|"
    r"regulator\w*|GDPR|HIPAA)\b",
    re.I,
)
_ZH_REVIEW = re.compile(r"审核|审查|法务|合规|信息科|信息部|信息中心|审计|教育局|监管|等保")
_ZH_PAST = re.compile(r"上次|上一家|以前那家|之前那家|以前用|之前用|吃过亏|被坑|那家")
# Someone else decides: "has to be signed off by", "goes past", "得X拍板".
_EN_SIGNOFF = re.compile(
    r"\b(?:sign(?:s|ed)? (?:it |this |that )?off|sign-off|signs? (?:anything|the contract|for it)|"
    r"approv\w*|go(?:es)? past|(?:has|have|needs?) to agree|decides|final say|says? yes|"
    r"green[- ]light|(?:board|meeting) agenda)\b",
    re.I,
)
_ZH_SIGNOFF = re.compile(r"签字|拍板|点头|审批|批准|同意|说了算|定夺|过目|把关|签")
_EN_QUOTED = re.compile(r"\b(?:quot\w*|offer\w*|charg\w*|bid|came in at|pay(?:ing)? them)\b", re.I)
_ZH_QUOTED = re.compile(r"报价|报了|报的|开价|给我们的价|收我们")
# How long something runs or is left ("two years into a three-year contract", "还有八个月").
_EN_TIMEFRAME = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|eighteen)[- ]"
    r"(?:years?|months?|weeks?)\b",
    re.I,
)
_ZH_TIMEFRAME = re.compile(r"[\d一二两三四五六七八九十]+(?:个)?(?:年|月|周|星期)")
# What the decider weighs, said by the customer ("she cares most about reconciliation").
_EN_CRITERIA = re.compile(
    r"\b(?:cares? (?:most )?about|will want to see|wants? to see|focus(?:es)? on|looks? at|"
    r"(?:is|are|has been|have been) (?:worried|concerned|nervous|wary) about|"
    r"(?:has|have) (?:doubts|concerns|reservations) about)\b",
    re.I,
)
_ZH_CRITERIA = re.compile(
    r"最看重|看重的是|最关心|关心的是|要看到|想看到|对.{1,12}(?:一直)?(?:有顾虑|有疑虑|不放心|有担心)"
)
# What follows the criterion, up to a pause or a clause of its own ("the payback period").
_EN_WEIGHS_END = re.compile(
    r"[,.;:!?]|\b(?:before|when|so|and|if|because|but|or|from|since|until|first)\b", re.I
)
_EN_VAGUE = frozenset(
    ["it", "this", "that", "them", "us", "you", "him", "her", "something", "anything", "everything"]
)
_ZH_WEIGHS = re.compile(r"对(.{1,12}?)(?:一直)?(?:有顾虑|有疑虑|不放心|有担心)")
_ZH_WEIGHS_END = re.compile(r"[，,。.；;！!？?、]")
# How many of what the price is for ("four entrances", "forty sensors", "九台", "四个出入口").
_EN_UNITS = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred)\s+([a-z]+s)\b",
    re.I,
)
_EN_NOT_UNITS = frozenset(
    [
        "years",
        "months",
        "weeks",
        "days",
        "hours",
        "minutes",
        "seconds",
        "dollars",
        "euros",
        "pounds",
        "cents",
        "percent",
        "times",
        "thousands",
        "hundreds",
    ]
)
_ZH_UNITS = re.compile(
    r"(?:一共|总共|共)?([一二两三四五六七八九十几百千零\d]+)(台|个|家|间|套|辆|所|位|名|块|条|路)"
    r"([^\s，,。.；;！!？?、加都全的要算还每]{0,3}?)(?=[加都全的要算还，,。.；;！!？?]|$)"
)
# One of them, said without a count ("每台收银机", "每家店").
_ZH_PER = re.compile(
    r"每(台|个|家|间|套|辆|所|位|名|块|条|路)([^\s，,。.；;！!？?、加都全的要算还每]{0,4}?)"
    r"(?=[加都全的要算还，,。.；;！!？?]|$)"
)
# A decider who weighs money (what a cost-or-savings question suits).
_MONEY_PERSON = re.compile(r"cfo|financ|controller|procure|purchas|account|财务|采购|预算", re.I)
# A rival's offer on the table ("SenseLoop came by and offered to run it as a service").
_EN_RIVAL_OFFER = re.compile(
    r"\b(?:offer\w*|propos\w*|pitch\w*|came (?:by|in)|demo\w*|quot\w*|would (?:do|run|give))\b",
    re.I,
)
_ZH_RIVAL_OFFER = re.compile(r"报价|提出|推荐|来演示|演示过|来过|上门|给我们(?:做|提供)|承诺|答应")
_ZH_NOT_UNITS = re.compile(r"^(?:月|年|星期|小时|钟头|礼拜|点)")
_ZH_RIVAL = re.compile(r"([A-Za-z][A-Za-z0-9&.\-]{1,20})(?:那边|家|的报价|报的|给我们)")


@dataclass(frozen=True, slots=True)
class Situation:
    """What Parley knows when the customer objects.

    Attributes:
        text: the objection utterance, as transcribed.
        lang: "en" or "zh", the language every path is written in.
        category: the objection category; confidence: how sure the detector is.
        valence: the customer's mood ("negative", "neutral", "positive"); label: a finer one.
        roles: decision-makers named so far (most recent first), role ids.
        roles_here: those named in this utterance.
        person: how a path names the decider ("your CFO", "你们财务总监"); "" if none named.
        competitor: the rival named in this utterance (or earlier in the call), "" if none.
        number: the money amount the customer named, as they said it; "" if none.
        comparison: what they compare the price with ("your whole phone system"); "" if none.
        deadline: the time they named ("next quarter", "年底"); "" if none.
        is_question: the customer asked a question (answer it first).
        technical: playbook terms per 100 words in the recent conversation.
        rep_said: the rep's recent lines, newest last.
        earlier: texts of paths Parley already showed in this call.
        earlier_moves: move ids of the previous objection's paths.
        earlier_facts: playbook sentences earlier paths of this call rested on.
        bad_experience: they told of a bad experience ({?past}); review: they named a review
            of data handling ({?review}).
        quoted: the amount they named is someone else's quote or offer ({?quoted}), not our
            price read back.
        timeframe: they said how long something runs or is left ({?timeframe}: no question
            asks it again); criteria: they said what the decider weighs ({?criteria});
            weighs: that, in their words when it is short ("the payback period", "对账方不方便").
        units: how many of what the price is for ("four entrances", "九台"); per: one of them
            ("每台", "每个出入口", "每台收银机" said without a count); "" when not named.
        upset: they are still angry or frustrated about it ({?upset}).
        burned: they were let down by promises before (no other customer's result for them).
        money: the decider weighs money ({?money}: a finance person, an amount or a price
            objection), so a question may ask about cost or savings.
        rival_offer: a rival named in this line made them an offer or a demo: competitor
            moves lead, however the objection was read (not for price and budget).
        signoff: they named, in this line, someone else who has to sign off.
        concerns: what they worry about in their own terms (`concerns.py` ids: "location",
            "outage", ...), each a template flag {?c_<id>}.
    """

    text: str
    lang: str
    category: str
    confidence: float
    valence: str = "neutral"
    label: str = ""
    roles: tuple[str, ...] = ()
    roles_here: tuple[str, ...] = ()
    person: str = ""
    competitor: str = ""
    number: str = ""
    comparison: str = ""
    deadline: str = ""
    is_question: bool = False
    technical: float = 0.0
    rep_said: tuple[str, ...] = ()
    earlier: tuple[str, ...] = ()
    earlier_moves: tuple[str, ...] = ()
    earlier_facts: tuple[str, ...] = ()
    bad_experience: bool = False
    review: bool = False
    concerns: tuple[str, ...] = ()
    signoff: bool = False
    quoted: bool = False
    timeframe: bool = False
    criteria: bool = False
    weighs: str = ""
    units: str = ""
    per: str = ""
    money: bool = False
    burned: bool = False
    upset: bool = False
    rival_offer: bool = False

    def named(self) -> tuple[str, ...]:
        """What the customer named that a path takes up, as a path writes it without "your":
        the person, the rival, the amount, what they compare with, the date."""
        return (
            self.person.removeprefix("your ").removeprefix("你们"),
            self.competitor,
            self.number,
            self.comparison.removeprefix("your "),
            self.deadline,
        )

    def slots(self) -> dict[str, str]:
        """The template slots this situation fills (only the known ones); `past` is a flag
        ({?past} in a template): the customer told of a bad experience."""
        out = {
            "person": self.person,
            "competitor": self.competitor,
            "number": self.number,
            "comparison": self.comparison,
            "deadline": self.deadline,
            "past": "yes" if self.bad_experience else "",
            "review": "yes" if self.review else "",
            "quoted": "yes" if self.quoted else "",
            "timeframe": "yes" if self.timeframe else "",
            "criteria": "yes" if self.criteria else "",
            "weighs": self.weighs,
            "units": self.units,
            "per": self.per,
            "money": "yes" if self.money else "",
            "upset": "yes" if self.upset else "",
            "on_" + self.category: "yes" if self.category else "",
            "rival_offer": "yes" if self.rival_offer else "",
        }
        out.update({"c_" + c: "yes" for c in self.concerns})
        return {k: v for k, v in out.items() if v}


def read_situation(
    *,
    text: str,
    lang: str,
    category: str,
    confidence: float,
    valence: str = "neutral",
    label: str = "",
    roles: Sequence[str] = (),
    roles_here: Sequence[str] = (),
    competitors: Sequence[str] = (),
    context: Sequence[tuple[str, str]] = (),
    terms: Sequence[str] = (),
    earlier: Sequence[str] = (),
    earlier_moves: Sequence[str] = (),
    earlier_facts: Sequence[str] = (),
) -> Situation:
    """Read the situation of one objection.

    Args:
        text: the objection utterance; lang: its language.
        category, confidence: the detector's read.
        valence, label: the customer's emotion on it.
        roles: decision-makers named so far (most recent first); roles_here: in this line.
        competitors: rival names the playbook lists.
        context: the recent conversation as (speaker, text), oldest first.
        terms: the playbook's terms, for how technical the conversation is.
        earlier: texts of paths already shown in this call; earlier_moves: the previous
            objection's move ids.
    """
    zh = lang == "zh"
    competitor = find_competitor(text, competitors, zh=zh)
    rival_here = bool(competitor)
    if not competitor:  # a rival named a moment ago still frames this objection
        for speaker, line in reversed(list(context)[-4:]):
            if speaker == "customer" and line != text:
                competitor = find_competitor(line, competitors, zh=zh, known_only=True)
                if competitor:
                    break
    person_here = find_person(text, roles_here, zh=zh)
    person = find_person(text, roles_here or (roles if category == "authority" else ()), zh=zh)
    units, per = _units(text, zh=zh)
    return Situation(
        text=text,
        lang=lang,
        category=category,
        confidence=confidence,
        valence=valence,
        label=label,
        roles=tuple(roles),
        roles_here=tuple(roles_here),
        # A decider named earlier frames an authority objection, not a question about data.
        person=person,
        competitor=competitor,
        number=_first(_ZH_MONEY if zh else _EN_MONEY, text),
        deadline=_deadline(text, zh=zh),
        comparison=_comparison(text, zh=zh),
        is_question=bool((_ZH_QUESTION if zh else _EN_QUESTION).search(text.strip())),
        technical=term_density([line for _, line in context] or [text], terms),
        rep_said=tuple(line for speaker, line in context if speaker == "rep")[-2:],
        earlier=tuple(earlier),
        earlier_moves=tuple(earlier_moves),
        earlier_facts=tuple(earlier_facts),
        bad_experience=bool((_ZH_PAST if zh else _EN_PAST).search(text)),
        review=bool((_ZH_REVIEW if zh else _EN_REVIEW).search(text)),
        concerns=concerns_in(text, lang),
        quoted=bool(
            _first(_ZH_MONEY if zh else _EN_MONEY, text)
            and (_ZH_QUOTED if zh else _EN_QUOTED).search(text)
        ),
        timeframe=bool((_ZH_TIMEFRAME if zh else _EN_TIMEFRAME).search(text)),
        criteria=bool((_ZH_CRITERIA if zh else _EN_CRITERIA).search(text)),
        weighs=_weighs(text, zh=zh),
        units=units,
        per=per,
        money=bool(
            category in ("price", "budget")
            or _first(_ZH_MONEY if zh else _EN_MONEY, text)
            or "cfo" in roles_here
            or _MONEY_PERSON.search(person)
        ),
        burned=bool((_ZH_BURNED if zh else _EN_BURNED).search(text)),
        upset=label == "frustrated" or bool((_ZH_ANGRY if zh else _EN_ANGRY).search(text)),
        rival_offer=bool(rival_here and (_ZH_RIVAL_OFFER if zh else _EN_RIVAL_OFFER).search(text)),
        signoff=bool(person_here and (_ZH_SIGNOFF if zh else _EN_SIGNOFF).search(text)),
    )


def _deadline(text: str, *, zh: bool) -> str:
    """The time the customer named, without its preposition ("next quarter", "July", "年底");
    of several, the one something waits for ("until July", "等明年")."""
    if zh:
        found = list(_ZH_DEADLINE.finditer(text))
        if not found:
            return ""
        waited = [m for m in found if re.search(r"(?:等|到|过了)$", text[: m.start()])]
        later = [m for m in found if m.group(0).startswith(("明", "下"))]
        return (waited or later or found)[0].group(0).strip()
    found = list(_EN_DEADLINE.finditer(text))
    if not found:
        return ""
    waited = [
        m
        for m in found
        if re.search(r"\b(?:until|till|before|after)\s*$", text[: m.start(1)], re.I)
    ]
    m = (waited or found)[0]
    phrase = m.group(1).strip()
    return (
        phrase
        if phrase[:1].isupper() and not phrase.lower().startswith(("the", "next", "this", "our"))
        else phrase.replace("our new", "your new")
    )


def _comparison(text: str, *, zh: bool) -> str:
    """What the customer compares the price with, as a path names it."""
    m = (_ZH_COMPARISON if zh else _EN_COMPARISON).search(text)
    if not m:
        return ""
    thing = m.group(1).strip()
    if re.search(r"我|预想|预期|想象|expected|thought|planned", thing):
        return ""  # "than I expected" names no comparison, only the surprise
    return thing if zh else "your " + thing


def _weighs(text: str, *, zh: bool) -> str:
    """What the decider weighs, in the customer's words, when it is short enough to say back
    ("the payback period", "AI读片"); "" when it is not said or too long."""
    if zh:
        m = _ZH_WEIGHS.search(text)
        if m:
            thing = m.group(1)
        else:
            c = _ZH_CRITERIA.search(text)
            if not c:
                return ""
            thing = _ZH_WEIGHS_END.split(text[c.end() :], maxsplit=1)[0]
            thing = re.sub(r"^(?:的是|的|是|就是)", "", thing).strip()
        if not 2 <= len(thing) <= 10 or re.match(r"^(?:什么|哪|怎么|这|那)", thing):
            return ""
        return thing
    c = _EN_CRITERIA.search(text)
    if not c:
        return ""
    thing = _EN_WEIGHS_END.split(text[c.end() :], maxsplit=1)[0].strip()
    words = thing.split()
    if not words or len(words) > 5 or words[0].lower() in _EN_VAGUE:
        return ""
    return thing


def _units(text: str, *, zh: bool) -> tuple[str, str]:
    """The count and what it counts ("four entrances", "九台") and one of them ("每台")."""
    if zh:
        for m in _ZH_UNITS.finditer(text):
            noun = m.group(3)
            if _ZH_NOT_UNITS.match(noun or m.group(2)) or m.group(1) in ("一", "1"):
                continue
            return m.group(1) + m.group(2) + noun, "每" + m.group(2) + noun
        per = _ZH_PER.search(text)
        return "", (per.group(0) if per else "")
    for m in _EN_UNITS.finditer(text):
        if m.group(1).lower() not in _EN_NOT_UNITS:
            said = m.group(0)
            return said[:1].lower() + said[1:], "each one"  # said inside a sentence
    return "", ""


def _first(pattern: re.Pattern[str], text: str) -> str:
    m = pattern.search(text)
    return m.group(0).strip() if m else ""


def find_person(text: str, roles: Sequence[str], *, zh: bool) -> str:
    """How a path names the decider: the customer's own words when they named one, else the
    most recent role named in the call; "" when nobody was named."""
    if zh:
        names = {
            m.start(1): m.group(1)
            for m in _ZH_TITLED.finditer(text)
            if not m.group(1).startswith(("总", "老"))
        }
        names.update({m.start(1): m.group(1) + "老师" for m in _ZH_TEACHER.finditer(text)})
        if names:  # two people named: both take part ("黄校长和李老师")
            return "和".join(list(dict.fromkeys(names[i] for i in sorted(names)))[:2])
        m = _ZH_PERSON.search(text)
        if m:
            return m.group(1) if m.group(1).startswith(_ZH_OUTSIDE) else "你们" + m.group(1)
        return ("你们" + ZH_ROLE_WORDS[roles[0]]) if roles and roles[0] in ZH_ROLE_WORDS else ""
    titled = list(dict.fromkeys(m.group(1) for m in _EN_TITLED.finditer(text)))
    if titled:
        return " and ".join(titled[:2])
    m = _EN_PERSON.search(text)
    if m:
        words = m.group(1).lower()
        if _ACRONYM_ROLE.match(words):
            return "your " + words.upper()
        if words in ("board", "partners"):
            return "the " + words
        return "your " + re.sub(r"\bit\b", "IT", words)
    return EN_ROLE_WORDS.get(roles[0], "") if roles else ""


def find_competitor(
    text: str, competitors: Sequence[str], *, zh: bool, known_only: bool = False
) -> str:
    """The rival the customer names: one the playbook lists, else (unless `known_only`) a
    capitalised name in a rival's position ("we're with X", "X quoted us")."""
    low = text.lower()
    for name in sorted(competitors, key=len, reverse=True):
        if name and name.lower() in low:
            return name
    if known_only:
        return ""
    if zh:
        m = _ZH_RIVAL.search(text)
        return m.group(1) if m else ""
    for m in _EN_RIVAL.finditer(text):
        name = (m.group(1) or m.group(2) or "").strip(" .")
        words = [w for w in name.split() if w not in _NOT_NAMES]
        if words and words[0][:1].isupper():
            return " ".join(words)
    return ""


def term_density(lines: Sequence[str], terms: Sequence[str]) -> float:
    """Playbook terms per 100 words (or 100 characters of Chinese) in `lines`."""
    text = " ".join(lines)
    if not text.strip():
        return 0.0
    low = text.lower()
    hits = sum(low.count(t.lower()) for t in terms if len(t) >= 2)
    cjk = han_count(text)
    size = len(text.split()) + cjk / 2
    return round(100.0 * hits / max(1.0, size), 2)
