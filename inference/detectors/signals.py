"""`SignalDetectors`: every customer-signal detector behind the `Detectors` protocol."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import regex

from inference.conversation import Signals
from inference.detectors.emotion import (
    EmotionTrend,
    TextEmotion,
    TrendTracker,
    emotion_label,
    read_emotion,
)
from inference.detectors.model import (
    NONE,
    LanguageModels,
    combine,
    load_models,
    names_something,
    rule_features,
    supplier_named,
    takes_stance,
    text_features,
)
from inference.detectors.objection import ObjectionResult, classify, decider_wish
from inference.detectors.prosody import ArousalTracker, measure
from inference.detectors.roles import find_roles
from inference.detectors.semantic import SentenceEncoder, default_encoder, load_head
from inference.detectors.terms import TermHits, TermSpotter, builtin_terms
from inference.detectors.text import normalize
from inference.events import (
    ClosedUtterance,
    EmotionEvent,
    ObjectionEvent,
    RolesEvent,
    TermsEvent,
    Valence,
)
from inference.text import Segmenter
from inference.text import guess_lang as detect_lang
from inference.text.discourse import states_next_step

_NAMED_COMPETITOR = 2.0  # log-odds added to "competitor" when a known competitor is named
# ... and as much when the line names something by a proper name no lexicon knows
# (`model.names_something`): a supplier the playbook does not list ("we use Ordio and it does
# the lot" is competitor, not need, by the label guide). Now and then it is a person or a
# place: as with a playbook name, the confidence is then the words' own, so a description stays
# tentative. 1.0 and 2.0 were tried on our own files; 2.0 read one more line right and no null
# line wrong.
_UNKNOWN_NAME = 2.0
_RUNNER_UP_MIN = 0.05  # least probability for a second category to be reported
# Below this confidence an objection is tentative: chosen on the project's own scripted calls
# (tests/data/suggest_calls, `parley bench detect --calls`): at 0.5 they kept 1 false alarm in 14
# turns without an objection and served 29 of 34 objection turns right (0.65: 25 of 34).
CONFIRM_THRESHOLD = 0.5
# A line that takes no stance (no negation, contrast or objection word: `model.takes_stance`)
# describes, asks or assents; an objection read into it stands on its own only above this.
PLAIN_CONFIRM_THRESHOLD = 0.8
# The semantic reader (`semantic.py`) weighs in where the words are not this sure of an
# objection, and an objection only it makes stands on its own from this confidence. Both were
# chosen on Parley's own blind, blunt, null and round-4 files and scripted calls (444 objection
# and 145 null lines): confirmed right 362 -> 382, confirmed on null 3 -> 4, where the reader
# unchecked gave 388 and 5 (and a small-talk line of a scripted call about a broken coffee
# machine, confirmed as trust, that then changed four later suggestion sets of its call).
SEMANTIC_KEEP_THRESHOLD = 0.8
SEMANTIC_CONFIRM_THRESHOLD = 0.7
# The LLM reader's say on a line: what it adds to each objection class's log-odds.
SecondLook = Mapping[str, float]
log = logging.getLogger(__name__)
_LETTERS = regex.compile(r"[A-Za-z\p{Han}]")
# Lines of our own that `SignalDetectors.warm` reads: neutral questions, no objection.
_WARM_LINES = {
    "en": "Could you walk me through how the setup would work for us?",
    "zh": "能不能再讲讲具体怎么上手？",
}


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    """Settings of the customer-signal detectors.

    Attributes:
        objection_threshold: least cue evidence for an objection (lower = more objections).
        confirm_threshold: least confidence for an objection to stand on its own; below it
            the objection event is tentative (no suggestion until the customer's next
            utterance confirms it, see `ConversationHub`).
        plain_confirm_threshold: the same for a line that takes no stance (no negation,
            contrast or objection word; a playbook competitor's name alone is none): a
            description of the business, a neutral question or assent needs this much to
            stand on its own.
        semantic_keep_threshold: when the word model reads an objection this sure, the
            semantic reader does not weigh in.
        semantic_confirm_threshold: least confidence for an objection only the semantic
            reader makes (the words alone read another category, none, or one too unsure to
            stand) to stand on its own.
        valence_threshold: evidence needed to call a line negative or positive.
        terms_window_s: session seconds over which term density is computed.
        builtin_terms: whether Parley's general business-technology terms join the glossary.
        trend_window: customer utterances over which the emotion trend is computed.
        sample_rate: rate of `ClosedUtterance.audio`.
        max_prosody_s: longest stretch of an utterance analysed for arousal.
    """

    objection_threshold: float = 2.0
    confirm_threshold: float = CONFIRM_THRESHOLD
    plain_confirm_threshold: float = PLAIN_CONFIRM_THRESHOLD
    semantic_keep_threshold: float = SEMANTIC_KEEP_THRESHOLD
    semantic_confirm_threshold: float = SEMANTIC_CONFIRM_THRESHOLD
    valence_threshold: float = 1.0
    terms_window_s: float = 120.0
    builtin_terms: bool = True
    trend_window: int = 6
    sample_rate: int = 16000
    max_prosody_s: float = 20.0


@dataclass(frozen=True, slots=True)
class TextDetection:
    """What the text detectors read in one line (the `parley detect` record).

    Attributes:
        objection: category, or None when the line raises no objection.
        objection_confidence: confidence in the category; for None, that there is none.
        runner_up: the second category with evidence, if any.
        valence: "negative", "neutral" or "positive".
        label: finer emotion (frustrated, skeptical, worried, concerned, hesitant, interested,
            pleased, calm).
        roles: decision-makers mentioned.
        terms: glossary terms mentioned.
        lang: the language the line was read as.
        valence_confidence: confidence in the valence.
        tentative: an objection too unsure to stand on its own (below the confirmation
            threshold, or below the plain-line threshold in a line that takes no stance), or
            read into a next step the customer states with confidence
            (`inference.text.discourse.states_next_step`).
    """

    objection: str | None
    objection_confidence: float
    runner_up: str | None
    valence: str
    label: str
    roles: tuple[str, ...]
    terms: tuple[str, ...]
    lang: str = "en"
    valence_confidence: float = 0.5
    tentative: bool = False


def _name_shift(norm: str, lang: str, named: bool) -> dict[str, float]:
    """What naming a supplier adds to "competitor": a playbook competitor, else a proper name."""
    if named:
        return {"competitor": _NAMED_COMPETITOR}
    return {"competitor": _UNKNOWN_NAME} if names_something(norm, lang) else {}


class SignalDetectors:
    """Objection, emotion, terminology and decision-maker detectors for Chinese and English.

    Implements `inference.conversation.Detectors`. Holds per-call state (the customer's prosody
    baseline, the emotion trend, the term window), so use one instance per session. Not
    thread-safe: call it from the pipeline thread.

    Args:
        config: detector settings.
        glossary: user and playbook terms to spot (more can be added with `add_terms`).
        use_model: read objection and valence with the learned models (`model.py`) on top of
            the rule evidence; False gives the rules alone (what the models are trained on).
        semantic: let the semantic reader (`semantic.py`: a sentence embedding and a head
            trained on the same corpus) weigh in on the objection of a customer's line, in the
            languages that have a head (English); off when its model pack is not installed.
        encoder: the sentence encoder to use (default: the installed `embed-minilm` pack,
            loaded on the first line that needs it).
    """

    def __init__(
        self,
        config: DetectorConfig | None = None,
        *,
        glossary: Iterable[str] = (),
        use_model: bool = True,
        semantic: bool = True,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.config = config or DetectorConfig()
        self._use_model = use_model
        self._semantic = semantic and use_model
        self._encoder = encoder
        self._seg = Segmenter.create()
        initial = list(builtin_terms()) if self.config.builtin_terms else []
        self._terms = TermSpotter(
            self._seg, [*initial, *glossary], window_s=self.config.terms_window_s
        )
        self._competitors = TermSpotter(self._seg, (), window_s=0.0)
        self._arousal = ArousalTracker()
        self._trend = TrendTracker(self.config.trend_window)

    def add_competitors(self, names: Iterable[str]) -> None:
        """Competitor names (from the playbook): naming one is evidence of a competitor objection.

        They also join the glossary, so ASR hotwords and term spotting know them.
        """
        names = [n for n in (" ".join(str(x).split()) for x in names) if len(n) >= 2]
        self._competitors.add(names)
        self._terms.add(names)

    def warm(self, langs: Iterable[str] = ("en", "zh")) -> None:
        """Load what the first line of each language would load: the lexicon's compiled
        patterns, the word models, the readers' heads and the sentence encoder. Each is loaded
        once per process on first use (about a second in all on two cores), so without this
        the session's first customer utterance waits for it. Reads no call text; the call's
        state (trend, arousal baseline, term density) is untouched. What fails to load is
        logged and left to the first line, which reports it as the session's error."""
        for lang in langs:
            line = _WARM_LINES.get(lang)
            if line is None:
                continue
            low = normalize(line).lower()
            try:
                self._read(line, lang)
                self._semantic_shift(low, lang)  # {} where no semantic head is used
            except Exception as e:
                log.warning("the %s detectors could not be loaded ahead: %s", lang, e)

    def add_terms(self, terms: Iterable[str]) -> None:
        """Add playbook or user terms to the glossary (they also segment as one Chinese word)."""
        self._terms.add(terms)

    @property
    def glossary(self) -> tuple[str, ...]:
        """Every term spotted, as written (these also serve as ASR hotwords)."""
        return self._terms.terms

    @property
    def trend(self) -> EmotionTrend:
        """The customer's emotion trend over the call so far."""
        return self._trend.trend

    def detect_text(
        self, text: str, lang: str = "auto", *, second: SecondLook | None = None
    ) -> TextDetection:
        """Read one line of customer text (no audio, no call state).

        Args:
            text: the line.
            lang: "auto", "en" or "zh".
            second: the LLM reader's say on the line (`inference.detectors.llm_reader`): given,
                its shift joins the semantic reader's (the second opinion's read).
        """
        return self._read(text, lang, second=second)[0]

    def lowered(self, utterance: ClosedUtterance) -> tuple[str, str]:
        """(language, normalised lower-cased text) of an utterance, as the readers see it."""
        return self.lowered_text(utterance.text, utterance.lang)

    @staticmethod
    def lowered_text(text: str, lang_hint: str | None = None) -> tuple[str, str]:
        """(language, normalised lower-cased text) of a line, as the readers see it."""
        hint = lang_hint if lang_hint in ("en", "zh") else "en"
        lang = detect_lang(text) if _LETTERS.search(text) else hint
        return lang, normalize(text).lower()

    def reread(
        self, utterance: ClosedUtterance, second: SecondLook, *, t: float
    ) -> ObjectionEvent | None:
        """The objection of a customer utterance read again with the LLM reader's say
        (`second`); no other signal and no call state changes."""
        lang = self.lowered(utterance)[0]
        return _objection_event(utterance, self._read(utterance.text, lang, second=second)[0], t)

    def _unsure(self, words_top: str, words_p: float) -> bool:
        """Whether the word model leaves room for the readers: its best class is "none", or
        an objection below the keep threshold."""
        return words_top == NONE or words_p < self.config.semantic_keep_threshold

    def needs_second(self, utterance: ClosedUtterance) -> bool:
        """Whether the second opinion could change the read of a customer utterance: the
        words are not sure of an objection (a millisecond; the LLM is not asked otherwise)."""
        lang = self.lowered(utterance)[0]
        models = self._models(lang)
        if models is None:
            return False
        lang, norm, low, roles, obj, emo, named = self._rules(utterance.text, lang)
        feats = self._features(low, lang, roles, obj.scores, obj.category, emo.score)
        p = models.objection.probabilities(feats, _name_shift(norm, lang, named))
        best = max(range(len(p)), key=p.__getitem__)
        return self._unsure(models.objection.classes[best], p[best])

    def _models(self, lang: str) -> LanguageModels | None:
        return load_models(lang) if self._use_model else None

    def _readers(self, low: str, lang: str, second: SecondLook | None) -> dict[str, float]:
        """The semantic reader's and the second opinion's say together."""
        sem = self._semantic_shift(low, lang)
        for c, v in (second or {}).items():
            sem[c] = sem.get(c, 0.0) + v
        return sem

    def _reader_shift(
        self,
        low: str,
        lang: str,
        models: LanguageModels,
        feats: dict[str, float],
        second: SecondLook | None,
    ) -> dict[str, float]:
        """The readers' say where the words alone, without a name's evidence, leave room."""
        p = models.objection.probabilities(feats)
        top = max(range(len(p)), key=p.__getitem__)
        return (
            self._readers(low, lang, second)
            if self._unsure(models.objection.classes[top], p[top])
            else {}
        )

    def _semantic_shift(self, low: str, lang: str) -> dict[str, float]:
        """The semantic reader's say on the objection classes of a line ({} without one)."""
        head = load_head(lang) if self._semantic else None
        if head is None:
            return {}
        if self._encoder is None:
            self._encoder = default_encoder()
            if self._encoder is None:
                self._semantic = False
                return {}
        return head.shift(self._encoder.encode(low))

    def features(self, text: str, lang: str = "auto") -> dict[str, float]:
        """The learned models' features of one line (the training script calls this)."""
        lang, _norm, low, roles, obj, emo, _named = self._rules(text, lang)
        return self._features(low, lang, roles, obj.scores, obj.category, emo.score)

    def _features(
        self,
        low: str,
        lang: str,
        roles: tuple[str, ...],
        scores: dict[str, float],
        rule_objection: str | None,
        emotion_score: float,
    ) -> dict[str, float]:
        words = self._seg.words(low, lang) if lang == "zh" else ()
        wish = decider_wish(low, lang, roles)
        return combine(
            text_features(low, lang, words),
            rule_features(scores, rule_objection, emotion_score, roles, wish),
        )

    def _rules(
        self, text: str, lang: str
    ) -> tuple[str, str, str, tuple[str, ...], ObjectionResult, TextEmotion, bool]:
        lang = detect_lang(text, lang)
        if lang not in ("en", "zh"):
            lang = detect_lang(text)
        norm = normalize(text)
        low = norm.lower()
        roles = find_roles(norm, lang)
        named = bool(self._competitors.terms) and bool(self._competitors.find(norm, lang).terms)
        obj = classify(
            low,
            lang,
            roles=roles,
            competitor_named=named,
            threshold=self.config.objection_threshold,
        )
        emo = read_emotion(
            low, lang, objection=obj.category, threshold=self.config.valence_threshold
        )
        return lang, norm, low, roles, obj, emo, named

    def _read(
        self, text: str, lang: str, *, customer: bool = True, second: SecondLook | None = None
    ) -> tuple[TextDetection, TermHits]:
        lang, norm, low, roles, obj, emo, named = self._rules(text, lang)
        cfg = self.config
        reader_made = False
        category, confidence, runner_up = obj.category, obj.confidence, obj.runner_up
        valence, label, val_conf = emo.valence, emo.label, emo.confidence
        valence_read: tuple[tuple[str, ...], list[float]] | None = None
        models = self._models(lang)
        if models is not None:
            feats = self._features(low, lang, roles, obj.scores, obj.category, emo.score)
            # A competitor the playbook names, or a name no lexicon knows, is evidence the text
            # model never saw.
            named_shift = _name_shift(norm, lang, named)
            classes = models.objection.classes
            p = models.objection.probabilities(feats, named_shift)
            words_top = max(range(len(p)), key=p.__getitem__)
            words_p = p[words_top]
            # The readers weigh in on a customer's line (nobody reads the rep's objections)
            # unless the words are sure of an objection: then they keep it, and no sentence
            # vector is computed.
            sem: dict[str, float] = {}
            if customer and self._unsure(classes[words_top], words_p):
                sem = self._readers(low, lang, second)
            if sem:
                p = models.objection.probabilities(
                    feats, {c: v + named_shift.get(c, 0.0) for c, v in sem.items()}
                )
                best = max(range(len(p)), key=p.__getitem__)
                # An objection the words alone would not stand behind is the reader's.
                reader_made = classes[best] != NONE and (
                    best != words_top or words_p < cfg.confirm_threshold
                )
            ranked = sorted(zip(classes, p, strict=True), key=lambda cp: -cp[1])
            top, top_p = ranked[0]
            category = None if top == NONE else top
            confidence = round(top_p, 3)
            if named_shift and category == "competitor":
                # The name picks the category; the confidence is how sure the words (and the
                # readers, where they read) are of their strongest objection without it: a
                # customer naming their current supplier while describing their setup is
                # context, so a name alone gives a tentative objection that the next turn
                # confirms or drops, while a rival's offer told as a reason not to buy (read
                # by the words as another objection) stands.
                if customer and not sem:
                    sem = self._reader_shift(low, lang, models, feats, second)
                own = models.objection.probabilities(feats, sem)
                confidence = round(
                    max(pc for c, pc in zip(classes, own, strict=True) if c != NONE), 3
                )
            # The next category with evidence: the model leans on it, or a rule cue found it.
            runner_up = next(
                (
                    c
                    for c, pc in ranked[1:]
                    if c != NONE and (pc >= _RUNNER_UP_MIN or obj.scores.get(c, 0.0) > 0)
                ),
                None,
            )
            if category == "need" and (named or supplier_named(norm, lang)):
                # "What we have is enough" with the rival named is staying with a rival (the
                # label guide's close pair): "we're fine with Tidewell" is competitor; the
                # same line about a spreadsheet, an everyday tool or a person stays need.
                category, runner_up = "competitor", "need"
            pv = models.valence.probabilities(feats)
            best = max(range(len(pv)), key=pv.__getitem__)
            valence_read = (models.valence.classes, pv)
            valence, val_conf = models.valence.classes[best], round(pv[best], 3)
            label = emotion_label(low, lang, valence, category)
        hits = self._terms.find(norm, lang)
        # A playbook competitor's name is evidence of the category, not of an objection: a line
        # that names one and takes no stance ("Zorvath does our ovens.") is a candidate.
        plain = category is not None and not takes_stance(low, lang)
        tentative = category is not None and (
            confidence < self.config.confirm_threshold
            or (plain and confidence < self.config.plain_confirm_threshold)
            # An objection only the semantic reader makes needs more to stand on its own.
            or (reader_made and confidence < cfg.semantic_confirm_threshold)
            # A next step stated with confidence ("I'll show it to our partners on Monday")
            # names a decider or a date and blocks nothing: the next line decides.
            or states_next_step(norm, lang)
        )
        if (
            valence_read is not None
            and category is not None
            and not tentative
            and valence == "positive"
        ):
            # As the rules have it, a line that raises an objection does not sound pleased
            # ("the team loved their demo", said of a rival): it is neutral, and the pleased
            # reading counts towards that (it was the likelier, so never below negative).
            vc, pv = valence_read
            valence = "neutral"
            val_conf = round(pv[vc.index("neutral")] + pv[vc.index("positive")], 3)
            label = emotion_label(low, lang, valence, category)
        detection = TextDetection(
            objection=category,
            objection_confidence=confidence,
            runner_up=runner_up,
            valence=valence,
            label=label,
            roles=roles,
            terms=hits.terms,
            lang=lang,
            valence_confidence=val_conf,
            tentative=tentative,
        )
        return detection, hits

    def analyze(self, utterance: ClosedUtterance, *, t: float) -> Signals:
        """Signals of one closed utterance, stamped `t` (session clock).

        Emotion and objections are read for the customer only; terms and roles for anyone.
        Arousal comes from `utterance.audio` when it is there, against the customer's own
        baseline built from earlier utterances of the call. The language is read from the
        text itself (a Chinese call may have English lines); `utterance.lang` decides only
        when the text has no letters of either script.
        """
        uid = utterance.utterance_id
        text = utterance.text
        if not text.strip():
            return Signals(None, None, None, None)
        hint = utterance.lang if utterance.lang in ("en", "zh") else "en"
        lang = detect_lang(text) if _LETTERS.search(text) else hint
        det, hits = self._read(text, lang, customer=utterance.speaker == "customer")
        density = self._terms.density(hits, end=utterance.end)
        terms = (
            TermsEvent(t=t, utterance_id=uid, terms=det.terms, density=density)
            if det.terms
            else None
        )
        roles = RolesEvent(t=t, utterance_id=uid, roles=det.roles) if det.roles else None
        if utterance.speaker != "customer":
            return Signals(None, terms, roles, None)
        arousal = None
        if utterance.audio is not None:
            features = measure(
                utterance.audio,
                text,
                sample_rate=self.config.sample_rate,
                max_s=self.config.max_prosody_s,
            )
            arousal = self._arousal.update(features)
        emotion = EmotionEvent(
            t=t,
            utterance_id=uid,
            start=utterance.start,
            end=utterance.end,
            valence=cast(Valence, det.valence),
            label=det.label,
            confidence=det.valence_confidence,
            arousal=arousal,
        )
        self._trend.add(TextEmotion(det.valence, det.label, det.valence_confidence, 0.0), arousal)
        return Signals(emotion, terms, roles, _objection_event(utterance, det, t))


def _objection_event(
    utterance: ClosedUtterance, det: TextDetection, t: float
) -> ObjectionEvent | None:
    """The objection event of an utterance's read, or None when it raises none."""
    if det.objection is None:
        return None
    return ObjectionEvent(
        t=t,
        utterance_id=utterance.utterance_id,
        start=utterance.start,
        end=utterance.end,
        category=det.objection,
        confidence=det.objection_confidence,
        tentative=det.tentative,
    )
