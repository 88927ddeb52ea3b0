-- Analysts' SQL (POST /v1/sql): each query run, per project and person, for their history; and
-- saved queries, definitions like insights (a name and the statement), usable as dashboard tiles.
CREATE TABLE IF NOT EXISTS sql_history (
  id          bigserial PRIMARY KEY,
  project_id  text NOT NULL,
  actor       text NOT NULL,
  statement   text NOT NULL,
  range_from  timestamptz NOT NULL,
  range_to    timestamptz NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  ms          integer,
  rows        bigint,
  error       text
);
CREATE INDEX IF NOT EXISTS sql_history_by_actor ON sql_history (project_id, actor, started_at DESC);

CREATE TABLE IF NOT EXISTS queries (
  project_id  text NOT NULL,
  id          text NOT NULL,
  definition  jsonb NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
