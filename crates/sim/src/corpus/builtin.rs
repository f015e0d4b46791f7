//! The fallback corpus compiled into the crate: small, but with every shape the simulator
//! needs, so that it runs (and its tests of structure pass) without `shared/corpora`.

use super::netmeta::{Browser, Browsers, Device, NetKind, RangeTable};
use super::prompts::{Prompt, PromptSet, Prompts};
use super::traces::{RateProfile, SLOTS_PER_DAY, Tokens};

const CHAT: &[&str] = &[
    "How do I make a sourdough starter from scratch?",
    "Explain the difference between a Roth IRA and a traditional IRA.",
    "Write a short poem about the first snow of winter.",
    "What are some good exercises for lower back pain?",
    "Summarise the plot of Pride and Prejudice in five sentences.",
    "Help me plan a three-day trip to Lisbon on a budget.",
    "What is the difference between weather and climate?",
    "Give me ten name ideas for a coffee shop near a university.",
    "How does compound interest work? Use an example.",
    "Write a polite email asking my landlord to fix the heating.",
    "What should I look for when buying a used bicycle?",
    "Explain how vaccines train the immune system, simply.",
    "Can you suggest a vegetarian dinner I can cook in 30 minutes?",
    "Why is the sky blue during the day and red at sunset?",
    "Draft a LinkedIn post announcing that I started a new job.",
    "What are the pros and cons of learning Rust as a first language?",
    "How can I improve my sleep schedule after travelling across time zones?",
    "Translate 'Where is the train station?' into Spanish, French and German.",
    "Write a bedtime story about a fox who is afraid of the dark.",
    "Explain what a SQL join is with a small example.",
    "How do I politely decline a wedding invitation?",
    "What were the main causes of the First World War?",
    "Recommend five science fiction novels for someone who liked Dune.",
    "How do I calculate the area of an irregular garden plot?",
];

const WRITING: &[&str] = &[
    "帮我写一封给客户的道歉信，说明交货延迟的原因并提出补偿方案。",
    "Write a product description for a stainless steel water bottle that keeps drinks cold for 24 hours.",
    "请为一家新开的书店写一段社交媒体推广文案，突出社区氛围。",
    "Draft a one-page policy memo on reducing single-use plastics in city offices.",
    "Write a cover letter for a junior data analyst position at a healthcare company.",
    "请写一份关于远程办公利弊的调研报告大纲。",
    "Write a 300-word travel guide section about the old town of Kraków.",
    "Draft a lesson plan for teaching fractions to ten-year-olds.",
    "请帮我写一段婚礼致辞，风格温馨幽默，时长约三分钟。",
    "Write a press release announcing a local marathon raising money for a children's hospital.",
    "Draft the outline of a literature review on microplastics in freshwater.",
    "请写一篇关于人工智能在医疗影像中应用的科普文章开头。",
];

const MT_BENCH: &[(&str, &str)] = &[
    (
        "Compose an engaging travel blog post about a recent trip to Iceland.",
        "Rewrite your previous response so every sentence starts with the letter B.",
    ),
    (
        "Draft a professional email asking for feedback on a quarterly report.",
        "Critique your own email and suggest improvements.",
    ),
    (
        "Describe a vivid character in fewer than 100 words.",
        "Revise it to include an allusion to a famous novel.",
    ),
    (
        "Explain the Monty Hall problem to a ten-year-old.",
        "Now explain why most adults get it wrong.",
    ),
    (
        "Write a persuasive essay on why cities should invest in bike lanes.",
        "Summarise your essay in one tweet.",
    ),
    (
        "Suggest five creative uses for an empty glass jar.",
        "Which of these is the most practical and why?",
    ),
    (
        "Solve: if 3x + 7 = 22, what is x?",
        "Now solve 3x^2 + 7 = 55.",
    ),
    (
        "Write a Python function that returns the n-th Fibonacci number.",
        "Make it run in O(log n) time.",
    ),
    (
        "Extract the dates from: 'The meeting moved from 3 May to 12 June, then to 1 July.'",
        "Return them as ISO 8601 strings in a JSON list.",
    ),
    (
        "What is the role of mitochondria in a cell?",
        "How would a cell cope if its mitochondria stopped working?",
    ),
];

