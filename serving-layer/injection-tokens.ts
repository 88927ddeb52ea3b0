/**
 * Injection tokens. Constructor parameters use explicit @Inject(TOKEN): the code runs through
 * esbuild (tsx, vitest), which does not emit decorator type metadata.
 */
export const CONFIG = Symbol('Config');
export const CLICKHOUSE = Symbol('ClickHouseClient');
export const BATCH_VIEWS = Symbol('BatchViewReader');
export const RAW_EVENTS = Symbol('RawEventReader');
export const REPORT_SCHEDULES = Symbol('ReportSchedules');
export const DASHBOARDS = Symbol('DashboardStore');
export const SESSIONS = Symbol('Sessions');
export const USER_SETTINGS = Symbol('UserSettings');
export const REVOKED_TOKENS = Symbol('RevokedTokens');
export const EXPERIMENTS = Symbol('ExperimentStore');
export const SEGMENTS = Symbol('SegmentStore');
export const INSIGHTS = Symbol('InsightStore');
export const QUALITY = Symbol('QualityQuery');
export const ERASURES = Symbol('ErasureRequests');
export const ACCESS = Symbol('Access');
export const LIMITS = Symbol('RequestLimits');
export const AUDIT = Symbol('AuditLog');
export const MAILER = Symbol('Mailer');
export const API_TOKENS = Symbol('ApiTokens');
export const WRITE_KEYS = Symbol('WriteKeys');
export const SQL = Symbol('Sql');
