import { heartbeat } from '@temporalio/activity';
import { beating } from './heartbeat';
import type { Kafka } from 'kafkajs';
import { LakeEraser, type LakeErasure } from '../batch-layer/lake-eraser';
import { ErasureStore, type ErasureRemoved } from '../core/erasure/erasure-store';
import { subjectIds, withLinks, type ErasureSubject, type IdLink } from '../core/erasure/subject';
import type { LakeStorage } from '../core/lake/storage';
import { readHourPointer } from '../core/lake/views';
import { MetadataStore } from '../core/metadata/store';

/** What the batch worker's erasure activities need: the lake, PostgreSQL, the broker. */
export interface ErasureDeps {
  lake: LakeStorage;
  metadataUrl: string;
  kafka: Kafka;
  /** The events topic, and the consumer groups that must have read it before the stores are. */
  topic: string;
  groups: string[];
  /** How long ingest drops the erased ids. */
  dropMs: number;
  failpoints?: string[];
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

/**
 * The erasure's steps on the speed view, run by the process that holds it (the speed role polls
 * SPEED_TASK_QUEUE with workers/speed-maintenance-worker.ts, over speed-layer/speed-eraser.ts).
 */
export interface SpeedErasureActivities {
  /** Adds the ids the speed view links to the user; returns how many ids the erasure covers. */
  resolveSpeedLinks(erasureId: string): Promise<number>;
  /** The user's raw rows in the speed view: how many, and the minutes (unix seconds) holding them. */
  surveySpeed(erasureId: string): Promise<{ rows: number; minutes: number[] }>;
  /** Removes the user's raw rows and recomputes `minutes` without them; returns how many minutes. */
  eraseFromSpeed(erasureId: string, minutes: number[]): Promise<{ minutes: number }>;
}

/** Offsets per partition of the events topic, as text (Temporal history is JSON). */
export type TopicEnds = Record<string, string>;

/**
 * Finds the ids the store links to the subject until no new one turns up (an alias's previous id
 * may have its own anonymous ids), and adds them to the erasure's subject.
 */
export async function resolveLinks(
  store: ErasureStore,
  erasureId: string,
  links: (project: string, s: ErasureSubject) => Promise<IdLink[]>,
): Promise<number> {
  const current = await store.subject(erasureId);
  if (!current) return 0;
  let subject = current.subject;
  for (let round = 0; round < 10; round++) {
    const next = withLinks(subject, await links(current.project, subject));
    subject = next.subject;
    if (!next.grew) break;
  }
  return subjectIds(await store.addLinks(erasureId, subject)).length;
}

export function createErasureActivities(deps: ErasureDeps) {
  let opened: Promise<ErasureStore> | undefined;
  const store = () => (opened ??= MetadataStore.open(deps.metadataUrl).then((db) => new ErasureStore(db)));
  const eraser = new LakeEraser(deps.lake, {
    ...(deps.failpoints ? { failpoints: deps.failpoints } : {}),
    ...(deps.log ? { log: deps.log } : {}),
  });
  return {
    /** Adds the ids the lake links to the user; returns how many ids the erasure covers. */
    async resolveLakeLinks(erasureId: string): Promise<number> {
      const s = await store();
      return beating(
        () => ({ step: 'linking' }),
        () => resolveLinks(s, erasureId, (p, subject) => eraser.links(p, subject)),
      );
    },

    /** Puts every id of the subject on ingest's drop list; returns how many. */
    async blockErasedIds(erasureId: string): Promise<number> {
      const s = await store();
      const current = await s.subject(erasureId);
      if (!current) return 0;
      return s.block(erasureId, current.project, current.subject, new Date(Date.now() + deps.dropMs));
    },

    /** The events topic's end offsets now: every event accepted so far lies before them. */
    async eventsEndOffsets(): Promise<TopicEnds> {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(deps.topic);
        return Object.fromEntries(ends.map((e) => [String(e.partition), e.high]));
      } finally {
        await admin.disconnect();
      }
    },

    /**
     * Waits until the speed layer and the archiver have made everything before `ends` durable:
     * then every event of the user accepted before the drop list took hold is in a store.
     */
    async awaitConsumers(ends: TopicEnds): Promise<void> {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        for (;;) {
          const behind: string[] = [];
          const low = new Map((await admin.fetchTopicOffsets(deps.topic)).map((e) => [e.partition, e.low]));
          for (const groupId of deps.groups) {
            const [committed] = await admin.fetchOffsets({ groupId, topics: [deps.topic] });
            const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
            for (const [partition, end] of Object.entries(ends)) {
              const c = at.get(Number(partition)) ?? -1n;
              const from = c < 0n ? BigInt(low.get(Number(partition)) ?? '0') : c;
              if (from < BigInt(end)) behind.push(`${groupId}/${partition}`);
            }
          }
          heartbeat({ behind });
          if (behind.length === 0) return;
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        await admin.disconnect();
      }
    },

    /** What the lake holds of the user (counts and hours, no ids), before anything is rewritten. */
    async surveyLake(erasureId: string): Promise<LakeErasure & { project: string }> {
      const current = await (await store()).subject(erasureId);
      if (!current) throw new Error(`erasure ${erasureId} already completed: nothing is left to erase`);
      const out = await beating(
        () => ({ step: 'surveying' }),
        () => eraser.survey(current.project, current.subject),
      );
      return { ...out, project: current.project };
    },

    /** Rewrites the project's lake files that still hold the user's rows; returns how many. */
    async eraseFromLake(erasureId: string): Promise<number> {
      const current = await (await store()).subject(erasureId);
      if (!current) return 0;
      let files = 0;
      return beating(
        () => ({ filesRewritten: files }),
        () => eraser.erase(current.project, current.subject, (n) => (files = n)),
      );
    },

    /** The hours among `hours` that have a published view (the others are computed when sealed). */
    async hoursWithViews(hours: string[]): Promise<string[]> {
      const out: string[] = [];
      for (const h of hours) if (await readHourPointer(deps.lake, h)) out.push(h);
      return out;
    },

    /** Closes the audit entry and forgets who it was about. */
    async completeErasure(erasureId: string, removed: ErasureRemoved): Promise<void> {
      await (await store()).complete(erasureId, removed);
    },
  };
}

/** What the speed erasure activities need of the speed view (speed-layer/speed-eraser.ts has it). */
export interface SpeedViewEraser {
  links(project: string, subject: ErasureSubject): Promise<IdLink[]>;
  survey(project: string, subject: ErasureSubject): Promise<{ rows: number; minutes: number[] }>;
  erase(project: string, subject: ErasureSubject, minutes: number[]): Promise<{ minutes: number }>;
}

export function createSpeedErasureActivities(
  store: ErasureStore,
  eraser: SpeedViewEraser,
): SpeedErasureActivities {
  return {
    async resolveSpeedLinks(erasureId: string): Promise<number> {
      return resolveLinks(store, erasureId, (p, s) => eraser.links(p, s));
    },

    async surveySpeed(erasureId: string) {
      const current = await store.subject(erasureId);
      return current ? eraser.survey(current.project, current.subject) : { rows: 0, minutes: [] };
    },

    async eraseFromSpeed(erasureId: string, minutes: number[]) {
      const current = await store.subject(erasureId);
      if (!current) return { minutes: 0 };
      return beating(
        () => ({ minutes: minutes.length }),
        () => eraser.erase(current.project, current.subject, minutes),
      );
    },
  };
}
