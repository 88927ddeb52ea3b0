import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand, runStep } from '../commands';
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
  requireCommand(
    'java',
    'run the Temporal test server',
    'install Java 17 (apt-get install openjdk-17-jre-headless)',
    ['-version'],
  );
  requireCommand(
    'mvn',
    'fetch the Temporal test server from Maven Central',
    'install Maven (apt-get install maven)',
    ['-v'],
  );
  const dir = join(cacheDir(), `temporal-test-server-${TEST_SERVER_VERSION}`);
  log(
    `installing the Temporal test server ${TEST_SERVER_VERSION} (time skipping) from Maven Central into ${dir} (once)`,
  );
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  runStep('fetching the Temporal test server jars', 'mvn', [
    '-q',
    '-B',
    '-f',
    join(__dirname, 'test-server.pom.xml'),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${join(tmp, 'libs')}`,
  ]);
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
