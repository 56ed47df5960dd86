/**
 * Plain text answers (`kind: 'text'`) of a target length, in one of four styles: a one-liner,
 * prose paragraphs, a markdown document, or an explanation around fenced code. The style follows
 * the length, as in real traffic: short targets get direct answers, long ones get structure.
 */
import type { SeededRandom } from '../../timing/random.js';
import { AnswerBuilder, type Composition } from './answer-builder.js';
import { chance, intBetween, pick, weighted } from './choice.js';
import { SNIPPETS, codeIntro, codeNotes, fence, pickNames, type CodeLanguage, type CodeSnippet } from './code.js';
import { heading, markdownBlock, sectionTitle, type MarkdownBlock } from './markdown.js';
import { ProseWriter, capitalize } from './prose.js';
import { TECH_TOPICS, TOPICS, type Topic } from './topics.js';

export type TextStyle = 'short' | 'prose' | 'markdown' | 'code';

/** Targets at or below this are answered in a sentence or two. */
const ONE_LINER_MAX_TOKENS = 35;
/** How far a block may run past the target; keeps long answers under the corpus ceiling. */
const BLOCK_SLACK_TOKENS = 30;
/** Below this many remaining tokens, a closing paragraph finishes the answer. */
const FILL_THRESHOLD_TOKENS = 60;

export function composeTextAnswer(rng: SeededRandom, targetTokens: number): Composition {
  const style: TextStyle =
    targetTokens <= ONE_LINER_MAX_TOKENS
      ? 'short'
      : weighted(rng, targetTokens < 120 ? { prose: 0.6, markdown: 0.4, code: 0 } : { prose: 0.22, markdown: 0.45, code: 0.33 });
  const b = new AnswerBuilder(targetTokens);
  if (style === 'code') {
    composeCode(b, rng);
    return b.finish();
  }
  const w = new ProseWriter(pick(rng, TOPICS), rng);
  if (style === 'short') composeShort(b, w);
  else if (style === 'prose') composeProse(b, w, rng);
  else composeMarkdown(b, w, rng);
  return b.finish();
}

/** Adds a last paragraph, sentence by sentence, until the target is reached. */
function fillToTarget(b: AnswerBuilder, w: ProseWriter, closeWith?: string): void {
  if (!b.open) return;
  const sentences: string[] = [];
  do sentences.push(w.sentence());
  while (b.usedTokens + b.costOf(sentences.join(' ')) < b.targetTokens);
  if (closeWith !== undefined) sentences.push(closeWith);
  b.add(sentences.join(' '));
}

function composeShort(b: AnswerBuilder, w: ProseWriter): void {
  let text = w.directAnswer();
  // A second sentence only when the first leaves most of the target unused.
  while (b.costOf(text) < b.targetTokens * 0.6) text += ` ${w.sentence()}`;
  b.add(text, 'short', 'prose');
}

function composeProse(b: AnswerBuilder, w: ProseWriter, rng: SeededRandom): void {
  b.add(`${w.opening()} ${w.sentence()}`, 'prose');
  while (b.remainingTokens > FILL_THRESHOLD_TOKENS + 20) {
    if (!b.tryAdd(w.paragraph(), BLOCK_SLACK_TOKENS)) break;
  }
  fillToTarget(b, w, chance(rng, 0.5) ? w.closing() : undefined);
}

/** A markdown block of a different kind than `previousTag`, so two tables never sit side by side. */
function freshBlock(w: ProseWriter, rng: SeededRandom, previousTag: string): MarkdownBlock {
  let block = markdownBlock(w, rng);
  for (let i = 0; i < 3 && block.tag === previousTag; i++) block = markdownBlock(w, rng);
  return block;
}

