import { requireCommand, runStep } from './commands';

/**
 * Resolves a pom's runtime dependencies from Maven Central into `outputDirectory` with the
 * machine's Maven, for a service run with the machine's Java (`purpose` says which, in errors).
 */
export function copyMavenJars(pom: string, outputDirectory: string, purpose: string): void {
  requireCommand('java', `run ${purpose}`, 'install Java 17 (apt-get install openjdk-17-jre-headless)', [
    '-version',
  ]);
  requireCommand('mvn', `fetch ${purpose} from Maven Central`, 'install Maven (apt-get install maven)', [
    '-v',
  ]);
  runStep(`fetching the jars of ${purpose}`, 'mvn', [
    '-q',
    '-B',
    '-f',
    pom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDirectory}`,
  ]);
}
