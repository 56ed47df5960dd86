/**
 * Markdown blocks about a topic: headings, bullet and numbered lists, tables, block quotes,
 * links and emphasis. Each function returns one block (no surrounding blank lines) and the tag
 * that describes it, so an answer's tags say which constructs a client will have to render.
 */
import type { SeededRandom } from '../../timing/random.js';
import { chance, intBetween, pick, pickDistinct } from './choice.js';
import { capitalize, type ProseWriter } from './prose.js';
import type { Topic } from './topics.js';

export interface MarkdownBlock {
  readonly text: string;
  readonly tag: string;
}

export function sectionTitle(topic: Topic, rng: SeededRandom): string {
  return pick(rng, [
    `Why ${topic.name} matters`,
    'Getting started',
    'Common pitfalls',
    'Step by step',
    'Trade-offs',
    'A quick checklist',
    'How to tell it is working',
    `${topic.title} in practice`,
    'What to avoid',
    'Going further',
    'Key ideas',
    'Recommended defaults',
  ]);
}

export function heading(level: 2 | 3, title: string): MarkdownBlock {
  return { text: `${'#'.repeat(level)} ${title}`, tag: 'heading' };
}

/** Bullets in one of three house styles: bold lead, plain phrase, or term and explanation. */
export function bulletList(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const n = intBetween(rng, 3, 6);
  const style = rng.int(topic.terms.length > 0 ? 3 : 2);
  const marker = chance(rng, 0.85) ? '-' : '*';
  const items: string[] = [];
  if (style === 0) {
    for (const action of pickDistinct(rng, topic.actions, n)) {
      items.push(`${marker} **${capitalize(action)}.** ${w.sentence()}`);
    }
  } else if (style === 1) {
    const pool = chance(rng, 0.5) ? topic.benefits : topic.actions;
    for (const phrase of pickDistinct(rng, pool, n)) items.push(`${marker} ${capitalize(phrase)}`);
  } else {
    for (const term of pickDistinct(rng, topic.terms, n)) {
      items.push(`${marker} \`${term}\` — relevant when you ${pick(rng, topic.actions)}.`);
    }
  }
  return { text: items.join('\n'), tag: 'list' };
}

export function numberedList(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const steps = pickDistinct(rng, topic.actions, intBetween(rng, 3, 5));
  const withDetail = chance(rng, 0.6);
  const lines = steps.map((step, i) => {
    const head = `${i + 1}. ${capitalize(step)}.`;
    return withDetail ? `${head} ${w.sentence()}` : head;
  });
  return { text: lines.join('\n'), tag: 'numbered-list' };
}

export function table(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const rows = intBetween(rng, 3, 5);
  const actions = pickDistinct(rng, topic.actions, rows);
  const lines = ['| Practice | Why it helps | Watch out for |', '| --- | --- | --- |'];
  for (const action of actions) {
    lines.push(`| ${capitalize(action)} | ${capitalize(pick(rng, topic.benefits))} | ${capitalize(pick(rng, topic.pitfalls))} |`);
  }
  return { text: lines.join('\n'), tag: 'table' };
}

export function blockquote(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const label = pick(rng, ['Tip', 'Note', 'Warning', 'Rule of thumb']);
  const body = label === 'Warning' ? `Avoid ${pick(rng, topic.pitfalls)}.` : w.sentence();
  return { text: `> **${label}:** ${body}`, tag: 'blockquote' };
}

export function linkLine(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const link = pick(rng, topic.links);
  const text = pick(rng, [
    `For more detail, see [${link.text}](${link.url}).`,
    `[${capitalize(link.text)}](${link.url}) covers this in more depth.`,
    `If you want to dig deeper, [${link.text}](${link.url}) is a good place to start.`,
  ]);
  return { text, tag: 'link' };
}

/** A paragraph with bold, italic or inline-code emphasis somewhere in it. */
export function emphasisParagraph(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  const topic = w.topic;
  const lead = pick(rng, [
    `**The key point:** ${pick(rng, topic.actions)}.`,
    `*${capitalize(pick(rng, topic.benefits))}* is the goal here, not perfection.`,
    `The part people skip is **${pick(rng, topic.things)}**, and that matters more than it looks.`,
    `It is *usually* better to make one change at a time — say, ${pick(rng, topic.actions)} — than to tune everything at once.`,
    ...(topic.terms.length > 0 ? [`Check \`${pick(rng, topic.terms)}\` first; it explains most surprises.`] : []),
  ]);
  return { text: `${lead} ${w.sentence()} ${w.sentence()}`, tag: 'emphasis' };
}

/** One content block of a random markdown kind. */
export function markdownBlock(w: ProseWriter, rng: SeededRandom): MarkdownBlock {
  switch (rng.int(7)) {
    case 0:
    case 1:
      return bulletList(w, rng);
    case 2:
      return numberedList(w, rng);
    case 3:
      return table(w, rng);
    case 4:
      return blockquote(w, rng);
    case 5:
      return emphasisParagraph(w, rng);
    default:
      return chance(rng, 0.5) ? linkLine(w, rng) : emphasisParagraph(w, rng);
  }
}
