/**
 * Tool-call answers: one to three calls with JSON-encoded arguments, optionally after a short
 * preamble. Several calls in one answer are either the same tool fanned out (weather in three
 * cities) or a plausible pair, as parallel tool calls look in real traffic.
 */
import type { SeededRandom } from '../../timing/random.js';
import type { CorpusToolCall } from '../format.js';
import { chance, intBetween, pick, pickDistinct, weighted } from './choice.js';
import type { ProviderFamily } from './models.js';
import { countTokens } from '../tokens.js';

interface ToolSpec {
  readonly name: string;
  readonly args: (rng: SeededRandom) => Record<string, unknown>;
  /** What the assistant says before calling, given the arguments of the first call. */
  readonly preamble: (args: Record<string, unknown>) => string;
}

const CITIES: readonly string[] = ['Paris', 'Tokyo', 'New York', 'München', 'São Paulo', 'Cape Town', 'Seattle', 'Mumbai', 'Reykjavík', 'Sydney'];
const QUERIES: readonly string[] = [
  'how to rotate API keys',
  'rate limit headers',
  'webhook signature verification',
  'pagination cursor format',
  'SSO setup with Okta',
  'export data to CSV',
  'streaming responses',
  'refund policy for annual plans',
];
const TICKET_TITLES: readonly string[] = [
  'Checkout page times out for EU customers',
  'Password reset email not delivered',
  'Dashboard shows stale metrics after deploy',
  'CSV export drops non-ASCII characters',
  'Mobile app crashes on launch (iOS 19)',
];
const PEOPLE: readonly string[] = ['alex@example.com', 'sam.lee@example.com', 'priya@example.org', 'j.becker@example.de'];

const TOOLS: readonly ToolSpec[] = [
  {
    name: 'get_weather',
    args: (r) => ({ location: pick(r, CITIES), unit: pick(r, ['celsius', 'fahrenheit']) }),
    preamble: (a) => `I'll check the current weather in ${String(a['location'])}.`,
  },
  {
    name: 'search_docs',
    args: (r) => ({ query: pick(r, QUERIES), top_k: pick(r, [3, 5, 10]), ...(chance(r, 0.4) ? { filters: { product: pick(r, ['api', 'dashboard', 'billing']) } } : {}) }),
    preamble: (a) => `Let me search the documentation for "${String(a['query'])}".`,
  },
  {
    name: 'create_ticket',
    args: (r) => ({
      title: pick(r, TICKET_TITLES),
      description: 'Reported by a customer via chat. Steps to reproduce and logs are attached to the conversation.',
      priority: pick(r, ['low', 'medium', 'high', 'urgent']),
      labels: pickDistinct(r, ['bug', 'customer-reported', 'regression', 'frontend', 'backend'], intBetween(r, 1, 3)),
    }),
    preamble: () => "I'll open a ticket so the engineering team can pick this up.",
  },
  {
    name: 'lookup_order',
    args: (r) => ({ order_id: `ORD-${String(intBetween(r, 100000, 999999))}`, include_items: chance(r, 0.6) }),
    preamble: (a) => `Let me look up order ${String(a['order_id'])} for you.`,
  },
  {
    name: 'send_email',
    args: (r) => ({ to: [pick(r, PEOPLE)], subject: 'Follow-up from today’s call', body: 'Hi,\n\nThanks for your time today. As discussed, I have attached the summary and next steps.\n\nBest regards' }),
    preamble: () => "I'll send that follow-up email now.",
  },
  {
    name: 'get_stock_price',
    args: (r) => ({ symbol: pick(r, ['AAPL', 'MSFT', 'NVDA', 'GOOGL', 'AMZN', 'TSLA']), currency: 'USD' }),
    preamble: (a) => `Checking the latest price for ${String(a['symbol'])}.`,
  },
  {
    name: 'convert_currency',
    args: (r) => ({ amount: intBetween(r, 10, 5000), from: pick(r, ['USD', 'EUR', 'GBP']), to: pick(r, ['JPY', 'BRL', 'CHF', 'INR']) }),
    preamble: () => 'Let me get the current exchange rate.',
  },
  {
    name: 'schedule_meeting',
    args: (r) => ({
      attendees: pickDistinct(r, PEOPLE, intBetween(r, 1, 3)),
      start: `2026-${String(intBetween(r, 1, 12)).padStart(2, '0')}-${String(intBetween(r, 1, 28)).padStart(2, '0')}T${String(intBetween(r, 8, 17)).padStart(2, '0')}:00:00Z`,
      duration_minutes: pick(r, [15, 30, 45, 60]),
      title: pick(r, ['Weekly sync', 'Design review', 'Incident retro', 'Quarterly planning']),
    }),
    preamble: () => "I'll put that meeting on the calendar.",
  },
  {
    name: 'run_sql',
    args: (r) => ({ query: pick(r, ['SELECT status, COUNT(*) FROM orders GROUP BY status', "SELECT id, email FROM users WHERE created_at > now() - interval '7 days'", 'SELECT product_id, SUM(quantity) AS units FROM order_items GROUP BY product_id ORDER BY units DESC LIMIT 10']), read_only: true }),
    preamble: () => "I'll run a query against the analytics database.",
  },
];

/** How often each family speaks before calling a tool: Claude usually does, the others rarely. */
const PREAMBLE_PROBABILITY = {
  openai: 0.2,
  anthropic: 0.75,
  google: 0.3,
  xai: 0.35,
} as const satisfies Record<ProviderFamily, number>;

/** Most answers make one call; parallel calls are the minority they are in real traffic. */
const CALL_COUNT_WEIGHTS = { single: 0.7, pair: 0.22, triple: 0.08 } as const;
const CALLS_PER_ANSWER = { single: 1, pair: 2, triple: 3 } as const satisfies Record<keyof typeof CALL_COUNT_WEIGHTS, number>;

export interface ToolCallAnswer {
  readonly preamble: string;
  readonly calls: readonly CorpusToolCall[];
  /** Completion tokens the calls themselves cost (names, arguments and framing). */
  readonly callTokens: number;
  readonly tags: readonly string[];
}

export function composeToolCallAnswer(rng: SeededRandom, family: ProviderFamily): ToolCallAnswer {
  const count = CALLS_PER_ANSWER[weighted(rng, CALL_COUNT_WEIGHTS)];
  const first = pick(rng, TOOLS);
  // Fan-outs repeat one tool; otherwise pair it with different tools.
  const tools = count > 1 && chance(rng, 0.5) ? Array.from({ length: count }, () => first) : [first, ...pickDistinct(rng, TOOLS.filter((t) => t !== first), count - 1)];
  const argsList = tools.map((t) => t.args(rng));
  const calls: CorpusToolCall[] = tools.map((t, i) => ({ name: t.name, arguments: JSON.stringify(argsList[i]) }));
  const preamble = chance(rng, PREAMBLE_PROBABILITY[family]) ? first.preamble(argsList[0]!) : '';
  // Each call costs its name and arguments plus a few framing tokens, as provider usage reports.
  const callTokens = calls.reduce((sum, c) => sum + countTokens(c.name) + countTokens(c.arguments) + 4, 0);
  const tags = ['tool_call', ...new Set(calls.map((c) => `tool:${c.name}`))];
  if (calls.length > 1) tags.push('parallel');
  if (preamble !== '') tags.push('preamble');
  return { preamble, calls, callTokens, tags: tags.sort() };
}
