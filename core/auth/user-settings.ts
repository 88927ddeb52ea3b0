import type { MetadataStore } from '../metadata/store';

/** A user's settings in a project (PostgreSQL, user_settings); defaults where none is saved. */
export interface UserSettingsValues {
  timeZone: string;
}

export const DEFAULT_SETTINGS: UserSettingsValues = { timeZone: 'UTC' };

/** Whether `tz` is an IANA time zone this runtime knows (the reports' check). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Settings of signed-in users, per project: the zone every page shows times in. */
export class UserSettings {
  constructor(private readonly db: MetadataStore) {}

  async get(project: string, user: string): Promise<UserSettingsValues> {
    const r = await this.db.query<{ time_zone: string }>(
      'SELECT time_zone FROM user_settings WHERE project_id = $1 AND user_name = $2',
      [project, user],
    );
    return r.rows[0] ? { timeZone: r.rows[0].time_zone } : { ...DEFAULT_SETTINGS };
  }

  async set(project: string, user: string, values: UserSettingsValues): Promise<UserSettingsValues> {
    await this.db.query(
      `INSERT INTO user_settings (project_id, user_name, time_zone) VALUES ($1, $2, $3)
       ON CONFLICT (project_id, user_name) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_at = now()`,
      [project, user, values.timeZone],
    );
    return values;
  }
}
