//! What capability a request exercises: a small set of [`Capability`] bits per request.
//!
//! **Campaign behaviour.** A distillation campaign harvests the capabilities its student model
//! lacks, so its traffic is narrow: almost every request is agentic tool use, or coding, or
//! multi-step maths, or the model grading answers against a rubric (to train a reward model),
//! or rewriting politically sensitive answers into "safe" ones. An account's capability mix,
//! compared with its volume and the accounts that share its templates, is one of the clearest
//! campaign traits.
//!
//! **Honest behaviour that looks like it.** Developers send mostly code, tutoring apps mostly
//! maths, support products mostly tool calls, and evaluation harnesses grade answers all day.
//! One request's capability says nothing by itself; the signals built on top compare the
//! *focus* of an account with its peers and combine it with templating and volume.
//!
//! **How the classifier avoids inventing focus.** It is deliberately a transparent lexicon
//! classifier (English and Chinese phrases with weights, plus the request's tool count, the
//! numbers in the prompt and whether thinking was requested) rather than a model: a request
//! gets a bit only when the evidence for it adds up to [`THRESHOLD`], several bits may be set,
//! and a request with no clear evidence is [`Capability::GeneralChat`], never forced into a
//! specialised class. A single generic word ("error", "rate", "image") is never enough.
//!
//! ```
//! use hydrascope_core::content::{PromptRequest, capability::{classify, Capability}};
//!
//! let caps = classify(&PromptRequest::new(
//!     "Write a Python function that merges two sorted lists, with unit tests.",
//! ));
//! assert!(caps.contains(Capability::SoftwareDevelopment));
//! ```

use std::fmt;

use super::PromptRequest;
use super::cues::{self, CueSums};

/// A capability a request can exercise. The discriminant is the bit in an encoded sketch:
/// never reorder or reuse one (add new capabilities at the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Capability {
    /// Writing, fixing, reviewing or explaining code.
    SoftwareDevelopment = 0,
    /// Maths word problems, proofs, logic puzzles: answers that need several reasoning steps.
    MultiStepReasoning = 1,
    /// Tool calls and tool results, environment actions, customer-service agent scenarios.
    AgenticToolUse = 2,
    /// Operating a computer's screen, mouse and keyboard.
    ComputerUse = 3,
    /// Reading images, charts and screenshots.
    Vision = 4,
    /// The model as a judge or reward model: scoring or grading a response against criteria.
    RubricGrading = 5,
    /// Rewriting politically sensitive questions or answers to be "safe", neutral or
    /// compliant with content regulations.
    SafeRewrite = 6,
    /// Analysing tables, datasets and statistics.
    DataAnalysis = 7,
    /// Stories, poems, scripts, essays, posts and other writing.
    CreativeWriting = 8,
    /// Anything without clear evidence of the above.
    GeneralChat = 9,
}

impl Capability {
    /// Every capability, in bit order.
    pub const ALL: [Capability; 10] = [
        Capability::SoftwareDevelopment,
        Capability::MultiStepReasoning,
        Capability::AgenticToolUse,
        Capability::ComputerUse,
        Capability::Vision,
        Capability::RubricGrading,
        Capability::SafeRewrite,
        Capability::DataAnalysis,
        Capability::CreativeWriting,
        Capability::GeneralChat,
    ];

