/**
 * Subject matter for synthesized answers. Each topic is a small phrase bank in fixed grammatical
 * forms, so sentence templates (./prose.ts) can combine them and still read as English:
 * `things` are noun phrases with their article, `actions` are base-form verb phrases,
 * `benefits` are noun phrases without an article, `pitfalls` are gerund phrases.
 */
import type { CodeLanguage } from './code.js';

export interface TopicLink {
  readonly text: string;
  readonly url: string;
}

export interface Topic {
  /** Mid-sentence form: "connection pooling". */
  readonly name: string;
  /** Heading form: "Connection Pooling". */
  readonly title: string;
  readonly things: readonly string[];
  readonly actions: readonly string[];
  readonly benefits: readonly string[];
  readonly pitfalls: readonly string[];
  /** Identifiers and settings, shown as inline code in markdown answers. */
  readonly terms: readonly string[];
  readonly links: readonly TopicLink[];
  /** Languages a code answer on this topic is written in; empty for non-technical topics. */
  readonly languages: readonly CodeLanguage[];
}

export const TOPICS: readonly Topic[] = [
  {
    name: 'connection pooling',
    title: 'Connection Pooling',
    things: ['the pool size', 'idle connections', 'the checkout timeout', 'the database connection limit', 'long-running transactions'],
    actions: ['cap the pool at what the database can actually serve', 'reuse connections instead of opening one per request', 'set a checkout timeout so callers fail fast', 'close idle connections after a few minutes', 'release connections in a finally block'],
    benefits: ['steadier p99 latency', 'fewer TCP and TLS handshakes', 'predictable load on the database', 'faster recovery after a failover'],
    pitfalls: ['leaking connections on error paths', 'sizing the pool per process and then running forty processes', 'holding a connection across a slow network call', 'retrying checkouts without a limit'],
    terms: ['max_connections', 'pool_size', 'idle_timeout', 'pgbouncer'],
    links: [{ text: 'the PgBouncer documentation', url: 'https://www.pgbouncer.org/config.html' }],
    languages: ['python', 'go', 'typescript'],
  },
  {
    name: 'rate limiting',
    title: 'Rate Limiting',
    things: ['the token bucket', 'the burst size', 'the refill rate', 'the 429 response', 'the Retry-After header'],
    actions: ['limit per API key rather than per IP address', 'return a Retry-After header with every 429', 'keep the counters in one shared store', 'allow a small burst above the steady rate', 'log every rejected request with its key'],
    benefits: ['protection from noisy neighbours', 'fair sharing between tenants', 'a clear contract with API clients', 'fewer cascading failures'],
    pitfalls: ['counting in each replica separately', 'forgetting that clients retry immediately', 'limiting health checks along with real traffic', 'using fixed windows that allow double bursts at the boundary'],
    terms: ['429 Too Many Requests', 'Retry-After', 'x-ratelimit-remaining', 'INCR'],
    links: [{ text: 'RFC 6585', url: 'https://www.rfc-editor.org/rfc/rfc6585' }],
    languages: ['go', 'typescript', 'python'],
  },
  {
    name: 'database indexing',
    title: 'Database Indexing',
    things: ['the query plan', 'a composite index', 'the leading column', 'a sequential scan', 'write amplification'],
    actions: ['index the columns your WHERE clauses actually filter on', 'put the most selective column first in a composite index', 'run EXPLAIN ANALYZE before and after each change', 'drop indexes that no query uses', 'create large indexes concurrently'],
    benefits: ['queries that stay fast as tables grow', 'lower CPU on the database host', 'shorter lock times', 'more predictable response times'],
    pitfalls: ['indexing every column just in case', 'wrapping the indexed column in a function', 'ignoring the cost of indexes on writes', 'trusting a plan measured on a tiny dev database'],
    terms: ['EXPLAIN ANALYZE', 'CREATE INDEX CONCURRENTLY', 'pg_stat_user_indexes', 'btree'],
    links: [{ text: 'the PostgreSQL index docs', url: 'https://www.postgresql.org/docs/current/indexes.html' }],
    languages: ['sql', 'python'],
  },
  {
    name: 'caching',
    title: 'Caching',
    things: ['the cache key', 'the time-to-live', 'the hit rate', 'a cache stampede', 'stale reads'],
    actions: ['cache only the expensive reads', 'put a version in every cache key', 'add jitter to expiry times', 'let one request refill a missing key while others wait', 'measure the hit rate before tuning anything'],
    benefits: ['lower database load', 'faster page loads', 'cheaper infrastructure', 'headroom for traffic spikes'],
    pitfalls: ['caching errors along with successes', 'letting every key expire at the same moment', 'forgetting to invalidate on writes', 'caching per-user data under a shared key'],
    terms: ['SETEX', 'Cache-Control', 'stale-while-revalidate', 'lru_cache'],
    links: [{ text: 'MDN on HTTP caching', url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Caching' }],
    languages: ['python', 'typescript', 'go'],
  },
  {
    name: 'retries with exponential backoff',
    title: 'Retries and Backoff',
    things: ['the retry budget', 'the backoff ceiling', 'idempotency keys', 'transient errors', 'the total deadline'],
    actions: ['retry only errors that are actually transient', 'add full jitter to every delay', 'cap the number of attempts', 'send an idempotency key with every write', 'respect the server’s Retry-After value'],
    benefits: ['resilience to brief outages', 'fewer user-visible errors', 'no thundering herd after recovery', 'safe retries of writes'],
    pitfalls: ['retrying at every layer of the stack', 'retrying 400 errors that will never succeed', 'backing off without jitter', 'ignoring the caller’s deadline'],
    terms: ['Idempotency-Key', 'max_attempts', 'ECONNRESET', '503'],
    links: [{ text: 'the AWS article on backoff and jitter', url: 'https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/' }],
    languages: ['python', 'typescript', 'go'],
  },
  {
    name: 'structured logging',
    title: 'Structured Logging',
    things: ['the log level', 'the request id', 'the log schema', 'high-cardinality fields', 'the log pipeline'],
    actions: ['log JSON with a fixed set of field names', 'attach a request id to every line', 'log at service boundaries rather than in every function', 'keep secrets out of logs with a redaction list', 'sample noisy debug logs in production'],
    benefits: ['searchable logs', 'faster incident response', 'lower log storage bills', 'easy correlation with traces'],
    pitfalls: ['logging whole request bodies', 'building messages with string concatenation', 'using a different field name for the same thing in each service', 'logging at ERROR for expected conditions'],
    terms: ['request_id', 'level', 'pino', 'structlog'],
    links: [{ text: 'the OpenTelemetry logs data model', url: 'https://opentelemetry.io/docs/specs/otel/logs/data-model/' }],
    languages: ['python', 'typescript', 'go'],
  },
  {
    name: 'container images',
    title: 'Container Images',
    things: ['the base image', 'the build cache', 'the final image size', 'a multi-stage build', 'the image digest'],
    actions: ['use a multi-stage build so compilers stay out of the final image', 'copy the lockfile before the source to keep the cache warm', 'run as a non-root user', 'pin base images by digest', 'scan images in CI before pushing'],
    benefits: ['smaller images', 'faster deploys', 'a smaller attack surface', 'reproducible builds'],
    pitfalls: ['installing build tools in the runtime image', 'invalidating the cache by copying everything first', 'baking secrets into a layer', 'using the latest tag in production'],
    terms: ['FROM ... AS build', 'USER node', '.dockerignore', 'distroless'],
    links: [{ text: 'the Docker build best practices', url: 'https://docs.docker.com/build/building/best-practices/' }],
    languages: ['bash'],
  },
  {
    name: 'CI pipelines',
    title: 'CI Pipelines',
    things: ['the build matrix', 'the dependency cache', 'flaky tests', 'the main branch', 'required checks'],
    actions: ['fail fast by running lint and type checks first', 'cache dependencies keyed on the lockfile', 'run the slow suites in parallel shards', 'quarantine flaky tests instead of retrying them forever', 'keep the pipeline definition in the repository'],
    benefits: ['shorter feedback loops', 'fewer broken builds on main', 'confidence in every merge', 'cheaper CI minutes'],
    pitfalls: ['letting the pipeline grow past twenty minutes', 'retrying flaky tests until they pass', 'sharing mutable state between jobs', 'skipping checks for small changes'],
    terms: ['actions/cache', 'needs:', 'concurrency', 'matrix'],
    links: [{ text: 'the GitHub Actions docs', url: 'https://docs.github.com/en/actions' }],
    languages: ['bash'],
  },
  {
    name: 'unit testing',
    title: 'Unit Testing',
    things: ['the test pyramid', 'a test double', 'the arrange-act-assert pattern', 'test coverage', 'a fake clock'],
    actions: ['test behaviour through the public interface', 'keep each test focused on one outcome', 'use a fake clock instead of sleeping', 'name tests after the rule they check', 'delete tests that only restate the implementation'],
    benefits: ['safe refactoring', 'faster debugging', 'living documentation', 'fewer regressions'],
    pitfalls: ['mocking everything the code touches', 'asserting on log output', 'sharing fixtures that tests quietly mutate', 'chasing a coverage number'],
    terms: ['vi.useFakeTimers()', 'pytest.fixture', 't.Run', 'expect.poll'],
    links: [{ text: 'the Vitest guide', url: 'https://vitest.dev/guide/' }],
    languages: ['typescript', 'python', 'go'],
  },
  {
    name: 'async I/O',
    title: 'Async I/O',
    things: ['the event loop', 'a blocking call', 'backpressure', 'the concurrency limit', 'cancellation'],
    actions: ['keep CPU-heavy work off the event loop', 'bound concurrency with a semaphore', 'propagate cancellation through every await', 'set a timeout on every network call', 'stream large responses instead of buffering them'],
    benefits: ['high throughput on few threads', 'lower memory use', 'responsive services under load', 'clean shutdowns'],
    pitfalls: ['calling a blocking library from async code', 'starting tasks and never awaiting them', 'unbounded Promise.all over user input', 'ignoring backpressure on writes'],
    terms: ['asyncio.gather', 'AbortController', 'context.Context', 'Promise.allSettled'],
    links: [{ text: 'the asyncio docs', url: 'https://docs.python.org/3/library/asyncio.html' }],
    languages: ['python', 'typescript', 'go'],
  },
  {
    name: 'Kubernetes deployments',
    title: 'Kubernetes Deployments',
    things: ['the readiness probe', 'resource requests and limits', 'the rolling update strategy', 'the pod disruption budget', 'the horizontal pod autoscaler'],
    actions: ['set resource requests from measured usage', 'separate readiness from liveness probes', 'handle SIGTERM and drain in-flight requests', 'use a pod disruption budget for stateful services', 'roll out with maxUnavailable set to zero'],
    benefits: ['zero-downtime deploys', 'better bin packing', 'predictable autoscaling', 'fewer surprise evictions'],
    pitfalls: ['pointing the liveness probe at a dependency', 'setting CPU limits far below the request pattern', 'ignoring the termination grace period', 'scaling on CPU for an I/O-bound service'],
    terms: ['readinessProbe', 'terminationGracePeriodSeconds', 'kubectl rollout status', 'HPA'],
    links: [{ text: 'the Kubernetes deployment docs', url: 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/' }],
    languages: ['bash', 'go'],
  },
  {
    name: 'API pagination',
    title: 'API Pagination',
    things: ['the page cursor', 'the page size', 'the sort order', 'the total count', 'offset pagination'],
    actions: ['use opaque cursors instead of page numbers', 'sort by a unique, stable column', 'cap the page size on the server', 'return the next cursor in the response body', 'skip the total count unless clients need it'],
    benefits: ['consistent results while data changes', 'constant-time page fetches', 'simpler clients', 'lower database load'],
    pitfalls: ['paginating with OFFSET on large tables', 'sorting by a column with duplicates', 'leaking internal ids in cursors', 'counting every row on every request'],
    terms: ['next_cursor', 'LIMIT', 'has_more', 'created_at, id'],
    links: [{ text: 'the Stripe pagination docs', url: 'https://docs.stripe.com/api/pagination' }],
    languages: ['sql', 'typescript', 'python'],
  },
  {
    name: 'feature flags',
    title: 'Feature Flags',
    things: ['the flag lifecycle', 'the rollout percentage', 'the kill switch', 'flag evaluation', 'stale flags'],
    actions: ['give every flag an owner and an expiry date', 'roll out by percentage with sticky bucketing', 'keep a kill switch for risky features', 'evaluate flags once per request', 'remove flags as soon as a rollout finishes'],
    benefits: ['safer releases', 'decoupled deploys and launches', 'quick rollback without a redeploy', 'room for experiments'],
    pitfalls: ['nesting flags inside flags', 'letting old flags pile up for years', 'evaluating flags differently on client and server', 'using flags as permanent configuration'],
    terms: ['isEnabled()', 'rollout: 10%', 'LaunchDarkly', 'OpenFeature'],
    links: [{ text: 'the OpenFeature spec', url: 'https://openfeature.dev/specification/' }],
    languages: ['typescript', 'go', 'python'],
  },
  {
    name: 'distributed tracing',
    title: 'Distributed Tracing',
    things: ['the trace context', 'a span', 'the sampling rate', 'span attributes', 'the critical path'],
    actions: ['propagate the traceparent header through every hop', 'name spans after the operation rather than the URL', 'sample by tail latency rather than at random', 'add the tenant and route as span attributes', 'instrument the client side of every network call'],
    benefits: ['clear pictures of where time goes', 'faster root-cause analysis', 'cross-service visibility', 'data to back performance work'],
    pitfalls: ['dropping context at queue boundaries', 'putting user ids in span names', 'sampling so aggressively that slow requests vanish', 'instrumenting only the server side'],
    terms: ['traceparent', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'span.setAttribute', 'W3C Trace Context'],
    links: [{ text: 'the OpenTelemetry docs', url: 'https://opentelemetry.io/docs/' }],
    languages: ['typescript', 'go', 'python'],
  },
  {
    name: 'Git branching',
    title: 'Git Branching',
    things: ['the main branch', 'a feature branch', 'the merge queue', 'a rebase', 'a long-lived branch'],
    actions: ['keep branches short-lived', 'rebase onto main before opening a pull request', 'squash fix-up commits before merging', 'protect main with required reviews', 'write commit messages that explain why'],
    benefits: ['fewer merge conflicts', 'a readable history', 'easy bisecting', 'smaller, faster reviews'],
    pitfalls: ['force-pushing a shared branch', 'letting a branch drift for weeks', 'mixing refactors and features in one pull request', 'committing generated files by accident'],
    terms: ['git rebase -i', 'git bisect', 'git switch -c', '--force-with-lease'],
    links: [{ text: 'the Pro Git book', url: 'https://git-scm.com/book/en/v2' }],
    languages: ['bash'],
  },
  {
    name: 'sourdough baking',
    title: 'Sourdough Baking',
    things: ['the starter', 'the bulk fermentation', 'the hydration', 'the final proof', 'the crumb'],
    actions: ['feed the starter at the same time every day', 'watch the dough rather than the clock during bulk', 'do a few sets of stretch and folds in the first two hours', 'bake in a preheated Dutch oven', 'let the loaf cool for an hour before cutting'],
    benefits: ['an open, even crumb', 'a crisp, blistered crust', 'a milder, more complex flavour', 'bread that keeps for days'],
    pitfalls: ['using a starter before it has peaked', 'adding too much water too early', 'cutting the loaf while it is still hot', 'underproofing in a cold kitchen'],
    terms: [],
    links: [{ text: 'the King Arthur sourdough guide', url: 'https://www.kingarthurbaking.com/recipes/sourdough' }],
    languages: [],
  },
  {
    name: 'personal budgeting',
    title: 'Personal Budgeting',
    things: ['the emergency fund', 'fixed costs', 'discretionary spending', 'the savings rate', 'high-interest debt'],
    actions: ['track every expense for one month before setting limits', 'automate savings on payday', 'pay off the highest-interest debt first', 'review subscriptions every quarter', 'keep three to six months of expenses in cash'],
    benefits: ['less money stress', 'room for bigger goals', 'a cushion for surprises', 'steady progress on debt'],
    pitfalls: ['budgeting from memory instead of real numbers', 'setting limits so tight they fail in a week', 'forgetting annual bills', 'treating a bonus as regular income'],
    terms: [],
    links: [{ text: 'the CFPB budgeting worksheet', url: 'https://www.consumerfinance.gov/consumer-tools/budgeting/' }],
    languages: [],
  },
  {
    name: 'marathon training',
    title: 'Marathon Training',
    things: ['the long run', 'the weekly mileage', 'the taper', 'easy pace', 'race-day fuelling'],
    actions: ['run most of your miles at an easy, conversational pace', 'increase weekly mileage by no more than about ten percent', 'practise your race-day fuelling on long runs', 'take a real rest day every week', 'taper for two to three weeks before the race'],
    benefits: ['fewer injuries', 'a stronger finish', 'better aerobic endurance', 'more consistent training'],
    pitfalls: ['running every session hard', 'trying new shoes on race day', 'skipping strength work', 'starting the race too fast'],
    terms: [],
    links: [{ text: 'a beginner marathon plan', url: 'https://www.halhigdon.com/training/marathon-training/' }],
    languages: [],
  },
  {
    name: 'houseplant care',
    title: 'Houseplant Care',
    things: ['the watering schedule', 'indirect light', 'the drainage hole', 'the potting mix', 'root rot'],
    actions: ['water when the top few centimetres of soil are dry', 'use pots with drainage holes', 'rotate plants a quarter turn every week', 'repot in spring when roots circle the pot', 'wipe dust off the leaves now and then'],
    benefits: ['steady new growth', 'fewer pests', 'healthier roots', 'plants that last for years'],
    pitfalls: ['watering on a fixed schedule regardless of the soil', 'putting a shade plant in direct sun', 'using a pot without drainage', 'fertilising a dormant plant in winter'],
    terms: [],
    links: [{ text: 'the RHS houseplant guide', url: 'https://www.rhs.org.uk/plants/types/houseplants' }],
    languages: [],
  },
  {
    name: 'public speaking',
    title: 'Public Speaking',
    things: ['the opening line', 'the main message', 'the slides', 'the pacing', 'the Q&A'],
    actions: ['state your main message in the first minute', 'rehearse out loud at least three times', 'use fewer words on each slide', 'pause after important points', 'prepare answers to the three questions you dread most'],
    benefits: ['a talk people remember', 'more confidence on stage', 'better questions from the audience', 'less last-minute panic'],
    pitfalls: ['reading the slides aloud', 'cramming too much into the time slot', 'apologising at the start', 'skipping a run-through with the real equipment'],
    terms: [],
    links: [{ text: 'the TED speaker guide', url: 'https://www.ted.com/participate/organize-a-local-tedx-event/tedx-organizer-guide/speakers-program/prepare-your-speaker' }],
    languages: [],
  },
  {
    name: 'travel packing',
    title: 'Packing for a Trip',
    things: ['the carry-on', 'a packing list', 'the weather forecast', 'travel documents', 'layers'],
    actions: ['pack for a week even on longer trips and plan one laundry stop', 'roll clothes instead of folding them', 'keep documents and medicines in your carry-on', 'check the forecast the day before you leave', 'choose clothes that all go together'],
    benefits: ['lighter bags', 'no checked-luggage fees', 'less time deciding what to wear', 'fewer forgotten essentials'],
    pitfalls: ['packing for every possible scenario', 'putting medication in checked luggage', 'bringing shoes you have never walked in', 'forgetting plug adapters'],
    terms: [],
    links: [{ text: 'the TSA liquids rule', url: 'https://www.tsa.gov/travel/security-screening/liquids-rule' }],
    languages: [],
  },
];

/** Topics a code answer can be written about. */
export const TECH_TOPICS: readonly Topic[] = TOPICS.filter((t) => t.languages.length > 0);
