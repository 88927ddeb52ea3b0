import type { Config } from '../../core/config/config';
import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { newReportId, parseReportDefinition, REPORT_ID } from '../../core/reports/definition';
import { ReportExistsError, ReportSchedules, type ReportState } from '../../workflows/report-schedules';
import { requireOption, type ParsedArgs } from '../args';
import { connectTemporal } from '../temporal-client';

const EXAMPLE =
  './platform report create --project demo --name "Daily KPIs" --metrics events,active_users --period daily --tz Europe/Paris --at 08:00 --to cfo@example.com,growth@example.com';

const list = (v: string | true | undefined) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : undefined;

function describe(s: ReportState, config: Config): string {
  const r = s.report;
  return [
    `${r.id}  ${s.paused ? 'PAUSED' : 'active'}  "${r.name}"`,
    `  ${r.period} at ${r.sendAt} ${r.timeZone}; metrics ${r.metrics.join(', ')}`,
    `  to ${r.recipients.join(', ')}`,
    `  next run ${s.nextRuns[0] ?? '-'}; last run ${s.recentRuns.at(-1)?.startedAt ?? 'never'}`,
    `  schedule ${s.schedule}: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/schedules/${encodeURIComponent(s.schedule)}`,
  ].join('\n');
}

/**
 * `report create|list|show|pause|resume|run|delete`: the same operations as /v1/reports, on the
 * same Temporal Schedules, for operators at a shell.
 */
export async function reportCommand(args: ParsedArgs): Promise<number> {
  const [action, id] = args.positional;
  const project = requireOption(args, 'project', './platform report list --project demo');
  const config = loadConfig();
  const client = await connectTemporal(config);
  const schedules = new ReportSchedules(client, {
    taskQueue: config.temporal.taskQueue,
    activityTaskQueue: config.reports.taskQueue,
  });
  try {
    if (action === 'create') {
      const body = {
        ...(typeof args.options.id === 'string' ? { id: args.options.id } : {}),
        name: args.options.name,
        metrics: list(args.options.metrics),
        period: args.options.period,
        ...(typeof args.options.tz === 'string' ? { timeZone: args.options.tz } : {}),
        ...(typeof args.options.at === 'string' ? { sendAt: args.options.at } : {}),
        ...(args.options.quality === true ? { quality: true } : {}),
        recipients: list(args.options.to),
      };
      const parsed = parseReportDefinition(body, project, () => newReportId(String(args.options.name ?? '')));
      if (!parsed.ok)
        throw new UserFacingError(`invalid report: ${parsed.problems.join('; ')}`, `for example: ${EXAMPLE}`);
      try {
        console.log(describe(await schedules.create(parsed.report), config));
      } catch (e) {
        if (e instanceof ReportExistsError) throw new UserFacingError(e.message, 'pick another --id');
        throw e;
      }
      return 0;
    }
    if (action === 'list') {
      const reports = await schedules.list(project);
      console.log(
        reports.length === 0
          ? `no reports in project ${project}`
          : reports.map((s) => describe(s, config)).join('\n'),
      );
      return 0;
    }
    // Each action on one report; false when there is no such report in the project.
    const actions: Record<string, () => Promise<boolean>> = {
      show: async () => true,
      pause: () => schedules.pause(project, id ?? '', 'paused from the CLI'),
      resume: () => schedules.resume(project, id ?? ''),
      run: () => schedules.trigger(project, id ?? ''),
      delete: () => schedules.remove(project, id ?? ''),
    };
    const act = action ? actions[action] : undefined;
    if (!act) {
      throw new UserFacingError(
        `unknown report action '${action ?? ''}'`,
        `use one of create, list, ${Object.keys(actions).join(', ')}; for example ${EXAMPLE}`,
      );
    }
    if (!id || !REPORT_ID.test(id)) {
      throw new UserFacingError(
        `report ${action} needs a report id`,
        `./platform report ${action} <id> --project ${project}`,
      );
    }
    const done = await act();
    const state = action === 'delete' ? undefined : await schedules.get(project, id);
    if (!done || (action !== 'delete' && !state)) {
      throw new UserFacingError(
        `no report '${id}' in project ${project}`,
        `./platform report list --project ${project}`,
      );
    }
    if (action === 'delete') console.log(`deleted report ${id} (schedule report-${id})`);
    else if (state)
      console.log(
        `${action === 'run' ? 'triggered: the email goes out in a few seconds\n' : ''}${describe(state, config)}`,
      );
    return 0;
  } finally {
    await client.connection.close();
  }
}
