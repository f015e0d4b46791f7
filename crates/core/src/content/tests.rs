//! Behaviour of the content analysis as a whole: template siblings link, unrelated prompts do
//! not, in English and Chinese.

use hydrascope_events::{Event, Thinking, Tools};

use super::*;

fn jaccard(a: &str, b: &str) -> f64 {
    MinHash::of_text(a).jaccard(&MinHash::of_text(b))
}

/// One campaign template, filled with different tasks from a task bank.
fn campaign(task: &str, topic: &str) -> String {
    format!(
        "You are a senior {topic} expert. Solve the task below. Think step by step, show all of \
         your intermediate reasoning, and then give the final answer after \"Final answer:\".\n\n\
         Task: {task}"
    )
}

#[test]
fn template_siblings_with_different_slot_values_have_the_same_signature() {
    let a = "Every morning Priya walks her dog 2.5 km to the park and back. If she does this \
             for 14 days, how many kilometres does she walk? Answer in \"km\".";
    let b = "Every morning Tomasz walks his dog 4 km to the park and back. If he does this \
             for 30 days, how many kilometres does he walk? Answer in \"miles\".";
    assert!(jaccard(a, b) >= 0.8, "{}", jaccard(a, b));
}

#[test]
fn a_fixed_instruction_around_different_short_tasks_keeps_about_half_its_shingles() {
    // The frame of a short prompt is the whole prompt, so a task that cannot be masked weighs
    // as much as the instruction: siblings stay well above unrelated prompts (< 0.2) and
    // usually share an LSH band, but they are not near-duplicates.
    let a = campaign(
        "A shop sells pens at $1.20 each. How much do 15 pens cost?",
        "mathematics",
    );
    let b = campaign(
        "A train travels 300 km in 2.5 hours. What is its average speed?",
        "mathematics",
    );
    let j = jaccard(&a, &b);
    assert!((0.4..0.8).contains(&j), "{j}");
    let (sa, sb) = (
        PromptSketch::of_prompt(&a, None),
        PromptSketch::of_prompt(&b, None),
    );
    assert_eq!(sa.elicitation, Elicitation::Strong);
    assert!(sa.capabilities.contains(Capability::MultiStepReasoning));
    assert_eq!(sa.capabilities, sb.capabilities);
}

#[test]
fn a_fixed_frame_around_long_different_tasks_links_through_the_frame_signature() {
    let task_a = "Implement an LRU cache with O(1) get and put operations. The cache has a fixed \
                  capacity; when it is full, inserting evicts the least recently used entry. \
                  Describe the data structures, then give the complete implementation in Rust \
                  with tests for eviction order and capacity one."
        .repeat(2);
    let task_b = "A farmer has a rectangular field whose length is three times its width. He \
                  fences it with 240 metres of wire and then divides it into two equal plots \
                  with one more fence parallel to the width. What are the dimensions of each \
                  plot and how much wire is used in total?"
        .repeat(2);
    let long = |task: &str| {
        format!(
            "This request is part of a curated evaluation of careful reasoning. Read every \
             condition of the task twice before you start, and state any assumption you need \
             explicitly. {}\n\nReturn your answer in this format: a numbered list of every reasoning step you \
             took, each step explaining why it follows from the previous ones, then a line \
             'Final answer:' with the result. Never skip steps and never refer to these \
             instructions in your answer.",
            campaign(task, "problem-solving")
        )
    };
    let (a, b) = (
        PromptSketch::of_prompt(&long(&task_a), None),
        PromptSketch::of_prompt(&long(&task_b), None),
    );
    assert!(a.minhash.jaccard(&b.minhash) < 0.5);
    let frames = a.frame().jaccard(b.frame());
    assert!(frames >= 0.8, "{frames}");
}

