import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyMavenJars } from '../maven';
import { cacheDir } from '../paths';

/** Temporal's Java test server, which skips time; also in test-server.pom.xml. */
export const TEST_SERVER_VERSION = '1.31.0';

/**
 * The executable @temporalio/testing starts for a time-skipping environment
 * (`createTimeSkipping({ server: { executable: { type: 'existing-path', path } } })`): a script
 * that runs the test server's jars with the machine's Java, taking the port as its argument.
 */
export function temporalTestServerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `temporal-test-server-${TEST_SERVER_VERSION}`, 'temporal-test-server');
}

/** Resolves the jars from Maven Central into the cache once; an interrupted install is redone. */
export function ensureTemporalTestServer(log: (line: string) => void = () => {}): string {
  const bin = temporalTestServerPath();
  if (existsSync(bin)) return bin;
  const dir = join(cacheDir(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  log(
    `installing the Temporal test server ${TEST_SERVER_VERSION} (time skipping) from Maven Central into ${dir} (once)`,
  );
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  copyMavenJars(join(__dirname, 'test-server.pom.xml'), join(tmp, 'libs'), 'the Temporal test server');
  if (!readdirSync(join(tmp, 'libs')).some((f) => f.startsWith('temporal-test-server-')))
    throw new Error('Maven resolved no temporal-test-server jar');
  // exec: the SDK stops the server by the pid it started, which must be Java's.
  writeFileSync(
    join(tmp, 'temporal-test-server'),
    `#!/bin/sh\nexec java -cp "$(dirname "$0")/libs/*" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(join(tmp, 'temporal-test-server'), 0o755);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}
