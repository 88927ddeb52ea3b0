/**
 * A named point where this process stops and waits to be killed (PLATFORM_FAILPOINTS=a,b): tests
 * of exactly-once and resumption kill a worker at an exact step. Nothing happens unless `name` is
 * one of `failpoints`.
 */
export async function failpoint(
  failpoints: readonly string[] | undefined,
  name: string,
  log: ((msg: string, fields: Record<string, unknown>) => void) | undefined,
  fields: Record<string, unknown> = {},
): Promise<void> {
  if (!failpoints?.includes(name)) return;
  log?.(`failpoint ${name} reached: this process waits here until it is killed`, fields);
  await new Promise(() => {});
}
