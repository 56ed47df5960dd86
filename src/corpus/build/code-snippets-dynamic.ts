/**
 * Code snippet bank, part one: Python and TypeScript. Snippets are templates over a `NameSet` so
 * the same shape appears with different identifiers across the corpus.
 */
import type { CodeSnippet } from './code.js';

export const PYTHON_SNIPPETS: readonly CodeSnippet[] = [
  {
    summary: 'a retry decorator with exponential backoff and full jitter',
    topic: 'retries with exponential backoff',
    body: (n) => `import random
import time
from functools import wraps


def retry(max_attempts: int = 5, base_delay: float = 0.2, max_delay: float = 10.0):
    """Retry the wrapped call on transient errors, sleeping with full jitter."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            for attempt in range(1, max_attempts + 1):
                try:
                    return fn(*args, **kwargs)
                except (ConnectionError, TimeoutError):
                    if attempt == max_attempts:
                        raise
                    delay = min(max_delay, base_delay * 2 ** attempt)
                    time.sleep(random.uniform(0, delay))

        return wrapper

    return decorator


@retry(max_attempts=4)
def fetch_${n.entity}(${n.entity}_id: str) -> dict:
    return client.get(f"/${n.entities}/{${n.entity}_id}").json()`,
  },
  {
    summary: 'fetching many records concurrently with a bounded semaphore',
    topic: 'async I/O',
    body: (n) => `import asyncio

import httpx

MAX_CONCURRENCY = 10


async def fetch_${n.entity}(client: httpx.AsyncClient, sem: asyncio.Semaphore, ${n.entity}_id: int) -> dict:
    async with sem:
        response = await client.get(f"/${n.entities}/{${n.entity}_id}", timeout=5.0)
        response.raise_for_status()
        return response.json()


async def fetch_all_${n.entities}(ids: list[int]) -> list[dict]:
    sem = asyncio.Semaphore(MAX_CONCURRENCY)
    async with httpx.AsyncClient(base_url="https://api.example.com") as client:
        tasks = [fetch_${n.entity}(client, sem, i) for i in ids]
        return await asyncio.gather(*tasks)


if __name__ == "__main__":
    ${n.entities} = asyncio.run(fetch_all_${n.entities}(list(range(1, 101))))
    print(f"fetched {len(${n.entities})} ${n.entities}")`,
  },
  {
    summary: 'a dataclass loaded from a CSV file with basic validation',
    body: (n) => `import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class ${n.Entity}:
    id: int
    ${n.field}: str
    amount_cents: int
    created_on: date


def load_${n.entities}(path: Path) -> list[${n.Entity}]:
    ${n.entities}: list[${n.Entity}] = []
    with path.open(newline="", encoding="utf-8") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            try:
                ${n.entities}.append(
                    ${n.Entity}(
                        id=int(row["id"]),
                        ${n.field}=row["${n.field}"].strip(),
                        amount_cents=round(float(row["amount"]) * 100),
                        created_on=date.fromisoformat(row["created_on"]),
                    )
                )
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}:{line_no}: {exc}") from exc
    return ${n.entities}`,
  },
  {
    summary: 'a small pytest suite using fixtures and parametrize',
    topic: 'unit testing',
    body: (n) => `import pytest

from ${n.service}.${n.entities} import ${n.Entity}Service, InMemoryRepo


@pytest.fixture
def service() -> ${n.Entity}Service:
    return ${n.Entity}Service(repo=InMemoryRepo())


def test_create_assigns_an_id(service):
    created = service.create(${n.field}="pending")
    assert created.id is not None


@pytest.mark.parametrize("${n.field}", ["", "   ", None])
def test_create_rejects_blank_${n.field}(service, ${n.field}):
    with pytest.raises(ValueError, match="${n.field}"):
        service.create(${n.field}=${n.field})


def test_list_returns_newest_first(service):
    first = service.create(${n.field}="a")
    second = service.create(${n.field}="b")
    assert [e.id for e in service.list()] == [second.id, first.id]`,
  },
  {
    summary: 'structured JSON logging with a request id',
    topic: 'structured logging',
    body: (n) => `import logging
import uuid

import structlog

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        structlog.processors.JSONRenderer(),
    ],
    wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
)

log = structlog.get_logger()


def handle_request(${n.entity}_id: str) -> None:
    structlog.contextvars.bind_contextvars(request_id=str(uuid.uuid4()))
    log.info("${n.entity}.lookup", ${n.entity}_id=${n.entity}_id)
    try:
        process(${n.entity}_id)
    except Exception:
        log.exception("${n.entity}.failed", ${n.entity}_id=${n.entity}_id)
        raise
    finally:
        structlog.contextvars.clear_contextvars()`,
  },
  {
    summary: 'keyset pagination with psycopg',
    topic: 'API pagination',
    body: (n) => `import psycopg

PAGE_SIZE = 100


def iter_${n.entities}(conn: psycopg.Connection):
    last_created, last_id = None, 0
    while True:
        rows = conn.execute(
            """
            SELECT id, ${n.field}, created_at
            FROM ${n.table}
            WHERE (created_at, id) > (COALESCE(%s, '-infinity'::timestamptz), %s)
            ORDER BY created_at, id
            LIMIT %s
            """,
            (last_created, last_id, PAGE_SIZE),
        ).fetchall()
        if not rows:
            return
        yield from rows
        last_id, _, last_created = rows[-1]`,
  },
];