const CODING_SPECS: &[&str] = &[
    "returns the second largest distinct value of a list of integers, or None",
    "checks whether a string of brackets is balanced",
    "merges overlapping intervals given as (start, end) pairs",
    "counts the vowels in a string, ignoring case",
    "returns the longest common prefix of a list of strings",
    "rotates a square matrix by 90 degrees clockwise",
    "converts a Roman numeral to an integer",
    "returns the indices of two numbers that add up to a target",
    "flattens an arbitrarily nested list",
    "computes the run-length encoding of a string",
    "returns True if a number is a perfect square without using sqrt",
    "groups words that are anagrams of each other",
    "finds the first non-repeating character of a string",
    "computes the median of two sorted lists",
    "validates an IPv4 address given as a string",
    "returns the Levenshtein distance between two strings",
    "sorts a list of version strings like '1.10.2' numerically",
    "returns all permutations of a short list",
    "computes the greatest common divisor of a list of integers",
    "parses a duration like '1h30m15s' into seconds",
];

const SOFTWARE_ISSUES: &[&str] = &[
    "Bug: the date picker shows the wrong month after switching the app language to Arabic. Steps: open settings, change language, open any date field.",
    "The search results page crashes when the query contains an emoji. Expected: results or an empty state. Actual: white screen.",
    "Uploading a receipt larger than 10 MB hangs forever without an error message on Android.",
    "Unread badge count is not cleared after reading a thread on the desktop app.",
    "The 'Save' button stays disabled after fixing a validation error in the address form.",
    "Exported CSV files use a comma decimal separator even when the locale is en-US.",
    "Dark mode: the tooltip text on the billing page is unreadable (black on dark grey).",
    "Pagination skips items when new records are inserted while the user scrolls.",
    "The password reset link expires immediately for users in UTC+13.",
    "Drag and drop reorders the wrong row when the list is filtered.",
    "Keyboard shortcut Ctrl+K opens two search dialogs on Windows.",
    "Avatar images are cropped off-centre on high-DPI screens.",
];

const SUPPORT_SCENARIOS: &[&str] = &[
    "domain: airline\nreason_for_call: You want to change your flight from Boston to Denver to one day later.\nknown_info: Your user id is mia_li_3668.",
    "domain: retail\nreason_for_call: You received a damaged blender and want a refund to your original payment method.\nknown_info: Your order id is #W2378156.",
    "domain: telecom\nreason_for_call: Your mobile data stopped working after travelling abroad.\nknown_info: Your phone number is 555-0142.",
    "domain: banking\nreason_for_call: You see a card payment you do not recognise and want to dispute it.\nknown_info: Your name is Omar Haddad.",
    "domain: airline\nreason_for_call: You want to add a checked bag to reservation 4WQ150.\nknown_info: You are a gold member.",
    "domain: retail\nreason_for_call: You want to exchange a keyboard for the same model with a different switch type.\nknown_info: Your email is sam.park@example.com.",
    "domain: telecom\nreason_for_call: You want to downgrade your plan before the next billing cycle.\nknown_info: Your account id is C-88213.",
    "domain: banking\nreason_for_call: You want to raise your daily transfer limit for a house deposit.\nknown_info: You already passed identity checks.",
    "domain: airline\nreason_for_call: Your flight was cancelled and you want compensation.\nknown_info: Your user id is raj_patel_5521.",
    "domain: retail\nreason_for_call: You want to know why your order has not shipped after nine days.\nknown_info: Your zip code is 94107.",
];

