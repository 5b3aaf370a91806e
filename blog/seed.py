"""Demo posts: the owner's two posts from content/seed.txt, plus a short series so series
navigation, pagination and related posts have something to show.

Idempotent: a post is matched by slug and never touched again once it exists.
"""

import re
from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from blog.models import Category, Post, Series

# The seed's bodies are single lines. These phrases, all taken from the seed text, start a section;
# they become headings so the posts read (and get a table of contents) like the originals' sections.
SECTION_HEADINGS = [
    "⏱️ The 7.4-Second Math Adaptation",
    "⚡ The Real Engineering Win",
    "🚨 The Bottleneck",
    "💡 The RFID-MoE Solution",
]
# Phrases that open a new paragraph, with the label in bold.
LEAD_INS = [
    "In my latest technical report",
    "Here is how the underlying math",
    "Load Threshold P_load = 6",
    "Offload Threshold P_offload = 94%:",
    "Here is my quick breakdown",
    "Standard compression techniques",
    "They treat all experts equally:",
    "They throw away the scraps:",
    "The authors introduced two brilliant mechanisms",
    "The Takeaway:",
]
# Parallel points become a bulleted list, each with its label in bold.
LIST_LEAD_INS = {
    "Load Threshold P_load = 6",
    "Offload Threshold P_offload = 94%:",
    "They treat all experts equally:",
    "They throw away the scraps:",
}
BOLD_LEAD_INS = {"The Takeaway:"}
NUMBERED_POINT = re.compile(r"\s+(?:(\d)\.|(\d)\ufe0f?\u20e3)\s+(?P<label>[^:.]{3,60}:)?")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z\"“])")


def markdown_body(body):
    """Turn a seed body (one long line) into Markdown paragraphs, headings and numbered points, adding no words."""
    text = f" {body.strip()} "
    for heading in SECTION_HEADINGS:
        text = text.replace(f" {heading} ", f"\n\n## {heading}\n\n", 1)
    for phrase in LEAD_INS:
        lead = f"**{phrase}**" if phrase in BOLD_LEAD_INS | LIST_LEAD_INS else phrase
        text = text.replace(f" {phrase}", f"\n\n{'- ' if phrase in LIST_LEAD_INS else ''}{lead}", 1)

    def point(match):
        number = match.group(1) or match.group(2)
        label = f"**{match['label']}**" if match["label"] else ""
        return f"\n\n{number}. {label}"

    text = NUMBERED_POINT.sub(point, text)
    text = re.sub(r" +,", ",", text)  # "Density) , and" in the seed
    return "\n\n".join(part.strip() for part in text.split("\n\n") if part.strip()) + "\n"


def summary_from(body, min_length=120):
    """The first sentence or two: enough for a list entry or a link preview."""
    summary = ""
    for sentence in SENTENCE_END.split(re.sub(r" +,", ",", body.strip())):
        summary = f"{summary} {sentence}".strip()
        if len(summary) >= min_length:
            break
    return summary[:500]


