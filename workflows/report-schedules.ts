import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
} from '@temporalio/client';
import type { ReportDefinition } from '../core/reports/definition';
import type { ScheduledReportInput, ScheduledReportResult } from '../core/reports/figures';
import { SCHEDULE_IDS, WORKFLOW_TYPES } from './ids';

/** A report as its schedule holds it, with the schedule's state. */
export interface ReportState {
  report: ReportDefinition;
  schedule: string;
  paused: boolean;
  note: string | null;
  nextRuns: string[];
  recentRuns: { scheduledAt: string; startedAt: string; workflowId: string }[];
}

/** One run of a report, as GET /v1/reports/:id/runs shows it. */
export interface ReportRun {
  scheduledAt: string;
  startedAt: string;
  workflowId: string;
  status: string;
  period?: ScheduledReportResult['period'];
  deliveries?: ScheduledReportResult['deliveries'];
  failure?: string;
}

export class ReportExistsError extends Error {}

/** When a report's schedule fires: its local send time, daily, on Mondays, or on the 1st. */
export function reportSpec(r: ReportDefinition): ScheduleSpec {
  const [hour, minute] = r.sendAt.split(':').map(Number) as [number, number];
  const when =
    r.period === 'weekly'
      ? { dayOfWeek: 'MONDAY' as const }
      : r.period === 'monthly'
        ? { dayOfMonth: 1 }
        : {};
  return { calendars: [{ hour, minute, ...when }], timezone: r.timeZone };
}

/** A schedule's memo cannot change after creation: it holds only what never does, the project. */
const projectOf = (memo: unknown): string | undefined =>
  typeof memo === 'object' && memo !== null && typeof (memo as { project?: unknown }).project === 'string'
    ? (memo as { project: string }).project
    : undefined;

/** The definition in force: the input the schedule's action starts each run with. */
function definitionOf(d: ScheduleDescription): ReportDefinition | undefined {
  const input = (d.action as { args?: unknown[] }).args?.[0] as Partial<ScheduledReportInput> | undefined;
  return input?.report;
}

/**
 * Report definitions kept as Temporal Schedules `report-<project>.<id>`: the schedule is the only copy, so
 * what the Temporal UI shows (paused, next runs, Trigger) is what the API and CLI show. Each call
 * is scoped to a project: another project's report reads as absent.
 */
export class ReportSchedules {
  constructor(
    private readonly client: Client,
    private readonly opts: { taskQueue: string; activityTaskQueue: string },
  ) {}

  private action(report: ReportDefinition) {
    const input: ScheduledReportInput = { report, activityTaskQueue: this.opts.activityTaskQueue };
    return {
      type: 'startWorkflow' as const,
      workflowType: WORKFLOW_TYPES.scheduledReport,
      taskQueue: this.opts.taskQueue,
      args: [input],
      staticSummary: `Report '${report.name}' (${report.project}, ${report.period})`,
    };
  }

  async create(report: ReportDefinition): Promise<ReportState> {
    try {
      await this.client.schedule.create({
        scheduleId: SCHEDULE_IDS.report(report.project, report.id),
        spec: reportSpec(report),
        action: this.action(report),
        // A run still retrying a mail outage keeps the next period waiting, never dropped; a
        // period missed while the cluster was down is sent when it is back, within a day.
        policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 day' },
        memo: { project: report.project },
      });
    } catch (e) {
      if (e instanceof ScheduleAlreadyRunning) throw new ReportExistsError(`report '${report.id}' exists`);
      throw e;
    }
    return (await this.get(report.project, report.id)) as ReportState;
  }

  /** Replaces a report's definition (same id and project); its run history and pause state stay. */
  async update(report: ReportDefinition): Promise<ReportState | undefined> {
    const found = await this.get(report.project, report.id);
    if (!found) return undefined;
    await this.client.schedule.getHandle(found.schedule).update((prev) => ({
      ...prev,
      spec: reportSpec(report),
      action: this.action(report),
    }));
    return this.get(report.project, report.id);
  }

  /** The project's report `id`, when its schedule exists and holds that project's report. */
  async get(project: string, id: string): Promise<ReportState | undefined> {
    let d: ScheduleDescription;
    try {
      d = await this.client.schedule.getHandle(SCHEDULE_IDS.report(project, id)).describe();
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return undefined;
      throw e;
    }
    const report = definitionOf(d);
    return projectOf(d.memo) === project && report?.project === project && report.id === id
      ? stateOf(d.scheduleId, report, d)
      : undefined;
  }

  /**
   * The project's reports. Temporal's schedule listing is eventually consistent (about a second)
   * and carries no action input, so each of the project's schedules is then described.
   */
  async list(project: string): Promise<ReportState[]> {
    const ids: string[] = [];
    const own = SCHEDULE_IDS.report(project, '');
    for await (const s of this.client.schedule.list()) {
      if (projectOf(s.memo) !== project) continue;
      if (s.scheduleId.startsWith(own)) ids.push(s.scheduleId.slice(own.length));
    }
    const states = await Promise.all(ids.map((id) => this.get(project, id)));
    return states
      .filter((s): s is ReportState => s !== undefined)
      .sort((a, b) => a.report.id.localeCompare(b.report.id));
  }

  /**
   * The report's recent runs (the schedule keeps the last ten), newest first, each with its
   * outcome: the period and who got the email, or why it failed; running ones say so.
   */
  async runs(project: string, id: string): Promise<ReportRun[] | undefined> {
    const state = await this.get(project, id);
    if (!state) return undefined;
    return Promise.all(
      [...state.recentRuns].reverse().map(async (r): Promise<ReportRun> => {
        const handle = this.client.workflow.getHandle(r.workflowId);
        const status = (await handle.describe()).status.name;
        const run: ReportRun = { ...r, status };
        if (status === 'COMPLETED') {
          const result = (await handle.result()) as ScheduledReportResult;
          return { ...run, period: result.period, deliveries: result.deliveries };
        }
        if (status !== 'RUNNING') {
          const failure = await handle.result().then(
            () => undefined,
            (e: unknown) => e as { cause?: { message?: string }; message?: string },
          );
          return { ...run, failure: failure?.cause?.message ?? failure?.message ?? status };
        }
        return run;
      }),
    );
  }

  /** Runs a state change on the project's report; false when there is no such report. */
  private async change(
    project: string,
    id: string,
    f: (h: ReturnType<Client['schedule']['getHandle']>) => Promise<void>,
  ) {
    const found = await this.get(project, id);
    if (!found) return false;
    await f(this.client.schedule.getHandle(found.schedule));
    return true;
  }

  pause(project: string, id: string, note = 'paused through the reports API') {
    return this.change(project, id, (h) => h.pause(note));
  }

  resume(project: string, id: string) {
    return this.change(project, id, (h) => h.unpause('resumed through the reports API'));
  }

  /** Runs the report now for the period before now (as the Temporal UI's Trigger does). */
  trigger(project: string, id: string) {
    return this.change(project, id, (h) => h.trigger(ScheduleOverlapPolicy.ALLOW_ALL));
  }

  remove(project: string, id: string) {
    return this.change(project, id, (h) => h.delete());
  }
}

function stateOf(schedule: string, report: ReportDefinition, s: ScheduleDescription): ReportState {
  return {
    report,
    schedule,
    paused: s.state.paused,
    note: s.state.note ?? null,
    nextRuns: s.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: s.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
  };
}
