/**
 * Plain-prose sentences and paragraphs about a topic. Templates combine a topic's phrase banks
 * (./topics.ts), so a few dozen templates over twenty topics give thousands of distinct sentences.
 * Templates never put a verb after the topic name or a `thing`, since those may be plural
 * ("CI pipelines", "idle connections") and agreement would break.
 */
import type { SeededRandom } from '../../timing/random.js';
import { chance, intBetween, pick, pickDistinct } from './choice.js';
import type { Topic } from './topics.js';

/** First letter upper-cased; phrase banks hold mid-sentence forms. */
export function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

type SentenceTemplate = (t: Topic, rng: SeededRandom) => string;

function two<T>(rng: SeededRandom, items: readonly T[]): [T, T] {
  const [a, b] = pickDistinct(rng, items, 2);
  return [a!, b ?? a!];
}

const OPENERS: readonly SentenceTemplate[] = [
  () => 'Good question — this trips up a lot of people, but the core ideas are simple.',
  (t) => `Here is a practical overview of ${t.name}.`,
  (t) => `Sure! Here is how I would approach ${t.name}.`,
  (t, r) => `Getting ${t.name} right is mostly about ${pick(r, t.benefits)}.`,
  (t) => `There are a few things worth knowing about ${t.name} before you change anything.`,
  (t, r) => `Short answer: ${pick(r, t.actions)}. The longer answer depends on your situation.`,
  (t) => `Let's break ${t.name} down into the parts that matter in practice.`,
  (t, r) => `The most useful thing to understand about ${t.name} is how ${pick(r, t.things)} affects everything else.`,
];

const BODY: readonly SentenceTemplate[] = [
  (t, r) => `A good first step is to ${pick(r, t.actions)}.`,
  (t, r) => `It also helps to ${pick(r, t.actions)}, since that gives you ${pick(r, t.benefits)}.`,
  (t, r) => {
    const [a, b] = two(r, t.benefits);
    return `The payoff is ${a}, and usually ${b} as well.`;
  },
  (t, r) => `Watch out for ${pick(r, t.pitfalls)}; it is one of the most common sources of trouble with ${t.name}.`,
  (t, r) => `${capitalize(pick(r, t.pitfalls))} is easy to miss in review, so it is worth a test or an alert.`,
  (t, r) => {
    const [a, b] = two(r, t.things);
    return `When people talk about ${t.name}, they usually mean ${a} and ${b}.`;
  },
  (t, r) => {
    const [a, b] = two(r, t.things);
    return `Think of ${a} as the part you adjust and ${b} as the part you watch.`;
  },
  (t, r) => `If you only change one thing, ${pick(r, t.actions)}.`,
  (t, r) => `In practice, people who ${pick(r, t.actions)} tend to see ${pick(r, t.benefits)} fairly quickly.`,
  (t, r) => `The trade-off is that you have to keep an eye on ${pick(r, t.things)} over time.`,
  (t, r) => `There is no single right answer for ${pick(r, t.things)}; it depends on your situation and how much you value ${pick(r, t.benefits)}.`,
  (t, r) => `Before changing anything, write down what you know about ${pick(r, t.things)} today so you can tell whether it improved.`,
  (t, r) => `A useful rule of thumb: ${pick(r, t.actions)}, then revisit the results after a week or two.`,
  (t, r) => `That said, ${pick(r, t.pitfalls)} can undo most of the gains.`,
  (t, r) => `For most people the defaults are fine until they run into trouble with ${pick(r, t.things)}.`,
  (t, r) => `You will know it is working when you notice ${pick(r, t.benefits)}.`,
  (t, r) => `One more thing to check is ${pick(r, t.things)}, since it can drift as things grow.`,
  (t, r) => `None of this has to happen at once. Start with one change: ${pick(r, t.actions)}.`,
  (t, r) => `The reason this works is simple: it trades a little effort up front for ${pick(r, t.benefits)}.`,
  (t, r) => `It is tempting to skip this step, but ${pick(r, t.pitfalls)} tends to cost far more later.`,
  (t, r) => `Many guides gloss over ${pick(r, t.things)}, yet that is where most of the surprises come from.`,
  (t, r) => `If you are unsure where to start, try this: ${pick(r, t.actions)}.`,
  (t, r) => `A related habit is to ${pick(r, t.actions)}.`,
  (t, r) => {
    const [a, b] = two(r, t.things);
    return `Keep in mind that ${a} and ${b} interact, so change one at a time.`;
  },
  (t, r) => `The most common failure mode is ${pick(r, t.pitfalls)}.`,
  (t, r) => `Done well, this gives you ${pick(r, t.benefits)} without much ongoing effort.`,
  (t, r) => `I would also ${pick(r, t.actions)}; it is cheap and it pays off quickly.`,
  (t, r) => `Avoid ${pick(r, t.pitfalls)} — it looks harmless at first and is painful to undo.`,
  (t, r) => `Most of the benefit, ${pick(r, t.benefits)} in particular, comes from doing the basics consistently.`,
  (t, r) => `Pay attention to ${pick(r, t.things)} in the first few weeks; that is when problems show up.`,
];