    /// The stable snake_case name used in output.
    pub fn name(self) -> &'static str {
        match self {
            Capability::SoftwareDevelopment => "software_development",
            Capability::MultiStepReasoning => "multi_step_reasoning",
            Capability::AgenticToolUse => "agentic_tool_use",
            Capability::ComputerUse => "computer_use",
            Capability::Vision => "vision",
            Capability::RubricGrading => "rubric_grading",
            Capability::SafeRewrite => "safe_rewrite",
            Capability::DataAnalysis => "data_analysis",
            Capability::CreativeWriting => "creative_writing",
            Capability::GeneralChat => "general_chat",
        }
    }

    /// The capability with this [`Capability::name`].
    pub fn from_name(name: &str) -> Option<Capability> {
        Capability::ALL.into_iter().find(|c| c.name() == name)
    }

    fn bit(self) -> u16 {
        1 << self as u8
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of capabilities, stored as bits (bit `n` is the capability with discriminant `n`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapabilitySet(u16);

impl CapabilitySet {
    /// The set without capabilities.
    pub const EMPTY: CapabilitySet = CapabilitySet(0);
    /// The bits that name a capability.
    const VALID_BITS: u16 = (1 << Capability::ALL.len()) - 1;

    pub fn insert(&mut self, capability: Capability) {
        self.0 |= capability.bit();
    }

    pub fn contains(self, capability: Capability) -> bool {
        self.0 & capability.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The capabilities in the set, in bit order.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |&c| self.contains(c))
    }

    /// The set as bits (the form stored in a sketch).
    pub fn bits(self) -> u16 {
        self.0
    }

    /// The set with these bits, or `None` when a bit names no capability.
    pub fn from_bits(bits: u16) -> Option<CapabilitySet> {
        (bits & !Self::VALID_BITS == 0).then_some(CapabilitySet(bits))
    }
}

impl FromIterator<Capability> for CapabilitySet {
    fn from_iter<I: IntoIterator<Item = Capability>>(iter: I) -> Self {
        let mut set = CapabilitySet::EMPTY;
        iter.into_iter().for_each(|c| set.insert(c));
        set
    }
}

impl fmt::Debug for CapabilitySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Capability::name))
            .finish()
    }
}

/// Evidence a capability needs before a request gets it.
pub const THRESHOLD: f32 = 1.0;

/// The most evidence for one capability that the body of a long prompt (pasted material
/// between its opening and closing instructions) can add: it can support a capability the
/// instructions point to, never establish one alone.
const BODY_CAP: f32 = 0.5;
/// Evidence for [`Capability::AgenticToolUse`] when the request offers tools: offering tools is
/// itself agentic use, whatever the prompt says.
const TOOLS_OFFERED: f32 = 1.0;
/// Evidence for [`Capability::MultiStepReasoning`] when extended thinking was requested: a
/// hint, not proof (many users leave thinking on).
const THINKING_REQUESTED: f32 = 0.3;
/// Evidence for [`Capability::MultiStepReasoning`] from a prompt with at least 2 separate
/// numbers, and again from one with at least 4 (word problems state their quantities).
const NUMBERS_STATED: f32 = 0.4;

/// The evidence a request gives for each capability.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CapabilityScores([f32; Capability::ALL.len()]);

impl CapabilityScores {
    pub fn get(&self, capability: Capability) -> f32 {
        self.0[capability as usize]
    }

    fn add(&mut self, capability: Capability, weight: f32) {
        self.0[capability as usize] += weight;
    }

    /// The capabilities whose evidence reaches [`THRESHOLD`]; [`Capability::GeneralChat`] when
    /// none does.
    pub fn set(&self) -> CapabilitySet {
        let mut set: CapabilitySet = Capability::ALL
            .into_iter()
            .filter(|&c| self.get(c) >= THRESHOLD)
            .collect();
        if set.is_empty() {
            set.insert(Capability::GeneralChat);
        }
        set
    }
}

/// The capabilities a request exercises.
pub fn classify(request: &PromptRequest<'_>) -> CapabilitySet {
    scores(request).set()
}

/// The evidence a request gives for each capability.
pub fn scores(request: &PromptRequest<'_>) -> CapabilityScores {
    scores_with(request, &cues::scan(request.texts()))
}

/// [`scores`] from the request's phrase evidence, already gathered.
pub(crate) fn scores_with(request: &PromptRequest<'_>, cues: &CueSums) -> CapabilityScores {
    let mut scores = CapabilityScores::default();
    for capability in Capability::ALL {
        let (frame, body) = cues.capability(capability);
        scores.add(capability, frame + body.min(BODY_CAP));
    }
    if request.tool_count > 0 {
        scores.add(Capability::AgenticToolUse, TOOLS_OFFERED);
    }
    if request.thinking {
        scores.add(Capability::MultiStepReasoning, THINKING_REQUESTED);
    }
    let numbers = count_numbers(request.prompt);
    if numbers >= 2 {
        scores.add(Capability::MultiStepReasoning, NUMBERS_STATED);
    }
    if numbers >= 4 {
        scores.add(Capability::MultiStepReasoning, NUMBERS_STATED);
    }
    scores
}

