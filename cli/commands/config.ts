import { join } from 'node:path';
import { configurationReference } from '../../core/config/reference';
import { localFiles } from '../../core/files/local-files';

/** Where the generated reference lives in the repository. */
export const CONFIGURATION_DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');

/** `config [--write]`: every setting the platform reads, as markdown; --write puts it in docs/. */
export function configCommand(write: boolean): number {
  const text = configurationReference();
  if (!write) {
    process.stdout.write(text);
    return 0;
  }
  localFiles.writeAtomically(CONFIGURATION_DOC, text);
  console.log(`wrote ${CONFIGURATION_DOC}`);
  return 0;
}