const CLOSERS: readonly SentenceTemplate[] = [
  () => 'If you share more about your setup, I can suggest more specific values.',
  () => 'Let me know if you want a deeper dive into any of these points.',
  (t, r) => `Happy to go into more detail on ${pick(r, t.things)} if that would help.`,
  (t, r) => `In short: ${pick(r, t.actions)}, and measure before and after.`,
  () => 'Hope this helps!',
  (t, r) => `Start small, watch ${pick(r, t.things)}, and adjust from there.`,
];

/** Templates used within this many sentences are not used again, so an answer does not echo itself. */
const RECENT_WINDOW = 8;

/**
 * Writes sentences for one answer, remembering recent templates so consecutive sentences and
 * paragraphs do not repeat one. Every field is set in the constructor.
 */
export class ProseWriter {
  readonly topic: Topic;
  readonly #rng: SeededRandom;
  #recent: number[];

  constructor(topic: Topic, rng: SeededRandom) {
    this.topic = topic;
    this.#rng = rng;
    this.#recent = [];
  }

  opening(): string {
    return pick(this.#rng, OPENERS)(this.topic, this.#rng);
  }

  closing(): string {
    return pick(this.#rng, CLOSERS)(this.topic, this.#rng);
  }

  sentence(): string {
    let k = this.#rng.int(BODY.length);
    while (this.#recent.includes(k)) k = (k + 1) % BODY.length;
    this.#recent.push(k);
    if (this.#recent.length > RECENT_WINDOW) this.#recent.shift();
    return BODY[k]!(this.topic, this.#rng);
  }

  paragraph(sentences = intBetween(this.#rng, 2, 5)): string {
    const out: string[] = [];
    for (let i = 0; i < sentences; i++) out.push(this.sentence());
    return out.join(' ');
  }

  /** One sentence that answers directly; the start of the corpus's one-liners. */
  directAnswer(): string {
    return chance(this.#rng, 0.5) ? pick(this.#rng, SHORT_ANSWERS) : `${capitalize(pick(this.#rng, this.topic.actions))}.`;
  }
}

/** Stand-alone direct answers to everyday questions, as a chat model gives them. */
const SHORT_ANSWERS: readonly string[] = [
  'Yes, that works.',
  'No — that option was removed in the last major version.',
  'The capital of Australia is Canberra.',
  'There are 1,024 bytes in a kibibyte.',
  'Use `git stash pop` to restore your most recent stash.',
  'One kilogram is about 2.2 pounds.',
  'Water boils at 100 °C at sea level.',
  'In Python, `len(my_list)` gives you the number of items.',
  'The answer is 42.',
  'Paris is one hour ahead of London for most of the year.',
  'It is usually spelled "accommodate", with two c’s and two m’s.',
  'You can press Ctrl+Shift+T to reopen the last closed tab.',
  'Yes — `Array.prototype.at(-1)` returns the last element.',
  'The default PostgreSQL port is 5432.',
  'A marathon is 42.195 kilometres.',
  'HTTP 404 means the server could not find the requested resource.',
  'Round it to 3.14 for most everyday calculations.',
  'That depends on your plan, but most accounts allow five devices.',
  'The square root of 144 is 12.',
  'Run `npm ci` in CI; it installs exactly what the lockfile says.',
  'Mount Everest is 8,849 metres tall.',
  'Sure — the word you are looking for is "ephemeral".',
  'It takes light about eight minutes to reach Earth from the Sun.',
  'Use `SELECT COUNT(*) FROM orders;` to count the rows.',
  'Both are correct, but "toward" is more common in American English.',
  'Yes, you can freeze cooked rice for up to a month.',
  'The Great Wall of China is not visible to the naked eye from orbit.',
  'That command needs `sudo` because it writes to /etc.',
];
