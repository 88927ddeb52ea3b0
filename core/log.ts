/** Minimal structured logger: one JSON line per record on stderr, so stdout stays for results. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogRecord = { t: string; level: Level; msg: string } & Record<string, unknown>;
export type LogSink = (record: LogRecord, line: string) => void;

const toStderr: LogSink = (_record, line) => void process.stderr.write(line);
let sink: LogSink = toStderr;

/**
 * Where every logger of this process writes from now on (`./platform up` sends records to files per
 * role and keeps the console for progress and real problems). Returns the previous sink.
 */
export function setLogSink(next: LogSink | undefined): LogSink {
  const previous = sink;
  sink = next ?? toStderr;
  return previous;
}

export function createLogger(
  bindings: Record<string, unknown> = {},
  min: Level = (process.env.LOG_LEVEL as Level | undefined) ?? 'info',
): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < (order[min] ?? 20)) return;
    const record: LogRecord = { t: new Date().toISOString(), level, msg, ...bindings, ...fields };
    sink(record, `${JSON.stringify(record)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger({ ...bindings, ...b }, min),
  };
}
