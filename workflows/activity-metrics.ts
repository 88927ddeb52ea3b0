import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { activityDuration } from '../core/ops/operational-metrics';

/**
 * Times every activity this worker executes, by type and outcome (workflow_activity_duration_seconds):
 * recomputations, publishes, report deliveries. A failed attempt counts as failed even when a retry
 * later completes, so failures show before a workflow gives up.
 */
export const activityMetrics: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const end = activityDuration.startTimer({ activity: ctx.info.activityType });
      try {
        const result = await next(input);
        end({ outcome: 'completed' });
        return result;
      } catch (e) {
        end({ outcome: 'failed' });
        throw e;
      }
    },
  },
});