export const TYPESCRIPT_SNIPPETS: readonly CodeSnippet[] = [
  {
    summary: 'a typed retry helper with exponential backoff and jitter',
    topic: 'retries with exponential backoff',
    body: (n) => `export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < opts.attempts; attempt++) {
    try {
      return await fn();
    } catch (err) {
      lastError = err;
      const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
      await sleep(Math.random() * ceiling, opts.signal);
    }
  }
  throw lastError;
}

const ${n.entity} = await withRetry(() => get${n.Entity}(id), { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 });`,
  },
  {
    summary: 'validating an API response with zod',
    body: (n) => `import { z } from 'zod';

const ${n.Entity}Schema = z.object({
  id: z.string().uuid(),
  ${n.field}: z.enum(['pending', 'active', 'archived']),
  createdAt: z.coerce.date(),
  tags: z.array(z.string()).default([]),
});

export type ${n.Entity} = z.infer<typeof ${n.Entity}Schema>;

export async function get${n.Entity}(id: string): Promise<${n.Entity}> {
  const res = await fetch(\`https://api.example.com/${n.entities}/\${encodeURIComponent(id)}\`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(\`GET /${n.entities}/\${id} failed with \${res.status}\`);
  return ${n.Entity}Schema.parse(await res.json());
}`,
  },
  {
    summary: 'a debounce function that keeps the types of the wrapped callback',
    body: () => `export function debounce<Args extends unknown[]>(
  fn: (...args: Args) => void,
  waitMs: number,
): ((...args: Args) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const debounced = (...args: Args) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, waitMs);
  };
  debounced.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return debounced;
}

const onSearch = debounce((query: string) => void runSearch(query), 250);
input.addEventListener('input', (e) => onSearch((e.target as HTMLInputElement).value));`,
  },
  {
    summary: 'a Vitest test that uses fake timers instead of sleeping',
    topic: 'unit testing',
    body: (n) => `import { afterEach, describe, expect, it, vi } from 'vitest';
import { ${n.Entity}Poller } from '../src/${n.entity}-poller.js';

describe('${n.Entity}Poller', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls again after the interval', async () => {
    vi.useFakeTimers();
    const fetch${n.Entities} = vi.fn().mockResolvedValue([]);
    const poller = new ${n.Entity}Poller(fetch${n.Entities}, { intervalMs: 1_000 });
    poller.start();

    await vi.advanceTimersByTimeAsync(1_000);
    expect(fetch${n.Entities}).toHaveBeenCalledTimes(2);

    poller.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetch${n.Entities}).toHaveBeenCalledTimes(2);
  });
});`,
  },
  {
    summary: 'a token-bucket rate limiter',
    topic: 'rate limiting',
    body: () => `export class TokenBucket {
  #tokens: number;
  #lastRefill: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = capacity;
    this.#lastRefill = now();
  }

  tryTake(cost = 1): boolean {
    this.#refill();
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  #refill(): void {
    const now = this.now();
    const elapsedSeconds = (now - this.#lastRefill) / 1000;
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsedSeconds * this.refillPerSecond);
    this.#lastRefill = now;
  }
}

const buckets = new Map<string, TokenBucket>();

export function allow(apiKey: string): boolean {
  let bucket = buckets.get(apiKey);
  if (!bucket) buckets.set(apiKey, (bucket = new TokenBucket(20, 5)));
  return bucket.tryTake();
}`,
  },
  {
    summary: 'cursor-based pagination for a list endpoint',
    topic: 'API pagination',
    body: (n) => `interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const encodeCursor = (createdAt: Date, id: string) =>
  Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');

const decodeCursor = (cursor: string): [string, string] =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];

export async function list${n.Entities}(db: Db, cursor: string | undefined, limit = 50): Promise<Page<${n.Entity}>> {
  const pageSize = Math.min(limit, 200);
  const after = cursor ? decodeCursor(cursor) : null;
  const rows = await db.query<${n.Entity}>(
    \`SELECT * FROM ${n.table}
     WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2))
     ORDER BY created_at, id
     LIMIT $3\`,
    [after?.[0] ?? null, after?.[1] ?? null, pageSize + 1],
  );
  const hasMore = rows.length > pageSize;
  const data = rows.slice(0, pageSize);
  const last = data.at(-1);
  return { data, nextCursor: hasMore && last ? encodeCursor(last.createdAt, last.id) : null };
}`,
  },
];
