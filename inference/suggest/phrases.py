"""Wording of the instant paths, per objection category and language (no product words).

Each category has retrieval keywords in both languages (added to the customer's words, so a
Chinese objection also finds an English sheet and the reverse), an acknowledgement and a
question that uncovers the real concern.
"""

from __future__ import annotations

QUERY_TERMS: dict[str, dict[str, str]] = {
    "price": {
        "en": "price pricing cost discount annual plan trial value",
        "zh": "价格 报价 折扣 年付 试用 成本",
    },
    "budget": {"en": "budget cost annual plan trial payment", "zh": "预算 年付 试用 付费 成本"},
    "timing": {
        "en": "onboarding setup weeks trial contract migration",
        "zh": "上线 周期 试用 合同 迁移",
    },
    "competitor": {
        "en": "competitors comparison reporting migration price",
        "zh": "竞品 对比 报表 迁移 价格",
    },
    "authority": {
        "en": "business case proof results case study approval",
        "zh": "案例 效果 审批 客户",
    },
    "need": {"en": "results proof points customers response time", "zh": "案例 效果 客户 响应"},
    "trust": {"en": "customers proof points certified SLA uptime", "zh": "案例 客户 认证 可用性"},
    "implementation": {
        "en": "onboarding migration integrations API weeks",
        "zh": "上线 迁移 集成 周期",
    },
    "security": {
        "en": "security compliance certified data hosted encryption",
        "zh": "安全 合规 认证 数据 加密 机房",
    },
}

ACK: dict[str, dict[str, str]] = {
    "en": {
        "price": "I understand the price has to make sense for you",
        "budget": "I understand the budget is tight right now",
        "timing": "I understand the timing has to work for your team",
        "competitor": "It makes sense to compare your options carefully",
        "authority": "I understand others need to be part of this decision",
        "need": "I understand you want to be sure this is worth it",
        "trust": "I understand you need to be confident in us",
        "implementation": "I understand switching takes effort for your team",
        "security": "I understand your data has to be safe",
        "": "I understand your concern",
    },
    "zh": {
        "price": "理解，价格确实要合理",
        "budget": "理解，现在预算比较紧",
        "timing": "理解，时间安排要适合您的团队",
        "competitor": "理解，多比较几家是应该的",
        "authority": "理解，这个决定还需要其他人参与",
        "need": "理解，您想确认这件事值得做",
        "trust": "理解，您需要对我们有信心",
        "implementation": "理解，切换系统对团队来说有工作量",
        "security": "理解，数据安全是第一位的",
        "": "理解您的顾虑",
    },
}

QUESTION: dict[str, dict[str, str]] = {
    "en": {
        "price": "What are you comparing the price against: the total cost, or specific features you need?",
        "budget": "If the budget were there, would this be the right solution for you, and when does the next budget cycle start?",
        "timing": "What would need to happen for the timing to work, and what is driving the date?",
        "competitor": "What matters most to you when you compare the two options?",
        "authority": "Who else will weigh in, and what will they want to see to say yes?",
        "need": "What would have to improve for this to be worth it to your team?",
        "trust": "What would you need to see from us to feel confident?",
        "implementation": "Which part of the switch worries you most: the migration, the setup, or the team's time?",
        "security": "Which security or compliance requirements does your team have to check?",
        "": "Can you tell me more about what is behind that concern?",
    },
    "zh": {
        "price": "您主要是跟哪个方案比较价格：总成本，还是需要的具体功能？",
        "budget": "如果预算到位，这个方案是否适合你们？下一个预算周期什么时候开始？",
        "timing": "时间上需要满足什么条件才合适？是什么决定了这个时间点？",
        "competitor": "对比两家的时候，您最看重哪一点？",
        "authority": "还有哪些人会参与决定？他们需要看到什么才会同意？",
        "need": "需要改善哪些方面，您才觉得这件事值得做？",
        "trust": "我们需要提供什么，您才会更放心？",
        "implementation": "切换过程中您最担心哪一块：数据迁移、配置，还是团队投入的时间？",
        "security": "你们的法务或信息部门需要核查哪些安全合规要求？",
        "": "能具体说说您的顾虑吗？",
    },
}

EVIDENCE_LEAD = {"en": "For example: ", "zh": "举个例子："}
OPTION_LEAD = {"en": "One option: ", "zh": "可以考虑："}
FACT_LEAD = {"en": "Worth knowing: ", "zh": "值得一提："}
CONTEXT_LEAD = {"en": "For context: ", "zh": "供参考："}


def phrase(table: dict[str, dict[str, str]], lang: str, category: str) -> str:
    by_lang = table.get(lang, table["en"])
    return by_lang.get(category, by_lang[""])
