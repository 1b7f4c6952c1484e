"""The UI's two languages: a small translation table keyed by the English text.

No .ts/.qm toolchain: `tr(key)` looks the key up for the current language and falls back to the
English text (or the key itself). Keys with a prefix (`objection:price`, `role:cfo`,
`status:device_lost`) name things the pipeline reports.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}

_EN: dict[str, str] = {
    "objection:price": "Price objection",
    "objection:budget": "Budget objection",
    "objection:timing": "Timing objection",
    "objection:competitor": "Competitor objection",
    "objection:authority": "Authority objection",
    "objection:need": "Need objection",
    "objection:trust": "Trust objection",
    "objection:implementation": "Implementation objection",
    "objection:security": "Security objection",
    "strategy:acknowledge_value": "Acknowledge, then value",
    "strategy:ask_question": "Ask a question",
    "strategy:offer_evidence": "Offer evidence",
    "role:ceo": "CEO",
    "role:cfo": "CFO",
    "role:cto": "CTO",
    "role:procurement": "Procurement",
    "role:legal": "Legal",
    "role:it": "IT",
    "role:board": "Board",
    "role:manager": "Manager",
    "status:lagging": "Transcription is falling behind; it is skipping work to catch up.",
    "status:recovered": "Transcription has caught up again.",
    "status:no_customer_audio": (
        "No audio from the customer's side. Check the system-audio source and that the call "
        "is playing through it."
    ),
    "status:clipping": "The input is too loud and clipping. Lower the input volume.",
    "status:device_lost": (
        "An audio device disappeared. Plug it back in or pick another; capture resumes when it "
        "returns."
    ),
    "status:device_restored": "The audio device is back; capture has resumed.",
    "status:superseded": "A newer objection replaced an unfinished suggestion.",
}

_ZH: dict[str, str] = {
    "Parley": "Parley",
    "Start": "开始",
    "Stop": "停止",
    "Settings…": "设置…",
    "Review sessions…": "复盘会话…",
    "Pause": "暂停",
    "Resume": "继续",
    "Jump to…": "跳转到…",
    "Position in the recording (m:ss)": "录音中的位置（分:秒）",
    "Give the position as minutes:seconds, for example 2:30.": "请按“分:秒”输入位置，例如 2:30。",
    "Live call": "实时通话",
    "Replay a file": "回放文件",
    "Choose file…": "选择文件…",
    "No file chosen": "未选择文件",
    "Microphone": "麦克风",
    "System audio": "系统音频",
    "Playbook folder": "销售手册文件夹",
    "Choose…": "选择…",
    "No playbook": "未选择手册",
    "Use the local LLM for refined suggestions": "使用本地大模型细化建议",
    "Models": "模型",
    "Speech recognition": "语音识别",
    "Language model": "语言模型",
    "Not loaded": "未加载",
    "Loading…": "加载中…",
    "Ready": "就绪",
    "Failed": "失败",
    "Off": "未启用",
    "Transcript": "通话记录",
    "Rep": "销售",
    "Customer": "客户",
    "Customer emotion": "客户情绪",
    "Terminology density": "术语密度",
    "Decision map": "决策人图谱",
    "per 100 words": "每百词",
    "Setup": "设置",
    "Signals": "信号",
    "Idle": "空闲",
    "Session running": "会话进行中",
    "Session stopping…": "正在停止会话…",
    "Session ended": "会话已结束",
    "Dismiss": "关闭",
    "Show overlay": "显示悬浮窗",
    "Hide overlay": "隐藏悬浮窗",
    "Show/hide overlay": "显示/隐藏悬浮窗",
    "Show window": "显示主窗口",
    "Quit": "退出",
    "Default device": "默认设备",
    "Refresh devices": "刷新设备",
    "No audio input devices were found; the default device will be used. Connect a "
    "microphone or start the sound server, then press Refresh devices.": (
        "未找到音频输入设备，将使用默认设备。请连接麦克风或启动声音服务，然后点击“刷新设备”。"
    ),
    "Audio devices are not available: ": "音频设备不可用：",
    "Choose a recording or a timed transcript to replay first.": "请先选择要回放的录音或带时间的文字稿。",
    "Could not start the session: ": "无法开始会话：",
    "The session stopped with a problem: ": "会话因问题而停止：",
    "The session runner is not available in this build. Reinstall Parley.": (
        "此版本缺少会话运行组件，请重新安装 Parley。"
    ),
    # empty state and the demo call
    "No call yet": "还没有通话",
    "See what Parley does: a sample sales call of a made-up product is replayed with its "
    "playbook, and the objections and suggestions appear as they happen. Nothing is stored.": (
        "先看看 Parley 能做什么：用一个虚构产品的示例销售通话和它的销售手册回放，"
        "客户异议和应对建议会实时出现。不会保存任何内容。"
    ),
    "Try a demo call": "试试示例通话",
    "Demo call": "示例通话",
    "Or start a live call, or replay a recording of your own, with the buttons above.": (
        "也可以用上方的按钮开始实时通话，或回放你自己的录音。"
    ),
    # passphrase dialog
    "Protect your sessions": "保护你的会话记录",
    "Unlock your sessions": "解锁你的会话记录",
    "Parley encrypts every call it keeps. This computer has no keyring to hold the key, so "
    "choose a passphrase; you will type it when Parley starts.": (
        "Parley 会加密保存的每一次通话。这台电脑没有可用的密钥环来保管密钥，"
        "请设置一个口令，以后启动 Parley 时输入。"
    ),
    "Your sessions are protected by a passphrase. Type it to keep this session with the "
    "others.": "你的会话记录受口令保护。输入口令，这次会话就会和其他会话一起保存。",
    "Passphrase": "口令",
    "Repeat it": "再输入一次",
    "Use at least 10 characters; a few words work well.": "至少 10 个字符；用几个词组成一句话就很好。",
    "It is too easy to guess; avoid repeats, sequences and common phrases.": (
        "太容易被猜到；请避免重复字符、连续序列和常见口令。"
    ),
    "Mix letters with digits or symbols, or use a longer phrase (16 characters or more).": (
        "请混合字母与数字或符号，或使用更长的句子（16 个字符以上）。"
    ),
    "The two passphrases differ.": "两次输入的口令不一致。",
    "A strong passphrase.": "口令强度足够。",
    "Not now (keep sessions in memory only)": "暂不设置（会话只保存在内存中）",
    "Without a passphrase this session is kept in memory only and is gone when Parley "
    "closes.": "没有口令时，这次会话只保存在内存中，关闭 Parley 后即消失。",
    # model setup panel
    "Models to install": "需要安装的模型",
    "Parley needs these models on this computer. Installing downloads them once (the only "
    "time Parley uses the network); after that everything runs offline.": (
        "Parley 需要在本机安装以下模型。安装时会下载一次（这是 Parley 唯一一次联网），"
        "之后一切都离线运行。"
    ),
    "Install": "安装",
    "Cancel": "取消",
    "Waiting": "等待中",
    "Downloading…": "下载中…",
    "Checking…": "校验中…",
    "Installed": "已安装",
    "Cancelled": "已取消",
    "Installing…": "安装中…",
    # settings dialog
    "Parley settings": "Parley 设置",
    "Interface language": "界面语言",
    "Speech model": "语音模型",
    "Overlay position": "悬浮窗位置",
    "Where I leave it": "保持拖放位置",
    "Top right": "右上角",
    "Bottom right": "右下角",
    "Top left": "左上角",
    "Bottom left": "左下角",
    "Overlay opacity": "悬浮窗不透明度",
    "Hide overlay after quiet seconds": "安静多少秒后隐藏悬浮窗",
    "Click-through": "点击穿透",
    "Show/hide overlay hotkey": "显示/隐藏悬浮窗快捷键",
    "Pick path hotkeys": "选择建议快捷键",
    "No LLM (instant suggestions only)": "不用大模型（仅即时建议）",
    "Hotkeys work while Parley has focus; the overlay itself also takes 1/2/3 and Esc.": (
        "快捷键在 Parley 处于焦点时生效；悬浮窗本身也接受 1/2/3 和 Esc。"
    ),
    "Hotkeys with a modifier (or F1–F24) work in every app; the overlay itself also takes "
    "1/2/3 and Esc.": "带修饰键（或 F1–F24）的快捷键在任何程序中都有效；悬浮窗本身也接受 1/2/3 和 Esc。",
    # overlay
    "Suggestions": "建议",
    "Possible objection": "可能的异议",
    "1/2/3 pick · Esc hide": "1/2/3 选择 · Esc 隐藏",
    "instant": "即时",
    "refined": "已细化",
    "High": "高",
    "Medium": "中",
    "Low": "低",
    "Sources": "来源",
    "Hide sources": "收起来源",
    "No sources": "无来源",
    "Customer said": "客户原话",
    "blocked": "已拦截",
    "rewritten": "已改写",
    "flagged": "已标记",
    "objection:price": "价格异议",
    "objection:budget": "预算异议",
    "objection:timing": "时机异议",
    "objection:competitor": "竞品异议",
    "objection:authority": "决策权异议",
    "objection:need": "需求异议",
    "objection:trust": "信任异议",
    "objection:implementation": "实施异议",
    "objection:security": "安全异议",
    "strategy:acknowledge_value": "认可顾虑，强调价值",
    "strategy:ask_question": "提问澄清",
    "strategy:offer_evidence": "提供证据",
    "role:ceo": "总经理",
    "role:cfo": "财务",
    "role:cto": "技术负责人",
    "role:procurement": "采购",
    "role:legal": "法务",
    "role:it": "信息科",
    "role:board": "董事会",
    "role:manager": "主管",
    "emotion:frustrated": "不满",
    "emotion:skeptical": "怀疑",
    "emotion:worried": "担忧",
    "emotion:hesitant": "犹豫",
    "emotion:interested": "感兴趣",
    "emotion:pleased": "满意",
    "emotion:concerned": "顾虑",
    "emotion:calm": "平静",
    "negative": "负面",
    "neutral": "中性",
    "positive": "正面",
    "status:lagging": "转写跟不上，正在跳过部分内容以追上进度。",
    "status:recovered": "转写已恢复正常。",
    "status:no_customer_audio": "没有客户一侧的声音。请检查系统音频来源，以及通话是否经由它播放。",
    "status:clipping": "输入音量过大、出现削波。请调低输入音量。",
    "status:device_lost": "音频设备已断开。请重新连接或选择其他设备；设备恢复后会继续采集。",
    "status:device_restored": "音频设备已恢复，采集继续。",
    "status:superseded": "新的异议取代了尚未完成的建议。",
}

_TABLES = {"en": _EN, "zh": _ZH}
_current = "en"


def set_language(lang: str) -> None:
    """Switch the UI language ("en" or "zh"; anything else means English)."""
    global _current
    _current = lang if lang in _TABLES else "en"


def language() -> str:
    return _current


def tr(key: str) -> str:
    """The text for `key` in the current language (English, then the key, as fallbacks)."""
    return _TABLES[_current].get(key) or _EN.get(key) or key
