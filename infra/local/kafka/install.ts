import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../paths';
import { copyMavenJars } from '../maven';

/** Pinned: 3.9.x is the line kafkajs 2.2.4 is known to work with. Also in pom.xml. */
export const KAFKA_VERSION = '3.9.2';

export function kafkaHome(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `kafka-${KAFKA_VERSION}`);
}

export function kafkaClasspath(env: NodeJS.ProcessEnv = process.env): string {
  return join(kafkaHome(env), 'libs', '*');
}

/**
 * Resolves the broker's runtime jars from Maven Central into the cache, once. The jars land in a
 * temporary folder first and are renamed into place, so an interrupted install is redone, not used.
 */
export function ensureKafkaInstalled(log: (line: string) => void = () => {}): string {
  const home = kafkaHome();
  const libs = join(home, 'libs');
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return home;
  log(`installing Apache Kafka ${KAFKA_VERSION} from Maven Central into ${home} (once, ~1 min)`);
  const tmp = `${libs}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  copyMavenJars(join(__dirname, 'pom.xml'), tmp, 'the local Kafka broker');
  renameSync(tmp, libs);
  return home;
}
