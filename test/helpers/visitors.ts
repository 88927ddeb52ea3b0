/**
 * Where end-to-end visitors come from: addresses the bundled DB-IP City Lite places in three
 * countries, and a phone's and a laptop's browser, so enrichment gives them a country and a device.
 */
export const PLACES = [
  { ip: '81.2.69.142', country: 'GB' },
  { ip: '193.51.224.1', country: 'FR' },
  { ip: '8.8.8.8', country: 'US' },
] as const;

export const UA = {
  mobile:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  desktop:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
} as const;