/// Separate runs of ASCII digits (a decimal or a thousands separator continues a run).
fn count_numbers(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut in_number = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            count += usize::from(!in_number);
            in_number = true;
        } else if !(matches!(b, b'.' | b',')
            && in_number
            && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            in_number = false;
        }
    }
    count
}

/// Every phrase of the capability lexicon, with its capability and weight.
pub(crate) fn phrases() -> impl Iterator<Item = (&'static str, Capability, f32)> {
    let groups: [(Capability, &'static [(&'static str, f32)]); 9] = [
        (Capability::SoftwareDevelopment, SOFTWARE),
        (Capability::MultiStepReasoning, REASONING),
        (Capability::AgenticToolUse, AGENTIC),
        (Capability::ComputerUse, COMPUTER_USE),
        (Capability::Vision, VISION),
        (Capability::RubricGrading, GRADING),
        (Capability::SafeRewrite, SAFE_REWRITE),
        (Capability::DataAnalysis, DATA),
        (Capability::CreativeWriting, WRITING),
    ];
    groups
        .into_iter()
        .flat_map(|(capability, list)| list.iter().map(move |&(p, w)| (p, capability, w)))
}

// Weights: 1.0 is conclusive alone, 0.5–0.7 needs one more cue, 0.2–0.4 only adds to others.

const SOFTWARE: &[(&str, f32)] = &[
    ("```", 0.6),
    ("write a function", 1.0),
    ("write a python", 1.0),
    ("implement a function", 1.0),
    ("implement the function", 1.0),
    ("write a program", 1.0),
    ("write a script", 1.0),
    ("write code", 1.0),
    ("source code", 0.7),
    ("the code", 0.6),
    ("this code", 0.7),
    ("my code", 0.7),
    ("code snippet", 1.0),
    ("stack trace", 1.0),
    ("traceback", 1.0),
    ("segmentation fault", 1.0),
    ("compile error", 1.0),
    ("compiler error", 1.0),
    ("syntax error", 1.0),
    ("unit test*", 1.0),
    ("test case*", 0.4),
    ("pull request", 1.0),
    ("code review", 1.0),
    ("refactor*", 1.0),
    ("debug*", 0.7),
    ("leetcode", 1.0),
    ("github", 0.6),
    ("def ", 0.6),
    ("#include", 1.0),
    ("public static", 1.0),
    ("console.log", 1.0),
    ("npm ", 0.7),
    ("pip install", 1.0),
    ("import ", 0.3),
    ("return ", 0.2),
    ("function", 0.4),
    ("method", 0.3),
    ("class", 0.3),
    ("api", 0.4),
    ("endpoint", 0.4),
    ("bug", 0.5),
    ("error", 0.3),
    ("exception", 0.4),
    ("compile*", 0.5),
    ("python", 0.6),
    ("javascript", 0.6),
    ("typescript", 0.6),
    ("java", 0.5),
    ("c++", 0.6),
    ("c#", 0.5),
    ("rust", 0.4),
    ("golang", 0.6),
    ("kotlin", 0.6),
    ("swift", 0.4),
    ("sql", 0.4),
    ("html", 0.5),
    ("css", 0.5),
    ("react", 0.4),
    ("node.js", 0.6),
    ("django", 0.6),
    ("docker", 0.5),
    ("kubernetes", 0.5),
    ("repository", 0.4),
    ("codebase", 0.7),
    ("algorithm", 0.4),
    ("implement*", 0.4),
    ("script", 0.4),
    ("library", 0.3),
    ("regex", 0.6),
    ("frontend", 0.5),
    ("backend", 0.5),
    ("编写代码", 1.0),
    ("写代码", 1.0),
    ("写一个函数", 1.0),
    ("代码", 0.7),
    ("函数", 0.4),
    ("编程", 0.7),
    ("程序", 0.4),
    ("调试", 0.7),
    ("重构", 0.8),
    ("单元测试", 1.0),
    ("报错", 0.6),
    ("算法", 0.4),
    ("接口", 0.3),
];

