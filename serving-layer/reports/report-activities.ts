import { reportEmails } from '../../core/ops/operational-metrics';
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { HttpException } from '@nestjs/common';
import type { ReportDefinition } from '../../core/reports/definition';
import type { Delivery, ReportFigures } from '../../core/reports/figures';
import { SCHEDULE_IDS } from '../../workflows/ids';
import type { ReportActivities } from '../../workflows/report-activities';
import { RECIPIENT_REJECTED } from '../../workflows/report-errors';
import type { QualityQuery } from '../quality/quality-query';
import type { MetricQuery } from '../query/metric-query';
import { BadQueryError, NotAnswerableError } from '../query/errors';
import type { DeliveryLedger } from './delivery-ledger';
import { computeFigures, type InsightSource } from './report-figures';
import { renderReportEmail } from './report-email';
import { SendError, type Mailer } from './report-mailer';

export interface ReportDeps {
  metrics: MetricQuery;
  /** For reports with a data-quality section; without it they are sent without the section. */
  quality?: QualityQuery;
  /** Where the insights a report names are defined. */
  insights?: InsightSource;
  mailer: Mailer;
  ledger: DeliveryLedger;
  /** Sender, `Name <address>` or an address; its domain names the Message-IDs. */
  from: string;
  /**
   * Fault injection for tests: runs once a send is accepted and recorded, before the activity
   * reports back (where a worker crash or a lost completion makes Temporal retry a sent email).
   */
  afterSent?: (d: Delivery) => void;
}

/**
 * The Message-ID of a report email: the same for every attempt and run of one report, period and
 * recipient, so it is the idempotency key of the send (and receivers can drop a repeat by it).
 */
/** The sender's domain: Message-IDs and List-Ids are named under it. */
const messageDomain = (from: string) => /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'analytics.local';

export function reportMessageId(
  report: ReportDefinition,
  periodStart: string,
  recipient: string,
  from: string,
): string {
  const domain = messageDomain(from);
  const who = createHash('sha256').update(recipient.toLowerCase()).digest('hex').slice(0, 16);
  const when = periodStart.replace(/[-:]/g, '').replace('.000Z', 'Z');
  return `<report-${report.id}.${when}.${who}@${domain}>`;
}

/** A serving-layer refusal as a Temporal failure: 4xx will not change on retry, 5xx may. */
function asFailure(e: unknown): unknown {
  if (e instanceof BadQueryError)
    return ApplicationFailure.nonRetryable(`${e.message} (HTTP 400)`, 'BadReport');
  if (e instanceof NotAnswerableError)
    return ApplicationFailure.retryable(`${e.message} (HTTP 503)`, 'ViewsUnavailable');
  if (e instanceof HttpException) {
    const message = `${e.message} (HTTP ${e.getStatus()})`;
    return e.getStatus() < 500
      ? ApplicationFailure.nonRetryable(message, 'BadReport')
      : ApplicationFailure.retryable(message, 'ViewsUnavailable');
  }
  return e;
}

export function createReportActivities(deps: ReportDeps): ReportActivities {
  // Every recipient of a run gets the same body: render it once per run (by its figures), not per
  // recipient. A few runs' worth is kept; a retry after a restart simply renders again.
  const rendered = new Map<string, ReturnType<typeof renderReportEmail>>();
  const render = (report: ReportDefinition, figures: ReportFigures) => {
    const key = `${report.project}|${report.id}|${figures.period.start}|${figures.computedAt}`;
    let email = rendered.get(key);
    if (!email) {
      email = renderReportEmail(figures, SCHEDULE_IDS.report(report.project, report.id));
      rendered.set(key, email);
      if (rendered.size > 16) rendered.delete(rendered.keys().next().value as string);
    }
    return email;
  };
  return {
    /** The report's figures for the period before `at`, from the merged views. */
    async computeReportFigures(report: ReportDefinition, at: string): Promise<ReportFigures> {
      try {
        return await computeFigures(deps.metrics, report, new Date(at), {
          ...(deps.quality ? { quality: deps.quality } : {}),
          ...(deps.insights ? { insights: deps.insights } : {}),
        });
      } catch (e) {
        throw asFailure(e);
      }
    },

    /**
     * Renders and sends the email to one recipient, unless the ledger says this report's email for
     * this period already reached them. Its own activity per recipient: one refusing mailbox does
     * not hold back or resend to the others.
     */
    async deliverReport(
      report: ReportDefinition,
      figures: ReportFigures,
      recipient: string,
    ): Promise<Delivery> {
      const messageId = reportMessageId(report, figures.period.start, recipient, deps.from);
      const earlier = await deps.ledger.sent(messageId);
      if (earlier) return { recipient, messageId, status: 'already-sent', sentAt: earlier.sentAt };
      const info = Context.current().info;
      const owner = `${info.workflowExecution?.workflowId ?? info.activityId}/${info.activityId}`;
      if ((await deps.ledger.claim(messageId, owner)) === 'busy') {
        throw ApplicationFailure.retryable(
          `another run is sending ${messageId} right now`,
          'DeliveryInProgress',
        );
      }
      const email = render(report, figures);
      let response: string;
      try {
        response = await deps.mailer.send({
          ...email,
          from: deps.from,
          to: recipient,
          messageId,
          headers: {
            // RFC 3834: out-of-office replies stay away; List-Id lets stakeholders filter by report.
            'Auto-Submitted': 'auto-generated',
            'List-Id': `${report.name.replace(/[<>"\r\n]/g, '')} <${report.id}.${report.project}.${messageDomain(deps.from)}>`,
            'X-Report-Id': report.id,
            'X-Report-Period': `${figures.period.start}/${figures.period.end}`,
          },
        });
      } catch (e) {
        if (e instanceof SendError) {
          reportEmails.inc({ outcome: e.permanent ? 'refused' : 'failed' });
          throw e.permanent
            ? ApplicationFailure.nonRetryable(e.message, RECIPIENT_REJECTED)
            : ApplicationFailure.retryable(e.message, 'SmtpUnavailable');
        }
        throw e;
      }
      const delivery: Delivery = { recipient, messageId, status: 'sent', sentAt: new Date().toISOString() };
      await deps.ledger.record({ messageId, recipient, sentAt: delivery.sentAt, response });
      reportEmails.inc({ outcome: 'sent' });
      deps.afterSent?.(delivery);
      return delivery;
    },
  };
}