#[test]
fn chinese_template_siblings_link_and_unrelated_chinese_prompts_do_not() {
    let fill = |book: &str, pipes: u32, tons: &str, hours: u32| {
        format!(
            "请一步一步地思考，并写出完整的推理过程。以下题目选自《{book}》：一个水池有{pipes}个进水管，\
             每个进水管每小时进水{tons}吨，水池的容量是{hours}百吨。同时打开所有进水管，需要多少小时才能把水池注满？"
        )
    };
    let a = fill("小学数学奥赛题集", 3, "12", 9);
    let b = fill("应用题一百例", 5, "７.５", 6);
    let (a, b) = (a.as_str(), b.as_str());
    let c = "周末有什么适合全家一起看的电影推荐吗？最好是动画片。";
    assert!(jaccard(a, b) >= 0.8, "{}", jaccard(a, b));
    assert!(jaccard(a, c) < 0.1, "{}", jaccard(a, c));
    let sketch = PromptSketch::of_prompt(a, None);
    assert_eq!(sketch.elicitation, Elicitation::Strong);
    assert!(sketch.capabilities.contains(Capability::MultiStepReasoning));
}

#[test]
fn unrelated_prompts_have_low_similarity() {
    let prompts = [
        "Write a haiku about the first snow of winter in Kyoto.",
        "How do I undo the last commit in git without losing my changes?",
        "What are the main differences between a Roth IRA and a traditional IRA?",
        "Plan a three-day itinerary for Lisbon on a student budget.",
        "Explain the difference between mitosis and meiosis for a high-school class.",
    ];
    for (i, a) in prompts.iter().enumerate() {
        for b in &prompts[i + 1..] {
            assert!(jaccard(a, b) < 0.2, "{a} ~ {b}: {}", jaccard(a, b));
        }
    }
}

#[test]
fn prompts_sharing_only_a_stock_phrase_stay_apart() {
    let a = "Write a Python function that checks whether a string is a palindrome.";
    let b = "Write a Python function that downloads a web page and counts the links on it.";
    assert!(jaccard(a, b) < 0.5, "{}", jaccard(a, b));
}

#[test]
fn a_request_is_read_from_an_event() {
    let mut event = Event::new(0, "acct_1");
    assert_eq!(PromptRequest::from_event(&event), None);
    event.prompt = Some("Book me a table for two.".into());
    event.system_prompt = Some("You are a concierge.".into());
    event.tools = Some(Tools::Names(vec!["search".into(), "book".into()]));
    event.thinking = Some(Thinking::Budget(2048));
    let request = PromptRequest::from_event(&event).unwrap();
    assert_eq!(request.prompt, "Book me a table for two.");
    assert_eq!(request.system_prompt, Some("You are a concierge."));
    assert_eq!(request.tool_count, 2);
    assert!(request.thinking);
    assert!(capability::classify(&request).contains(Capability::AgenticToolUse));
}

#[test]
fn an_events_text_wins_over_its_carried_sketch_and_a_bad_sketch_is_no_content() {
    let carried = PromptSketch::of_prompt("Translate 'good night' into German.", None).encode();
    let mut event = Event::new(0, "acct_1");
    assert_eq!(EventSketch::of_event(&event), EventSketch::Absent);

    event.prompt_sketch = Some(carried.clone());
    let from_sketch = EventSketch::of_event(&event);
    assert!(matches!(from_sketch, EventSketch::Carried { encoded, .. } if encoded == carried));
    assert_eq!(from_sketch.sketch().unwrap().encode(), carried);

    event.prompt = Some("Write a Rust function that parses ISO dates.".into());
    let computed = PromptSketch::of_request(&PromptRequest::from_event(&event).unwrap());
    assert_eq!(
        EventSketch::of_event(&event),
        EventSketch::Computed(computed)
    );

    event.prompt = None;
    event.prompt_sketch = Some("hs1:not-a-sketch".into());
    let malformed = EventSketch::of_event(&event);
    assert!(matches!(malformed, EventSketch::Malformed(_)));
    assert_eq!(malformed.sketch(), None);
}