const REASONING: &[(&str, f32)] = &[
    ("how many", 0.6),
    ("how much", 0.6),
    ("how long will", 0.5),
    ("how far", 0.5),
    ("what is the probability", 1.0),
    ("probability", 0.5),
    ("prove that", 1.0),
    ("proof", 0.5),
    ("word problem", 1.0),
    ("math problem", 1.0),
    ("solve for", 1.0),
    ("logic puzzle", 1.0),
    ("riddle", 0.7),
    ("puzzle", 0.5),
    ("calculate", 0.5),
    ("compute", 0.4),
    ("equation", 0.6),
    ("deduce", 0.5),
    ("theorem", 0.6),
    ("integer", 0.4),
    ("prime number", 0.6),
    ("percent*", 0.3),
    ("profit", 0.3),
    ("how much money", 0.8),
    ("how many more", 0.8),
    ("remainder", 0.4),
    ("altogether", 0.4),
    ("in total", 0.3),
    ("total", 0.2),
    ("average", 0.3),
    ("ratio", 0.4),
    ("twice as", 0.4),
    ("times as many", 0.5),
    ("more than", 0.2),
    ("fewer", 0.3),
    ("each", 0.15),
    ("per", 0.15),
    ("math*", 0.5),
    ("solve", 0.4),
    ("logic", 0.4),
    ("应用题", 1.0),
    ("数学题", 1.0),
    ("证明", 0.7),
    ("求解", 0.8),
    ("计算", 0.5),
    ("多少", 0.6),
    ("几个", 0.4),
    ("一共", 0.4),
    ("总共", 0.4),
    ("平均", 0.3),
    ("概率", 0.6),
    ("推理题", 1.0),
    ("逻辑", 0.4),
    ("方程", 0.6),
    ("数学", 0.5),
    ("百分之", 0.3),
];

const AGENTIC: &[(&str, f32)] = &[
    ("tool call*", 1.0),
    ("function call*", 1.0),
    ("tool_use", 1.0),
    ("tool_result", 1.0),
    ("tool_call", 1.0),
    ("function_call", 1.0),
    ("<tool", 1.0),
    ("available tools", 1.0),
    ("following tools", 1.0),
    ("use the tools", 1.0),
    ("call the tool", 1.0),
    ("tool result*", 1.0),
    ("observation:", 0.7),
    ("action input", 1.0),
    ("customer service", 0.7),
    ("customer support", 0.7),
    ("as an agent", 1.0),
    ("agentic", 1.0),
    ("customer", 0.4),
    ("agent", 0.5),
    ("reservation", 0.5),
    ("booking", 0.4),
    ("refund", 0.5),
    ("cancel", 0.3),
    ("order id", 0.6),
    ("user id", 0.6),
    ("order", 0.2),
    ("flight", 0.3),
    ("policy", 0.2),
    ("execute", 0.4),
    ("run the command", 0.7),
    ("bash", 0.5),
    ("shell", 0.4),
    ("terminal", 0.4),
    ("command line", 0.4),
    ("directory", 0.4),
    ("工具调用", 1.0),
    ("调用工具", 1.0),
    ("函数调用", 1.0),
    ("可用工具", 1.0),
    ("智能体", 1.0),
    ("客服", 0.7),
    ("订单", 0.5),
    ("退款", 0.5),
    ("预订", 0.5),
    ("航班", 0.3),
    ("执行命令", 1.0),
    ("终端", 0.4),
];

