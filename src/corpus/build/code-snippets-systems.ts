/**
 * Code snippet bank, part two: Go, SQL and Bash. Same `NameSet` templating as the Python and
 * TypeScript bank.
 */
import type { CodeSnippet } from './code.js';

export const GO_SNIPPETS: readonly CodeSnippet[] = [
  {
    summary: 'an HTTP handler with a request timeout and JSON errors',
    body: (n) => `package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

type ${n.Entity}Store interface {
	Get(ctx context.Context, id string) (*${n.Entity}, error)
}

func Get${n.Entity}Handler(store ${n.Entity}Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()

		${n.entity}, err := store.Get(ctx, r.PathValue("id"))
		switch {
		case errors.Is(err, ErrNotFound):
			writeError(w, http.StatusNotFound, "${n.entity} not found")
			return
		case err != nil:
			writeError(w, http.StatusInternalServerError, "internal error")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(${n.entity})
	}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}`,
  },
  {
    summary: 'a bounded worker pool with errgroup',
    topic: 'async I/O',
    body: (n) => `package worker

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// ProcessAll handles every ${n.entity} with at most limit goroutines and stops at the first error.
func ProcessAll(ctx context.Context, ids []string, limit int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, id := range ids {
		g.Go(func() error {
			return process${n.Entity}(ctx, id)
		})
	}
	return g.Wait()
}`,
  },
  {
    summary: 'a table-driven test',
    topic: 'unit testing',
    body: (n) => `package ${n.service}

import "testing"

func TestParse${n.Entity}Status(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    Status
		wantErr bool
	}{
		{name: "pending", input: "pending", want: StatusPending},
		{name: "upper case", input: "ACTIVE", want: StatusActive},
		{name: "surrounding spaces", input: "  archived ", want: StatusArchived},
		{name: "unknown", input: "deleted", wantErr: true},
		{name: "empty", input: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(tt.input)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseStatus(%q) error = %v, wantErr %v", tt.input, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseStatus(%q) = %v, want %v", tt.input, got, tt.want)
			}
		})
	}
}`,
  },
  {
    summary: 'a graceful shutdown that drains in-flight requests',
    topic: 'Kubernetes deployments',
    body: () => `package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	srv := &http.Server{Addr: ":8080", Handler: routes()}

	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("listen failed", "err", err)
			os.Exit(1)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		slog.Error("shutdown did not finish", "err", err)
	}
}`,
  },
];

export const SQL_SNIPPETS: readonly CodeSnippet[] = [
  {
    summary: 'a composite index and the query it serves',
    topic: 'database indexing',
    body: (n) => `-- Serves: the newest ${n.entities} for one customer, filtered by ${n.field}.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_${n.table}_customer_${n.field}_created
    ON ${n.table} (customer_id, ${n.field}, created_at DESC);

EXPLAIN (ANALYZE, BUFFERS)
SELECT id, ${n.field}, total_cents, created_at
FROM ${n.table}
WHERE customer_id = $1
  AND ${n.field} = 'active'
ORDER BY created_at DESC
LIMIT 20;`,
  },
  {
    summary: 'the top three rows per group with a window function',
    body: (n) => `WITH ranked AS (
    SELECT
        customer_id,
        id,
        total_cents,
        ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY total_cents DESC) AS rn
    FROM ${n.table}
    WHERE created_at >= now() - interval '30 days'
)
SELECT customer_id, id, total_cents
FROM ranked
WHERE rn <= 3
ORDER BY customer_id, rn;`,
  },
  {
    summary: 'keyset pagination instead of OFFSET',
    topic: 'API pagination',
    body: (n) => `-- First page
SELECT id, ${n.field}, created_at
FROM ${n.table}
ORDER BY created_at, id
LIMIT 50;

-- Next pages: pass the last row's (created_at, id) back in
SELECT id, ${n.field}, created_at
FROM ${n.table}
WHERE (created_at, id) > ($1, $2)
ORDER BY created_at, id
LIMIT 50;`,
  },
  {
    summary: 'an idempotent upsert',
    body: (n) => `INSERT INTO ${n.table} (id, ${n.field}, total_cents, updated_at)
VALUES ($1, $2, $3, now())
ON CONFLICT (id) DO UPDATE
SET ${n.field}      = EXCLUDED.${n.field},
    total_cents = EXCLUDED.total_cents,
    updated_at  = now()
WHERE ${n.table}.${n.field} IS DISTINCT FROM EXCLUDED.${n.field}
   OR ${n.table}.total_cents IS DISTINCT FROM EXCLUDED.total_cents
RETURNING id, (xmax = 0) AS inserted;`,
  },
  {
    summary: 'a daily rollup with a running total',
    body: (n) => `SELECT
    date_trunc('day', created_at)::date AS day,
    COUNT(*)                            AS ${n.entities},
    SUM(total_cents) / 100.0            AS revenue,
    SUM(SUM(total_cents)) OVER (ORDER BY date_trunc('day', created_at)) / 100.0 AS running_revenue
FROM ${n.table}
WHERE created_at >= date_trunc('month', now())
GROUP BY 1
ORDER BY 1;`,
  },
];

export const BASH_SNIPPETS: readonly CodeSnippet[] = [
  {
    summary: 'a deploy script that fails fast and waits for the rollout',
    topic: 'Kubernetes deployments',
    body: (n) => `#!/usr/bin/env bash
set -euo pipefail

IMAGE="registry.example.com/${n.service}:\${GIT_SHA:?GIT_SHA must be set}"

docker build --pull -t "$IMAGE" .
docker push "$IMAGE"

kubectl set image deployment/${n.service} app="$IMAGE" --namespace prod
if ! kubectl rollout status deployment/${n.service} --namespace prod --timeout=5m; then
  echo "rollout failed, rolling back" >&2
  kubectl rollout undo deployment/${n.service} --namespace prod
  exit 1
fi
echo "deployed $IMAGE"`,
  },
  {
    summary: 'a nightly database backup with retention',
    body: () => `#!/usr/bin/env bash
set -euo pipefail

BACKUP_DIR=/var/backups/postgres
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"

pg_dump --format=custom --no-owner "$DATABASE_URL" > "$BACKUP_DIR/db-$STAMP.dump"

# keep two weeks of backups
find "$BACKUP_DIR" -name 'db-*.dump' -mtime +14 -print -delete`,
  },
  {
    summary: 'cleaning up a branch before review',
    topic: 'Git branching',
    body: () => `git fetch origin
git switch my-feature
git rebase -i origin/main      # squash the fix-up commits
git push --force-with-lease`,
  },
  {
    summary: 'finding the largest files and the noisiest log lines',
    body: () => `# ten largest files under the current directory
find . -type f -printf '%s\\t%p\\n' | sort -rn | head -n 10

# most frequent error messages in today's log
grep -h 'level=error' /var/log/app/*.log \\
  | sed -E 's/.*msg="([^"]+)".*/\\1/' \\
  | sort | uniq -c | sort -rn | head -n 20`,
  },
  {
    summary: 'retrying a flaky command a few times',
    topic: 'retries with exponential backoff',
    body: () => `retry() {
  local attempts=$1; shift
  local delay=1
  for ((i = 1; i <= attempts; i++)); do
    "$@" && return 0
    echo "attempt $i/$attempts failed; retrying in \${delay}s" >&2
    sleep "$delay"
    delay=$((delay * 2))
  done
  return 1
}

retry 5 curl --fail --silent --show-error https://example.com/health`,
  },
];
