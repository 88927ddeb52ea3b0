-- Metrics defined without code (insights) of a project: the definition (events, measure, filters,
-- split) as the API checked it, versioned so two editors do not overwrite each other.
CREATE TABLE IF NOT EXISTS insights (
  project_id  text NOT NULL,
  id          text NOT NULL,
  definition  jsonb NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