const COMPUTER_USE: &[(&str, f32)] = &[
    ("computer use", 1.0),
    ("computer_use", 1.0),
    ("left_click", 1.0),
    ("right_click", 1.0),
    ("double_click", 1.0),
    ("mouse_move", 1.0),
    ("take a screenshot", 1.0),
    ("xdotool", 1.0),
    ("click on", 0.6),
    ("click the", 0.6),
    ("click", 0.4),
    ("screenshot", 0.4),
    ("mouse", 0.5),
    ("keyboard", 0.4),
    ("cursor", 0.4),
    ("scroll", 0.4),
    ("browser", 0.4),
    ("navigate to", 0.4),
    ("type into", 0.5),
    ("the screen", 0.4),
    ("desktop", 0.3),
    ("button", 0.3),
    ("点击", 0.6),
    ("鼠标", 0.6),
    ("截图", 0.4),
    ("屏幕", 0.4),
    ("浏览器", 0.4),
    ("键盘", 0.4),
    ("桌面", 0.3),
    ("按钮", 0.3),
];

const VISION: &[(&str, f32)] = &[
    ("this image", 1.0),
    ("the image", 0.8),
    ("this picture", 1.0),
    ("the picture", 0.7),
    ("this photo", 1.0),
    ("the photo", 0.7),
    ("this screenshot", 1.0),
    ("the screenshot", 0.8),
    ("attached image", 1.0),
    ("attached photo", 1.0),
    ("the chart", 0.6),
    ("this chart", 0.8),
    ("the diagram", 0.6),
    ("this diagram", 0.8),
    ("in the figure", 0.6),
    ("<image>", 1.0),
    ("[image]", 1.0),
    ("<img", 1.0),
    ("image_url", 1.0),
    ("ocr", 0.8),
    ("image", 0.4),
    ("picture", 0.4),
    ("photo", 0.4),
    ("chart", 0.3),
    ("graph", 0.2),
    ("diagram", 0.3),
    ("screenshot", 0.4),
    ("look at", 0.3),
    ("shown", 0.2),
    ("这张图", 1.0),
    ("图中", 1.0),
    ("图片", 0.8),
    ("图像", 0.7),
    ("照片", 0.7),
    ("图表", 0.6),
    ("截图", 0.5),
];

const GRADING: &[(&str, f32)] = &[
    ("rubric", 1.0),
    ("grading criteria", 1.0),
    ("scoring criteria", 1.0),
    ("evaluation criteria", 1.0),
    ("on a scale of", 1.0),
    ("scale of 1", 1.0),
    ("from 1 to 10", 0.8),
    ("from 1 to 5", 0.8),
    ("rate the response", 1.0),
    ("rate the answer", 1.0),
    ("score the response", 1.0),
    ("grade the response", 1.0),
    ("grade the answer", 1.0),
    ("evaluate the response", 1.0),
    ("evaluate the answer", 1.0),
    ("which response is better", 1.0),
    ("which answer is better", 1.0),
    ("assistant a", 0.6),
    ("assistant b", 0.6),
    ("[[a]]", 1.0),
    ("[[b]]", 1.0),
    ("impartial judge", 1.0),
    ("as a judge", 1.0),
    ("reward model", 1.0),
    ("pairwise", 0.5),
    ("reference answer", 0.7),
    ("score:", 0.5),
    ("rating:", 0.5),
    ("score", 0.4),
    ("grade", 0.3),
    ("rate", 0.3),
    ("rating", 0.4),
    ("criteria", 0.4),
    ("evaluate", 0.4),
    ("judge", 0.4),
    ("assess", 0.3),
    ("the response", 0.3),
    ("correctness", 0.4),
    ("helpfulness", 0.5),
    ("评分标准", 1.0),
    ("打分", 1.0),
    ("评分", 0.8),
    ("哪个回答更好", 1.0),
    ("评判", 0.7),
    ("裁判", 0.7),
    ("评估", 0.4),
    ("分数", 0.4),
    ("标准", 0.3),
    ("回答", 0.2),
];

