/**
 * Answers for JSON mode (`response_format: json_object`, Gemini `responseMimeType`): the whole
 * output is one JSON object. Shapes with a list grow item by item until they reach the target
 * length, so JSON answers get their own length distribution rather than one size per shape.
 */
import type { SeededRandom } from '../../timing/random.js';
import type { Composition } from './answer-builder.js';
import { chance, intBetween, pick, pickDistinct } from './choice.js';
import { ProseWriter, capitalize } from './prose.js';
import { countTokens } from '../tokens.js';
import { TOPICS } from './topics.js';

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const PEOPLE: readonly string[] = [
  'Maria Chen',
  'Tomás Álvarez',
  'Priya Natarajan',
  'Jonas Becker',
  'Aisha Bello',
  'Kenji Watanabe',
  'Olivia Brooks',
  'Mateus Ferreira',
  'Sofia Rossi',
  'Daniel Okafor',
  'Zoë Lambert',
  'Hiroshi Tanaka',
];

const COMPANIES: readonly string[] = ['Northwind Traders', 'Acme Robotics', 'Bluefin Analytics', 'Juniper Health', 'Lumen Logistics', 'Cobalt Labs'];
const ROLES: readonly string[] = ['Head of Engineering', 'Product Manager', 'Data Scientist', 'Operations Lead', 'CFO', 'Support Manager'];
const CITIES: readonly string[] = ['Berlin', 'Austin', 'São Paulo', 'Toronto', 'Lagos', 'Osaka', 'Zürich', 'Melbourne', 'Kraków', 'Dublin'];
const LABELS: readonly string[] = ['billing', 'bug_report', 'feature_request', 'account_access', 'shipping', 'other'];
const PRODUCTS: readonly string[] = ['Wireless Earbuds', 'Standing Desk', 'Espresso Grinder', 'Trail Running Shoes', 'Mechanical Keyboard', '4K Monitor', 'Cast Iron Skillet', 'Yoga Mat', 'Backpack 30L', 'Smart Thermostat'];
const CURRENCIES: readonly string[] = ['USD', 'EUR', 'GBP', 'JPY', 'BRL'];
const ACTIVITIES: readonly string[] = ['Walking tour of the old town', 'Museum visit', 'Food market lunch', 'Day hike', 'Boat trip', 'Cooking class', 'Free afternoon', 'Dinner at a local bistro', 'Cycling along the river'];

const round2 = (x: number): number => Math.round(x * 100) / 100;
const emailOf = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .replace(' ', '.') + '@example.com';
const isoDate = (rng: SeededRandom): string => `2026-${String(intBetween(rng, 1, 12)).padStart(2, '0')}-${String(intBetween(rng, 1, 28)).padStart(2, '0')}`;

/** One shape's object and how to grow it; `grow` returns false once the shape is full. */
interface JsonDraft {
  readonly obj: JsonObject;
  readonly grow: () => boolean;
}

interface JsonShape {
  readonly tag: string;
  readonly start: (rng: SeededRandom) => JsonDraft;
}

/** A draft whose growth appends `next()` to the array at `obj[key]`, up to `max` items. */
function listDraft(obj: JsonObject, key: string, max: number, next: (index: number) => JsonValue | undefined): JsonDraft {
  const list: JsonValue[] = [];
  obj[key] = list;
  return {
    obj,
    grow: () => {
      if (list.length >= max) return false;
      const item = next(list.length);
      if (item === undefined) return false;
      list.push(item);
      return true;
    },
  };
}

/** Draws from `bank` without repeats; undefined once it is used up. */
function drawer<T>(rng: SeededRandom, bank: readonly T[]): () => T | undefined {
  const order = pickDistinct(rng, bank, bank.length);
  return () => order.shift();
}

const CONTACT_NOTES: readonly string[] = [
  'Met at the Berlin product conference in March.',
  'Prefers email over phone calls.',
  'Interested in the enterprise plan for about 40 seats.',
  'Asked for a security questionnaire before the next call.',
  'Currently evaluating two other vendors.',
  'Follow up after the end of their fiscal quarter.',
];

