"""What a line does in the conversation, beyond its words' topic: a next step, a pain, a question.

Two kinds of customer line carry objection words without raising an objection:

- a **next step** the customer states with confidence: their own action that moves the deal on
  (showing the offer to a colleague, raising it at a meeting, booking time with someone), with
  no obligation, condition or refusal in it. "I'll bring it up with our partners on Monday"
  names a decider and a date, yet blocks nothing; "I have to run it by our partners first"
  and "send me something and I'll look at it when I can" are objections (authority, timing)
  and are not next steps here;
- a **pain** described in answer to the rep's question: what goes wrong today ("the night shift
  keeps losing track of which orders went out"), with nothing said about the offer, a change
  or a worry. It is why they might buy, not a reason not to.

The detectors keep an objection read into such a line tentative (no suggestion until the next
line confirms it, `inference.conversation.ConversationHub`); a line that names a worry still
confirms it. Cues are written for Parley in both languages, not taken from evaluation data.
"""

from __future__ import annotations

import re
import unicodedata

# The customer's own action, first person, future or offer ("I'll", "let me", 我回头把...).
_SUBJECT_EN = (
    r"\b(?:i'll|i will|we'll|we will|i'm going to|we're going to|i am going to|let me|i can)"
    r"\s+(?:\w+\s+){0,4}?"
)
# ...that moves the deal on: to another person, a meeting or a booking.
_NEXT_STEP = {
    "en": re.compile(
        _SUBJECT_EN + r"(?:raise (?:it|this|that)|bring (?:it|this|that) (?:up|to)|"
        r"mention (?:it|this|that|you)|show (?:it|this|that|him|her|them|the)|"
        r"share (?:it|this|that|the)|forward|pass (?:it|this|that) (?:on|along)|circulate|"
        r"introduce|put you in touch|set up (?:a|the|some)|book (?:a|the|some|in)|schedule|"
        r"pencil|block out|invite|add (?:you|him|her|them)|"
        r"get (?:you |us )?(?:\w+\s+){0,2}(?:time|a slot|a meeting|a call|an hour) with)\b"
    ),
    "zh": re.compile(
        r"我(?:们)?(?:这边)?(?:回头|回去|下周[一二三四五六日]?|明天|今天|晚点|待会|这周|月底前|周[一二三四五六日])?"
        r"(?:就|会|来|先)?"
        r"(?:把.{0,8}(?:转给|发给|拿给|带给|给.{0,6}看|提到|带到|放到|转发)|"
        r"约(?:一下|个)?.{0,6}(?:时间|会|见面|演示)|安排(?:一下|个)?.{0,6}(?:会|演示|时间|见面|试用)|"
        r"拉.{0,6}(?:进群|一起)|介绍.{0,4}给|转给|转发给|带到.{0,6}会|在.{0,8}会上(?:提|说|讲|介绍))"
    ),
}
# An obligation, a condition, a refusal or a vague "later": the line blocks or defers, so it is
# not a confident next step ("I'll show it to the board, they have to approve it first").
_BLOCKS = {
    "en": re.compile(
        r"\b(?:have to|has to|had to|need to|needs to|must|first|before|approv\w*|sign|signs|"
        r"signed|sign-off|decide|decides|decision|ok it|okay it|permission|unless|until|"
        r"only if|whether|when i can|eventually|when things|some point|not|no|never|but|though|"
        r"however|too)\b|n't\b"
    ),
    "zh": re.compile(
        r"得|必须|需要|要先|先(?:问|跟|和|请示|汇报|商量)|才能|才可以|同意|批|签|拍板|定不了|说了算|"
        r"审|不|没|但|可是|不过|再说|再看|考虑|等|有空|以后|太"
    ),
}
# What goes wrong today, said by someone who lives with it.
_PAIN = {
    "en": re.compile(
        r"\b(?:(?:keeps?|kept|always|constantly) (?:complaining|chasing|asking|moaning|phoning|"
        r"calling)|complain(?:s|ed|ing)? (?:that|about)|"
        r"struggl\w* (?:with|to keep|to track|to get|to find)|"
        r"(?:he|she|they|we|nobody|no one|none of us|the team|the staff) (?:can't|cannot|"
        r"can not|couldn't|has no way to|have no way to) (?:see|tell|track|keep track|follow|"
        r"spot)(?! (?:the point|the value|the benefit|a need|the need|why|how this|how it|"
        r"where this|where it|it |us ))|"
        r"hard to (?:see|tell|track|keep track) (?:who|what|when|where|which|how many|how much)|"
        r"takes? (?:us |me |them |her |him )?(?:ages|forever|hours|days|all day|half the day)|"
        r"spends? (?:hours|ages|half)|wast(?:e|es|ed|ing) (?:hours|time|a lot|so much)|"
        r"headache|nightmare|lose track|loses track|losing track|lost track|"
        r"falls? through the cracks|slips? through|nobody knows|no one knows|"
        r"no idea (?:who|what|when|where|how|which))"
    ),
    "zh": re.compile(
        r"(?:老是|总是|经常|一直|天天|每次都)(?:抱怨|投诉|出错|漏|搞错|找不到|看不到|对不上|加班|催)|"
        r"抱怨|吐槽|头疼|头痛|最烦|费时间|(?:花|耗)(?:很多|大量|好几个|半天)(?:时间|小时|天)|查不到|搞不清|"
        r"说不清|不知道(?:谁|什么|哪|几|到底)|一个个(?:打电话|核对|对|问)|对不上|漏掉|乱成一团"
    ),
}
# ...unless the line turns to the offer, a change, a worry or an earlier vendor: then the pain
# is about us (effort, trust) and may well be the objection.
_ABOUT_OFFER = {
    "en": re.compile(
        r"\b(?:you|your|yours|switch\w*|chang\w*|new system|new tool|moving|migrat\w*|would|"
        r"we'd|it'd|install\w*|learn\w*|train\w*|worr\w*|afraid|scared|concern\w*|if|"
        r"last (?:system|vendor|supplier|provider|one)|previous|the one we (?:bought|had)|"
        r"where this|how this|this fits|it fits)\b"
    ),
    "zh": re.compile(
        r"你们|你的|贵公司|换|新系统|上线|迁移|培训|学|会不会|万一|担心|怕|如果|要是|搬|"
        r"新(?:软件|系统|工具|平台)|上次|之前(?:买|用)的|以前(?:买|用)的|上一家|"
        r"没(?:有)?人(?:抱怨|吐槽|投诉)|不(?:抱怨|吐槽|头疼)"
    ),
}
# A question from the rep: a question mark, a question word or an inverted auxiliary, or an
# invitation to describe (ASR text often drops the mark).
_QUESTION = {
    "en": re.compile(
        r"\?|\b(?:how|what|which|who|where|when|why) (?:do|does|did|is|are|was|were|would|can|"
        r"could|have|has|about)\b|^(?:(?:so|and|um|uh|okay|ok|right|well|now|great|then)\s+){0,3}"
        r"(?:do|does|did|are|is|can|could|would|"
        r"have|has) (?:you|your|the|they|anyone|anybody)\b|\btell me (?:about|how|what|a bit)|"
        r"\bwalk me through"
    ),
    "zh": re.compile(
        r"[?？吗呢]|怎么|什么|哪(?:里|儿|些|个|家|种|位|天)|多少|是不是|有没有|能不能|介绍一下|说说|讲讲|聊聊"
    ),
}


def _low(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def _key(lang: str) -> str:
    return "zh" if lang.startswith("zh") else "en"


def states_next_step(text: str, lang: str) -> bool:
    """The customer states their own next step with confidence (no obligation, condition or
    refusal in the line): "I'll share the deck with our ops lead tomorrow", 我回头把方案转给财务看看."""
    low, key = _low(text), _key(lang)
    return _NEXT_STEP[key].search(low) is not None and _BLOCKS[key].search(low) is None


def describes_pain(text: str, lang: str) -> bool:
    """The line describes what goes wrong today and says nothing about the offer, a change or
    a worry: "the drivers keep phoning in because nobody knows which van has the parts",
    仓库老是对不上数."""
    low, key = _low(text), _key(lang)
    return _PAIN[key].search(low) is not None and _ABOUT_OFFER[key].search(low) is None


def is_question(text: str, lang: str) -> bool:
    """The line asks something (or invites a description), with or without a question mark."""
    return _QUESTION[_key(lang)].search(_low(text)) is not None
