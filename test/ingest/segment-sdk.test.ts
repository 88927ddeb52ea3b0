import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteKey } from '../../core/auth/write-keys';
import type { Config } from '../../core/config/config';
import type { AnalyticsEvent } from '../../core/events/event';
import { createKafka } from '../../core/kafka/client';
import { createLogger } from '../../core/log';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { readWholeTopic } from '../helpers/kafka-read';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/** The official Segment Node SDK, unchanged but for its host, talking to our collector. */
describe('Segment SDK compatibility', () => {
  let config: Config;
  let roles: RunningRoles;
  let writeKey: string;
  const log = createLogger({ test: 'segment-sdk' }, 'error');

  beforeAll(async () => {
    await requireServices();
    config = isolatedConfig('sdk');
    writeKey = await createWriteKey(config, 'web');
    roles = await startRoles(['ingest'], config, log);
  });
  afterAll(async () => roles?.stop());

  it('delivers every call of @segment/analytics-node into Kafka intact', async () => {
    const analytics = new Analytics({
      writeKey,
      host: roles.urls.ingest,
      flushAt: 7,
      flushInterval: 100,
      maxRetries: 1,
    });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    const sent: { type: string; event: string; userId: string; check: (e: AnalyticsEvent) => void }[] = [];
    for (let i = 0; i < 25; i++) {
      const userId = `sdk-user-${i}`;
      analytics.track({
        userId,
        event: 'video_play',
        properties: { content_id: `c-${i}`, duration_seconds: i },
      });
      sent.push({
        type: 'track',
        event: 'video_play',
        userId,
        check: (e) => expect(e.properties).toEqual({ content_id: `c-${i}`, duration_seconds: i }),
      });
      analytics.page({ userId, name: 'Pricing', properties: { path: '/pricing' } });
      sent.push({
        type: 'page',
        event: 'page',
        userId,
        check: (e) => expect(e.properties).toMatchObject({ path: '/pricing', name: 'Pricing' }),
      });
      analytics.identify({ userId, traits: { plan: 'pro', seats: i } });
      sent.push({
        type: 'identify',
        event: 'identify',
        userId,
        check: (e) => expect(e.properties.traits).toEqual({ plan: 'pro', seats: i }),
      });
    }
    analytics.group({ userId: 'sdk-user-0', groupId: 'acme', traits: { size: 10 } });
    sent.push({
      type: 'group',
      event: 'group',
      userId: 'sdk-user-0',
      check: (e) => expect(e.properties.groupId).toBe('acme'),
    });
    analytics.alias({ userId: 'sdk-user-1', previousId: 'anon-1' });
    sent.push({
      type: 'alias',
      event: 'alias',
      userId: 'sdk-user-1',
      check: (e) => expect(e.properties.previousId).toBe('anon-1'),
    });
    analytics.screen({ userId: 'sdk-user-2', name: 'Home' });
    sent.push({
      type: 'screen',
      event: 'screen',
      userId: 'sdk-user-2',
      check: (e) => expect(e.properties.name).toBe('Home'),
    });
    await analytics.closeAndFlush({ timeout: 30_000 });
    expect(failures).toEqual([]);

    const kafka = createKafka(config, log);
    const messages = await readWholeTopic(kafka, config.kafka.topics.events);
    const events = messages.map((m) => JSON.parse(m.value) as AnalyticsEvent);
    expect(events).toHaveLength(sent.length);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(sent.length);
    for (const s of sent) {
      const found = events.filter((e) => e.type === s.type && e.userId === s.userId && e.event === s.event);
      expect(found, `${s.type} ${s.userId}`).toHaveLength(1);
      const e = found[0] as AnalyticsEvent;
      expect(e.projectId).toBe('web');
      expect(e.eventId).toMatch(/.+/);
      expect(Date.parse(e.timestamp)).toBeGreaterThan(Date.now() - 120_000);
      expect(e.context.library).toMatchObject({ name: '@segment/analytics-node' });
      s.check(e);
    }
    // One user's events share a key, so they stay on one partition, in order.
    const keys = new Set(messages.filter((m) => m.key === 'web:sdk-user-3').map((m) => m.partition));
    expect(keys.size).toBe(1);
  });
});