const CLASSIFICATION_REASONS: readonly string[] = [
  'The customer says they were charged twice this month.',
  'The message references an invoice number.',
  'They ask for a refund on the annual plan.',
  'The error message they quote comes from the checkout service.',
  'They describe steps that reproduce the problem reliably.',
  'The request is phrased as a suggestion for a new capability.',
  'They cannot log in after resetting their password.',
  'The tracking number has not updated for five days.',
  'The tone is frustrated but the request itself is specific.',
  'No account identifier is included, so follow-up is needed.',
];

const SHAPES: readonly JsonShape[] = [
  {
    tag: 'json:extraction',
    start: (rng) => {
      const name = pick(rng, PEOPLE);
      const obj: JsonObject = { name, email: emailOf(name), company: pick(rng, COMPANIES), role: pick(rng, ROLES), location: pick(rng, CITIES), phone: null };
      const note = drawer(rng, CONTACT_NOTES);
      return listDraft(obj, 'notes', 4, () => note());
    },
  },
  {
    tag: 'json:classification',
    start: (rng) => {
      const reason = drawer(rng, CLASSIFICATION_REASONS);
      return listDraft({ label: pick(rng, LABELS), confidence: round2(0.55 + rng.next() * 0.44), language: 'en' }, 'reasons', 6, () => reason());
    },
  },
  {
    tag: 'json:tasks',
    start: (rng) =>
      listDraft({}, 'tasks', 60, (i) => {
        const topic = pick(rng, TOPICS);
        return {
          id: i + 1,
          title: capitalize(pick(rng, topic.actions)),
          priority: pick(rng, ['low', 'medium', 'high']),
          due: isoDate(rng),
          done: chance(rng, 0.3),
          tags: pickDistinct(rng, ['backend', 'ops', 'docs', 'research', 'urgent', 'home'], intBetween(rng, 0, 2)),
        };
      }),
  },
  {
    tag: 'json:summary',
    start: (rng) => {
      const w = new ProseWriter(pick(rng, TOPICS), rng);
      const obj: JsonObject = { title: w.topic.title, summary: w.paragraph(2), sentiment: pick(rng, ['positive', 'neutral', 'mixed']), word_count: intBetween(rng, 300, 4000) };
      return listDraft(obj, 'key_points', 25, () => w.sentence());
    },
  },
  {
    tag: 'json:catalog',
    start: (rng) =>
      listDraft({ currency: pick(rng, CURRENCIES), page: 1 }, 'products', 60, () => ({
        sku: `SKU-${String(intBetween(rng, 10000, 99999))}`,
        name: pick(rng, PRODUCTS),
        price: round2(5 + rng.next() * 495),
        in_stock: chance(rng, 0.8),
        rating: round2(3 + rng.next() * 2),
      })),
  },
  {
    tag: 'json:itinerary',
    start: (rng) =>
      listDraft({ destination: pick(rng, CITIES), travellers: intBetween(rng, 1, 4) }, 'days', 21, (i) => ({
        day: i + 1,
        city: pick(rng, CITIES),
        activities: pickDistinct(rng, ACTIVITIES, intBetween(rng, 2, 4)),
        budget_eur: intBetween(rng, 60, 300),
      })),
  },
];

/** A single JSON object of roughly `targetTokens`, pretty-printed or compact as models vary. */
export function composeJsonAnswer(rng: SeededRandom, targetTokens: number): Composition {
  const shape = pick(rng, SHAPES);
  const pretty = chance(rng, 0.6);
  const serialize = (o: JsonObject): string => (pretty ? JSON.stringify(o, null, 2) : JSON.stringify(o));
  const { obj, grow } = shape.start(rng);
  let text = serialize(obj);
  while (countTokens(text) < targetTokens && grow()) text = serialize(obj);
  const nonAscii = /[^\x20-\x7e\n]/.test(text);
  return { text, tags: ['json', shape.tag, pretty ? 'json:pretty' : 'json:compact', ...(nonAscii ? ['non-ascii'] : [])].sort() };
}
