import { loadConfig } from '../../core/config/config';
import { UserFacingError } from '../../core/errors';
import { updateGeoDatabase } from '../../infra/local/geoip';
import type { ParsedArgs } from '../args';

/** `geoip update [--version V]`: a newer DB-IP City Lite release into GEOIP_DIR. */
export function geoipCommand(args: ParsedArgs): number {
  if (args.positional[0] !== 'update')
    throw new UserFacingError(
      'unknown geoip action',
      'use: ./platform geoip update [--version 2.3.2026060513]',
    );
  const version = typeof args.options.version === 'string' ? args.options.version : undefined;
  const { dir, version: got } = updateGeoDatabase(loadConfig().ingest.geoipDir, version);
  console.log(
    `geoip: DB-IP City Lite ${got} in ${dir}; collectors started from now on place addresses with it`,
  );
  return 0;
}
