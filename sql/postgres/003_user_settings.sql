-- Who signed in: the user a sign-in link names (./platform login --user), kept with the code and
-- the session, and that user's settings (the time zone pages show times in), per project.
ALTER TABLE login_codes ADD COLUMN IF NOT EXISTS user_name text;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS user_name text;
CREATE TABLE IF NOT EXISTS user_settings (
  project_id  text NOT NULL,
  user_name   text NOT NULL,
  time_zone   text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_name)
);
