-- User segments of a project: the definition (conditions on traits and behaviour) as the admin API
-- checked it, versioned so two editors do not overwrite each other.
CREATE TABLE IF NOT EXISTS segments (
  project_id  text NOT NULL,
  id          text NOT NULL,
  definition  jsonb NOT NULL,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
