-- Saved dashboards of a project: each tile is a saved query of the metric explorer, in order.
CREATE TABLE IF NOT EXISTS dashboards (
  id          uuid PRIMARY KEY,
  project_id  text NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  tiles       jsonb NOT NULL DEFAULT '[]'::jsonb,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS dashboards_project ON dashboards (project_id, created_at);