const SAFE_REWRITE: &[(&str, f32)] = &[
    ("politically sensitive", 1.0),
    ("sensitive political", 1.0),
    ("content regulation*", 1.0),
    ("socialist core values", 1.0),
    ("censor*", 0.8),
    ("sensitive", 0.5),
    ("rewrite", 0.4),
    ("rephrase", 0.4),
    ("neutral", 0.4),
    ("compliant", 0.5),
    ("compliance", 0.4),
    ("regulation*", 0.4),
    ("safe", 0.3),
    ("harmless", 0.4),
    ("political", 0.4),
    ("politics", 0.4),
    ("government", 0.3),
    ("政治敏感", 1.0),
    ("敏感话题", 1.0),
    ("敏感问题", 1.0),
    ("敏感内容", 1.0),
    ("社会主义核心价值观", 1.0),
    ("正面引导", 1.0),
    ("内容安全", 1.0),
    ("符合法律法规", 1.0),
    ("合规", 0.6),
    ("审查", 0.6),
    ("敏感", 0.5),
    ("改写", 0.4),
    ("重写", 0.4),
    ("中立", 0.4),
    ("政治", 0.4),
    ("安全", 0.3),
    ("规范", 0.3),
    ("政府", 0.3),
    ("和谐", 0.3),
    ("不当", 0.3),
];

const DATA: &[(&str, f32)] = &[
    ("data analysis", 1.0),
    ("analyze the data", 1.0),
    ("analyse the data", 1.0),
    ("analyze this data", 1.0),
    ("pivot table", 1.0),
    ("dataframe", 1.0),
    ("pandas", 0.8),
    ("spreadsheet", 0.7),
    ("standard deviation", 1.0),
    ("regression", 0.6),
    ("correlation", 0.6),
    ("dataset", 0.7),
    ("csv", 0.6),
    ("data", 0.3),
    ("excel", 0.5),
    ("table", 0.3),
    ("statistic*", 0.5),
    ("median", 0.4),
    ("variance", 0.4),
    ("trend", 0.3),
    ("visualiz*", 0.4),
    ("visualis*", 0.4),
    ("plot", 0.2),
    ("metrics", 0.3),
    ("kpi", 0.4),
    ("revenue", 0.3),
    ("sales", 0.2),
    ("forecast", 0.3),
    ("columns", 0.3),
    ("数据分析", 1.0),
    ("数据集", 0.8),
    ("回归分析", 1.0),
    ("相关性", 0.6),
    ("标准差", 1.0),
    ("透视表", 1.0),
    ("数据", 0.3),
    ("统计", 0.5),
    ("表格", 0.4),
    ("趋势", 0.3),
    ("均值", 0.5),
    ("中位数", 0.5),
    ("可视化", 0.5),
    ("报表", 0.5),
];

