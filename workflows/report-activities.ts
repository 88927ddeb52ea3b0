import type { ReportDefinition } from '../core/reports/definition';
import type { Delivery, ReportFigures } from '../core/reports/figures';

/**
 * The activities `scheduledReport` calls, declared by the workflow that calls them: the serving
 * role implements them (serving-layer/reports/report-activities.ts), since it holds the merged
 * views the figures come from. The workflow depends on this contract, not on the serving layer.
 */
export interface ReportActivities {
  /** The report's figures for the period before `at`, from the merged views. */
  computeReportFigures(report: ReportDefinition, at: string): Promise<ReportFigures>;
  /** Renders and sends the email to one recipient, at most once per report, period and recipient. */
  deliverReport(report: ReportDefinition, figures: ReportFigures, recipient: string): Promise<Delivery>;
}