const OS_TASKS: &[&str] = &[
    "Find how many files in /var/log are larger than 1 MB. Answer with the number only.",
    "Which user on this system has the largest home directory?",
    "Count the lines containing 'ERROR' in all .log files under /opt/app.",
    "A process writes to /tmp/out every few seconds. Find its PID.",
    "How many distinct IP addresses appear in /var/log/nginx/access.log?",
    "Find the most recently modified file under /etc and print its name.",
    "What is the total size of all .jpg files in /data? Answer in MB.",
    "Create a user 'deploy' with a home directory and add it to the docker group.",
    "Which port is the service named 'api-gateway' listening on?",
    "List the cron jobs of all users and tell me which one runs most often.",
];

/// Names and numbers for generated word problems, so the fallback still has a few dozen
/// distinct multi-step reasoning tasks.
const PEOPLE: &[&str] = &[
    "Maya", "Tom", "Aisha", "Lucas", "Mei", "Pedro", "Sara", "Ivan",
];
const GOODS: &[(&str, &str)] = &[
    ("apples", "bags"),
    ("stickers", "packs"),
    ("eggs", "cartons"),
    ("pencils", "boxes"),
    ("cookies", "trays"),
];

fn word_problems() -> Vec<Prompt> {
    let mut problems = Vec::new();
    for (i, person) in PEOPLE.iter().enumerate() {
        for (j, (item, unit)) in GOODS.iter().enumerate() {
            let per = 6 + (i * 3 + j * 5) % 19;
            let units = 3 + (i + 2 * j) % 9;
            let given = 1 + (i * 7 + j) % (per * units / 2);
            let price = 2 + (i + j) % 5;
            problems.push(Prompt::new(
                &format!(
                    "{person} buys {units} {unit} of {item} with {per} {item} in each. \
                     {person} gives away {given} {item} and sells the rest for ${price} each. \
                     How much money does {person} make?"
                ),
                None,
            ));
        }
    }
    problems
}

fn plain(texts: &[&str]) -> Vec<Prompt> {
    texts.iter().map(|t| Prompt::new(t, None)).collect()
}

fn coding_tasks() -> Vec<Prompt> {
    CODING_SPECS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let text = format!(
                "def solve_{i}(*args):\n    \"\"\" Write a function that {spec}.\n    \"\"\"\n"
            );
            Prompt::new(&text, None)
        })
        .collect()
}

pub(super) fn prompts() -> Prompts {
    let problems = word_problems();
    let (train, test) = problems.split_at(problems.len() * 3 / 4);
    let sets = PromptSet::ALL
        .iter()
        .map(|set| match set {
            PromptSet::ArenaHard => plain(CHAT),
            PromptSet::MtBench => MT_BENCH
                .iter()
                .map(|(text, followup)| Prompt::new(text, Some(followup)))
                .collect(),
            PromptSet::WritingBench => plain(WRITING),
            PromptSet::HumanEval => coding_tasks(),
            PromptSet::Gsm8kTrain => train.to_vec(),
            PromptSet::Gsm8kTest => test.to_vec(),
            PromptSet::SweLancer => plain(SOFTWARE_ISSUES),
            PromptSet::Tau2 => plain(SUPPORT_SCENARIOS),
            PromptSet::AgentBenchOs => plain(OS_TASKS),
        })
        .collect();
    Prompts::new(sets)
}

/// Synthetic client profiles over one week: a steady service, an office-hours tool and a
/// spiky batch client, each with quieter weekends.
pub(super) fn rate_profiles() -> Vec<RateProfile> {
    let shapes: [fn(usize) -> f64; 3] = [
        |slot| 1.0 + 0.3 * ((slot as f64 / 144.0) * std::f64::consts::TAU).sin(),
        |slot| if (54..108).contains(&slot) { 1.0 } else { 0.1 },
        |slot| if slot % 36 < 4 { 3.0 } else { 0.2 },
    ];
    let weekday_factor = [1.0, 1.0, 1.0, 1.0, 0.9, 0.4, 0.3];
    shapes
        .iter()
        .map(|shape| {
            let windows: Vec<(f64, f64)> = (0..7 * SLOTS_PER_DAY)
                .map(|i| {
                    let day = i / SLOTS_PER_DAY;
                    (shape(i % SLOTS_PER_DAY) * weekday_factor[day], 1.2)
                })
                .collect();
            RateProfile::from_windows(&windows).expect("synthetic profiles have traffic")
        })
        .collect()
}

