import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../cli/roles';
import { mintToken } from '../../core/auth/jwt';
import { WriteKeys } from '../../core/auth/write-keys';
import { MetadataStore } from '../../core/metadata/store';
import type { Config } from '../../core/config/config';
import { createLogger } from '../../core/log';
import { isolatedConfig, requireServices } from '../helpers/test-config';

/**
 * Allow-lists, through the real collector (Kafka behind it) and the serving API: a write key made
 * for some networks is refused from elsewhere, and admin routes answer only from ADMIN_ALLOWED_CIDRS.
 */
describe('networks allowed per write key and for admin routes', () => {
  let config: Config;
  let roles: RunningRoles;
  const project = `nets-${Date.now().toString(36)}`;

  beforeAll(async () => {
    await requireServices();
    // The tests call from 127.0.0.1, which this list leaves out.
    config = isolatedConfig('networks', { ADMIN_ALLOWED_CIDRS: '10.0.0.0/8, 2001:db8::/32' });
    roles = await startRoles(['ingest', 'serve'], config, createLogger({ test: 'networks' }, 'error'));
  }, 60_000);
  afterAll(async () => roles?.stop());

  it('a write key sends only from its networks; admin routes only from the admin networks', async () => {
    const owner = await mintToken(config.auth.jwtSecret, { project, role: 'owner' });
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${roles.urls.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // Admin routes are refused from here, saying why; a viewer's route is not.
    const refused = await api('POST', '/v1/write-keys', { name: 'office' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('ADMIN_ALLOWED_CIDRS');
    expect((await api('GET', '/v1/metrics')).status).toBe(200);

    // The keys are made where admins work (here: straight in the store the API writes to).
    const store = await MetadataStore.open(config.metadata.url);
    const keys = new WriteKeys(store);
    const office = await keys.create(project, 'office', ['10.0.0.0/8']);
    const local = await keys.create(project, 'local', ['127.0.0.0/8', '::1']);
    const open = await keys.create(project, 'anywhere');
    await store.close();
    const send = async (key: string) => {
      // The collector reads keys every 2 s: wait until it knows these.
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${roles.urls.ingest}/v1/track`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ event: 'e', userId: 'u', messageId: `m-${key.slice(-6)}-${i}` }),
        });
        if (res.status !== 401) return { status: res.status, text: await res.text() };
        await new Promise((r) => setTimeout(r, 250));
      }
      return { status: 401, text: 'never known' };
    };
    const fromElsewhere = await send(office);
    expect(fromElsewhere.status).toBe(403);
    expect(fromElsewhere.text).toContain('not allowed from');
    expect((await send(local)).status).toBe(200);
    expect((await send(open)).status).toBe(200);
  }, 120_000);
});