function composeMarkdown(b: AnswerBuilder, w: ProseWriter, rng: SeededRandom): void {
  b.tag('markdown');
  b.add(chance(rng, 0.6) ? `${w.opening()} ${w.sentence()}` : w.opening());
  const sectioned = b.targetTokens >= 300;
  const usedTitles = new Set<string>();
  let previousTag = 'paragraph';
  let misses = 0;
  while (b.remainingTokens > FILL_THRESHOLD_TOKENS && misses < 6) {
    const block = freshBlock(w, rng, previousTag);
    if (!sectioned) {
      if (b.tryAdd(block.text, BLOCK_SLACK_TOKENS, block.tag)) previousTag = block.tag;
      else misses++;
      continue;
    }
    let title = sectionTitle(w.topic, rng);
    for (let i = 0; i < 6 && usedTitles.has(title); i++) title = sectionTitle(w.topic, rng);
    const h = heading(2, title);
    // The heading and its first block go in together, so a section is never left empty.
    if (usedTitles.has(title) || b.costOf(h.text) + b.costOf(block.text) > b.remainingTokens + BLOCK_SLACK_TOKENS) {
      misses++;
      continue;
    }
    usedTitles.add(title);
    b.add(h.text, h.tag);
    b.add(block.text, block.tag);
    previousTag = block.tag;
    for (let extra = intBetween(rng, 0, 2); extra > 0 && b.remainingTokens > FILL_THRESHOLD_TOKENS; extra--) {
      const more = chance(rng, 0.5) ? freshBlock(w, rng, previousTag) : { text: w.paragraph(), tag: 'paragraph' };
      if (b.tryAdd(more.text, BLOCK_SLACK_TOKENS, more.tag)) previousTag = more.tag;
    }
  }
  fillToTarget(b, w, chance(rng, 0.6) ? w.closing() : undefined);
}

interface SnippetChoice {
  readonly language: CodeLanguage;
  readonly snippet: CodeSnippet;
}

const ALL_SNIPPETS: readonly SnippetChoice[] = (Object.keys(SNIPPETS) as CodeLanguage[]).flatMap((language) =>
  SNIPPETS[language].map((snippet) => ({ language, snippet })),
);

/**
 * Snippets for a code answer, best first: those illustrating the answer's topic, then others in
 * the same languages, then the rest.
 */
function rankSnippets(topic: Topic, first: SnippetChoice): SnippetChoice[] {
  const score = (c: SnippetChoice): number =>
    (c.snippet.topic === topic.name ? 0 : 2) + (c.language === first.language || topic.languages.includes(c.language) ? 0 : 1);
  return ALL_SNIPPETS.filter((c) => c !== first).sort((a, b) => score(a) - score(b));
}

function composeCode(b: AnswerBuilder, rng: SeededRandom): void {
  b.tag('markdown');
  const names = pickNames(rng);
  const cost = (c: SnippetChoice): number => b.costOf(fence(c.language, c.snippet.body(names))) + 30; // + its intro sentence
  // The first snippet that fits chooses the topic, so the prose around it is about the same thing.
  const fitting = ALL_SNIPPETS.filter((c) => cost(c) <= b.targetTokens - 20);
  const first = fitting.length > 0 ? pick(rng, fitting) : undefined;
  const topic =
    TECH_TOPICS.find((t) => t.name === first?.snippet.topic) ??
    pick(rng, first === undefined ? TECH_TOPICS : TECH_TOPICS.filter((t) => t.languages.includes(first.language)));
  const w = new ProseWriter(topic, rng);
  b.add(`${w.opening()} ${w.sentence()}`);
  const queue = first === undefined ? [] : [first, ...rankSnippets(topic, first)];
  let blocks = 0;
  for (const choice of queue) {
    if (b.remainingTokens <= FILL_THRESHOLD_TOKENS) break;
    // Past the first block, skip a third of the candidates so long answers vary in what they show.
    if (blocks > 0 && chance(rng, 0.33)) continue;
    if (cost(choice) > b.remainingTokens + BLOCK_SLACK_TOKENS) continue;
    const { language, snippet } = choice;
    if (blocks > 0 && b.remainingTokens > 200) b.add(heading(3, capitalize(snippet.summary)).text, 'heading');
    b.add(codeIntro(language, snippet, rng));
    b.add(fence(language, snippet.body(names)), `code:${language}`);
    blocks++;
    const notes = chance(rng, 0.6) ? codeNotes(rng, intBetween(rng, 2, 4)) : w.paragraph(intBetween(rng, 1, 3));
    b.tryAdd(notes, BLOCK_SLACK_TOKENS, notes.startsWith('- ') ? 'list' : 'paragraph');
  }
  // Long targets outlast the snippets that fit; markdown blocks carry the rest.
  let previousTag = 'paragraph';
  let misses = 0;
  while (b.remainingTokens > FILL_THRESHOLD_TOKENS + 20 && misses < 4) {
    const block = freshBlock(w, rng, previousTag);
    if (b.tryAdd(block.text, BLOCK_SLACK_TOKENS, block.tag)) previousTag = block.tag;
    else misses++;
  }
  fillToTarget(b, w, chance(rng, 0.5) ? w.closing() : undefined);
}