SERIES = {
    "title": "Agents as Distributed Systems",
    "slug": "agents-as-distributed-systems",
    "description": "What twenty years of distributed-systems practice says about running LLM agents in production.",
}
SERIES_POSTS = [
    {
        "title": "Agents as Distributed Systems, Part 1: Idempotent Tool Calls",
        "category": "DistributiveSystemDesign",
        "tags": ["AgenticSystems", "DistributedSystems", "Reliability"],
        "summary": "An agent that retries a tool call is a client retrying an RPC. Without idempotency keys, "
        "every timeout risks a duplicate side effect.",
        "body": """An agent loop looks like a planner, but operationally it is a client making remote calls
over an unreliable network. Every timeout forces the same question a payment service faces:
did the call happen or not?

## The failure mode

The model asks for `create_ticket`. The tool times out after the ticket was written but before
the response came back. The agent, seeing an error, tries again. Now there are two tickets.

## Idempotency keys

Derive a key from the step, not from the attempt, and let the tool remember what it already did:

```python
import hashlib


def idempotency_key(run_id: str, step: int, tool: str, args: dict) -> str:
    payload = f"{run_id}:{step}:{tool}:{sorted(args.items())}"
    return hashlib.sha256(payload.encode()).hexdigest()


def call_tool(store, tool, args, key):
    if (done := store.get(key)) is not None:
        return done  # a retry: answer with the first result
    result = tool(**args)
    store.set(key, result)
    return result
```

## What to measure

- the retry rate per tool;
- how many retries hit a stored result (each one is a duplicate you avoided);
- tools with side effects but no key: they are the next incident.
""",
    },
    {
        "title": "Agents as Distributed Systems, Part 2: Checkpoint the Loop, Not the Model",
        "category": "DistributiveSystemDesign",
        "tags": ["AgenticSystems", "DistributedSystems", "FaultTolerance"],
        "summary": "Long-running agents die mid-task. Checkpointing the loop's state after every step turns a "
        "crash into a resume instead of a restart.",
        "body": """A multi-step agent run can take minutes and dozens of tool calls. Pods get rescheduled,
deploys roll, and rate limits bite. Restarting from zero wastes tokens and repeats side effects.

## State worth saving

The model is stateless between calls; the loop is not. After every step, persist:

1. the message history (or a summary of it);
2. the step counter and the idempotency keys already used;
3. any intermediate artefacts the next step needs.

## A minimal checkpointer

```python
def run(agent, store, run_id):
    state = store.load(run_id) or agent.initial_state()
    while not state.done:
        state = agent.step(state)
        store.save(run_id, state)  # one write per step: cheap next to a model call
    return state.result
```

## Trade-offs

Checkpoint size grows with the history, so summarise old turns. Writes must be atomic per step,
or a crash between two writes leaves a state no step produced.
""",
    },
    {
        "title": "Agents as Distributed Systems, Part 3: Backpressure for Multi-Agent Workflows",
        "category": "DistributiveSystemDesign",
        "tags": ["AgenticSystems", "DistributedSystems", "Scalability"],
        "summary": "When planner agents fan out faster than workers and model quotas can absorb, queues grow "
        "without bound. Bounded queues and token budgets push back.",
        "body": """A planner that spawns ten sub-agents per task is a fan-out, and fan-outs need backpressure.
Without it, a burst of tasks turns into thousands of queued model calls and a quota wall.

## Bound every queue

Give each worker pool a bounded queue. When it is full, the planner waits or sheds work,
instead of buffering forever:

```python
import asyncio

queue: asyncio.Queue = asyncio.Queue(maxsize=32)


async def submit(task):
    try:
        await asyncio.wait_for(queue.put(task), timeout=5)
    except TimeoutError:
        raise Overloaded("worker pool is saturated; retry later") from None
```

## Budget tokens, not just requests

Model providers limit tokens per minute. Admission control should count estimated tokens,
so one huge prompt cannot starve twenty small ones.

## Signals to watch

| signal | healthy | act when |
| --- | --- | --- |
| queue depth | near zero | above half the bound for a minute |
| token budget used | under 70% | above 90% |
| shed requests | none | any, sustained |
""",
    },
]


def seed_blog(content):
    """The seed's posts (as published posts on distinct past dates), then the demo series."""
    created = {"posts": 0}
    now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)
    # The seed lists newest first; each later one is a week older, so the order is stable.
    for index, seed_post in enumerate(content.posts):
        post = _add_post(
            title=seed_post.title,
            category=seed_post.category,
            tags=seed_post.tags,
            summary=summary_from(seed_post.body),
            body=markdown_body(seed_post.body),
            published_at=now - timedelta(days=2 + 7 * index),
            # The seed states the reading time of the full write-up; its text is a short excerpt
            # that would compute to 2 minutes, so the owner's figure stands.
            reading_time_override=seed_post.reading_minutes,
        )
        created["posts"] += post is not None
    series, _ = Series.objects.get_or_create(slug=SERIES["slug"], defaults=SERIES)
    for order, data in enumerate(SERIES_POSTS, start=1):
        post = _add_post(**data, series=series, series_order=order, published_at=now - timedelta(days=40 - 6 * order))
        created["posts"] += post is not None
    return created


def _add_post(*, title, category, tags, published_at, **fields):
    slug = slugify(title)[:200]
    if Post.objects.filter(slug=slug).exists():
        return None  # the owner's copy stands, edited or not
    category, _ = Category.objects.get_or_create(name=category, defaults={"slug": slugify(category)})
    post = Post.objects.create(
        title=title,
        slug=slug,
        category=category,
        status=Post.Status.PUBLISHED,
        published_at=published_at,
        **fields,
    )
    post.tags.add(*tags)
    # Seeded posts have not been edited since they went live.
    Post.objects.filter(pk=post.pk).update(updated_at=published_at)
    return post