const WRITING: &[(&str, f32)] = &[
    ("write a story", 1.0),
    ("short story", 1.0),
    ("write a poem", 1.0),
    ("poem", 0.8),
    ("haiku", 1.0),
    ("limerick", 1.0),
    ("sonnet", 1.0),
    ("lyrics", 1.0),
    ("screenplay", 1.0),
    ("fan fiction", 1.0),
    ("fairy tale", 1.0),
    ("novel", 0.6),
    ("blog post", 1.0),
    ("creative writing", 1.0),
    ("in the style of", 0.7),
    ("roleplay", 0.8),
    ("role-play", 0.8),
    ("cover letter", 0.8),
    ("story", 0.6),
    ("character*", 0.3),
    ("plot", 0.2),
    ("narrative", 0.5),
    ("fiction", 0.6),
    ("creative", 0.4),
    ("essay", 0.6),
    ("article", 0.4),
    ("speech", 0.4),
    ("slogan", 0.6),
    ("rhyme", 0.5),
    ("dialogue", 0.3),
    ("chapter", 0.4),
    ("compose", 0.4),
    ("draft", 0.3),
    ("email", 0.3),
    ("letter", 0.2),
    ("write", 0.2),
    ("write a paper", 0.8),
    ("write an email", 0.8),
    ("draft an email", 0.8),
    ("persuasive", 0.3),
    ("descriptive", 0.3),
    ("paragraph", 0.3),
    ("headline", 0.4),
    ("outline", 0.4),
    ("help me write", 0.5),
    ("写一首", 1.0),
    ("写一篇", 1.0),
    ("写一个故事", 1.0),
    ("小说", 0.8),
    ("故事", 0.6),
    ("剧本", 0.8),
    ("散文", 0.8),
    ("作文", 0.8),
    ("歌词", 1.0),
    ("诗", 0.6),
    ("文案", 0.7),
    ("文章", 0.5),
    ("创作", 0.5),
    ("续写", 0.8),
    ("撰写", 0.5),
    ("帮我写", 0.6),
    ("论文", 0.4),
    ("大纲", 0.5),
    ("写", 0.2),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(prompt: &str) -> CapabilitySet {
        classify(&PromptRequest::new(prompt))
    }

    fn has(prompt: &str, capability: Capability) -> bool {
        caps(prompt).contains(capability)
    }

    #[test]
    fn names_are_stable_snake_case_and_round_trip() {
        let names: Vec<&str> = Capability::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(
            names,
            [
                "software_development",
                "multi_step_reasoning",
                "agentic_tool_use",
                "computer_use",
                "vision",
                "rubric_grading",
                "safe_rewrite",
                "data_analysis",
                "creative_writing",
                "general_chat"
            ]
        );
        for c in Capability::ALL {
            assert_eq!(Capability::from_name(c.name()), Some(c));
            assert_eq!(
                c as usize,
                Capability::ALL.iter().position(|&x| x == c).unwrap()
            );
        }
    }

    #[test]
    fn capability_sets_round_trip_through_bits_and_reject_unknown_bits() {
        let set: CapabilitySet = [Capability::Vision, Capability::SafeRewrite]
            .into_iter()
            .collect();
        assert_eq!(CapabilitySet::from_bits(set.bits()), Some(set));
        assert_eq!(set.len(), 2);
        assert_eq!(format!("{set:?}"), r#"{"vision", "safe_rewrite"}"#);
        assert_eq!(CapabilitySet::from_bits(1 << 12), None);
    }

    #[test]
    fn coding_requests_are_software_development() {
        assert!(has(
            "I'm getting a TypeError: 'NoneType' object is not subscriptable when I run my \
             script. Here is the traceback:\n```\nFile \"app.py\", line 12\n```",
            Capability::SoftwareDevelopment
        ));
        assert!(has(
            "Refactor this Java class so the database access goes through a repository.",
            Capability::SoftwareDevelopment
        ));
        assert!(has(
            "用Python写一个函数，判断一个字符串是不是回文，并给出单元测试。",
            Capability::SoftwareDevelopment
        ));
    }

    #[test]
    fn word_problems_are_multi_step_reasoning() {
        assert!(has(
            "A bakery sells 48 muffins in the morning and 3 times as many in the afternoon. \
             If each muffin costs $2.50, how much money does the bakery make in a day?",
            Capability::MultiStepReasoning
        ));
        assert!(has(
            "小明有15个苹果，给了小红3个，又买了8个。小明现在一共有多少个苹果？",
            Capability::MultiStepReasoning
        ));
        assert!(has(
            "Prove that the square root of 2 is irrational.",
            Capability::MultiStepReasoning
        ));
    }

    #[test]
    fn a_question_with_how_many_but_no_quantities_is_not_reasoning() {
        assert!(!has(
            "How many calories are in a banana?",
            Capability::MultiStepReasoning
        ));
    }

    #[test]
    fn offering_tools_is_agentic_and_so_are_support_agent_scenarios() {
        let request = PromptRequest {
            tool_count: 3,
            ..PromptRequest::new("What's the weather in Lisbon tomorrow?")
        };
        assert!(classify(&request).contains(Capability::AgenticToolUse));
        let support = PromptRequest {
            system_prompt: Some(
                "You are a customer service agent for an airline. Follow the policy strictly.",
            ),
            ..PromptRequest::new(
                "Hi, I need to change my reservation to an earlier flight, booking code ZX81Q.",
            )
        };
        assert!(classify(&support).contains(Capability::AgenticToolUse));
        assert!(has(
            "你是一个电商平台的客服。用户要求对订单 #48213 退款，请调用工具查询订单状态。",
            Capability::AgenticToolUse
        ));
    }

    #[test]
    fn screen_control_is_computer_use() {
        assert!(has(
            "Take a screenshot, then click on the Settings button in the top right corner and \
             scroll down to Privacy.",
            Capability::ComputerUse
        ));
    }

    #[test]
    fn image_questions_are_vision() {
        assert!(has(
            "What is the trend shown in this chart? [image]",
            Capability::Vision
        ));
        assert!(has("请描述这张图片里的内容。", Capability::Vision));
    }

    #[test]
    fn judging_responses_against_criteria_is_rubric_grading() {
        assert!(has(
            "Please act as an impartial judge and evaluate the quality of the responses \
             provided by two AI assistants. Output your verdict as [[A]] or [[B]].",
            Capability::RubricGrading
        ));
        assert!(has(
            "Rate the response below on a scale of 1 to 10 for helpfulness and correctness.",
            Capability::RubricGrading
        ));
        assert!(has(
            "请根据评分标准给下面的回答打分（1-10分），并说明理由。",
            Capability::RubricGrading
        ));
    }

    #[test]
    fn an_interest_rate_question_is_not_grading() {
        assert!(!has(
            "What is the current interest rate for a 30-year mortgage?",
            Capability::RubricGrading
        ));
    }

    #[test]
    fn rewriting_sensitive_political_content_to_be_compliant_is_safe_rewrite() {
        assert!(has(
            "Rewrite the following answer about the 1989 protests so that it is neutral and \
             compliant with content regulations.",
            Capability::SafeRewrite
        ));
        assert!(has(
            "下面这个问题涉及政治敏感话题，请改写成符合社会主义核心价值观的安全回答。",
            Capability::SafeRewrite
        ));
    }

    #[test]
    fn rewriting_an_email_politely_is_not_safe_rewrite() {
        let c = caps("Rewrite this email to my landlord so it sounds more polite.");
        assert!(!c.contains(Capability::SafeRewrite));
    }

    #[test]
    fn spreadsheet_work_is_data_analysis() {
        assert!(has(
            "I have a CSV of monthly sales by region. Which regions show the strongest \
             correlation between ad spend and revenue?",
            Capability::DataAnalysis
        ));
        assert!(has(
            "帮我对这份销售数据做数据分析，找出趋势。",
            Capability::DataAnalysis
        ));
    }

    #[test]
    fn pasted_material_cannot_establish_a_capability_alone() {
        let introduction = "Urban heat islands are a growing concern for city planners. This \
            paper reviews how tree cover, reflective roofs and water features change summer \
            temperatures in dense neighbourhoods, and what residents think of each measure. ";
        let sections = "The proposed algorithm reduces latency; our dataset, code and \
            statistics are public, and the political and regulatory context is discussed. "
            .repeat(20);
        let conclusion = "In short, greener streets are cooler streets, and the people who \
            live on them notice the difference within a single summer. ";
        let prompt = format!(
            "Please write a short abstract for this paper.\n\n{introduction}{introduction}{introduction}\
             {sections}{conclusion}{conclusion}\n\nKeep it under 150 words, in plain language."
        );
        let c = caps(&prompt);
        assert!(!c.contains(Capability::SoftwareDevelopment), "{c:?}");
        assert!(!c.contains(Capability::DataAnalysis), "{c:?}");
        assert!(!c.contains(Capability::SafeRewrite), "{c:?}");
    }

    #[test]
    fn stories_and_poems_are_creative_writing() {
        assert!(has(
            "Write a short story about a lighthouse keeper who finds a message in a bottle.",
            Capability::CreativeWriting
        ));
        assert!(has("写一首关于秋天的诗。", Capability::CreativeWriting));
    }

    #[test]
    fn small_talk_is_general_chat_only() {
        for prompt in [
            "What's a good name for a golden retriever puppy?",
            "Can you recommend a few things to do in Kyoto in autumn?",
            "周末有什么好看的电影推荐吗？",
        ] {
            let c = caps(prompt);
            assert_eq!(
                c.iter().collect::<Vec<_>>(),
                [Capability::GeneralChat],
                "{prompt}"
            );
        }
    }

    #[test]
    fn numbers_are_counted_as_separate_runs() {
        assert_eq!(count_numbers("pay $1,200.50 for 3 items on 2024"), 3);
        assert_eq!(count_numbers("no digits"), 0);
    }
}