pub(super) fn tokens() -> Tokens {
    let conversation = [
        (120, 310),
        (480, 250),
        (950, 420),
        (60, 90),
        (1_800, 520),
        (300, 180),
        (2_400, 700),
        (210, 140),
        (760, 390),
        (40, 60),
        (1_200, 610),
        (3_900, 480),
    ];
    let code = [
        (2_100, 18),
        (4_800, 12),
        (650, 45),
        (7_900, 30),
        (1_300, 150),
        (3_300, 8),
        (9_800, 64),
        (520, 210),
        (2_700, 22),
        (15_000, 40),
    ];
    Tokens::new(conversation.to_vec(), code.to_vec())
}

/// A handful of real, well-known allocations.
const RANGES: &[(&str, &str, u32, NetKind)] = &[
    ("73.0.0.0", "73.255.255.255", 7922, NetKind::Residential),
    ("79.192.0.0", "79.255.255.255", 3320, NetKind::Residential),
    ("86.128.0.0", "86.191.255.255", 2856, NetKind::Residential),
    ("49.32.0.0", "49.63.255.255", 55836, NetKind::Residential),
    ("180.0.0.0", "180.63.255.255", 4713, NetKind::Residential),
    ("90.0.0.0", "90.63.255.255", 3215, NetKind::Residential),
    ("172.32.0.0", "172.63.255.255", 21928, NetKind::Mobile),
    ("100.128.0.0", "100.191.255.255", 22394, NetKind::Mobile),
    ("3.0.0.0", "3.127.255.255", 16509, NetKind::Hosting),
    ("34.64.0.0", "34.127.255.255", 396982, NetKind::Hosting),
    ("20.0.0.0", "20.31.255.255", 8075, NetKind::Hosting),
    ("159.89.0.0", "159.89.255.255", 14061, NetKind::Hosting),
    ("95.216.0.0", "95.217.255.255", 24940, NetKind::Hosting),
    ("51.68.0.0", "51.68.255.255", 16276, NetKind::Hosting),
    ("18.0.0.0", "18.127.255.255", 3, NetKind::Campus),
    ("171.64.0.0", "171.67.255.255", 32, NetKind::Campus),
    ("128.232.0.0", "128.232.255.255", 786, NetKind::Campus),
];

pub(super) fn ranges() -> RangeTable {
    RangeTable::new(RANGES.iter().map(|&(first, last, asn, kind)| {
        let ip = |s: &str| u32::from(s.parse::<std::net::Ipv4Addr>().expect("valid literal"));
        (ip(first), ip(last), asn, kind)
    }))
}

const BROWSERS: &[(&str, Device, f64)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/147.0.0.0 Safari/537.36",
        Device::Desktop,
        0.30,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
        Device::Desktop,
        0.12,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:146.0) Gecko/20100101 Firefox/146.0",
        Device::Desktop,
        0.06,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/147.0.0.0 Safari/537.36 Edg/147.0.0.0",
        Device::Desktop,
        0.08,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1",
        Device::Mobile,
        0.22,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/147.0.0.0 Mobile Safari/537.36",
        Device::Mobile,
        0.20,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/146.0.0.0 Safari/537.36",
        Device::Desktop,
        0.02,
    ),
];

pub(super) fn browsers() -> Browsers {
    Browsers::new(
        BROWSERS
            .iter()
            .map(|&(ua, device, weight)| {
                let browser = Browser {
                    user_agent: ua.into(),
                    device,
                };
                (browser, weight)
            })
            .collect(),
    )
}
