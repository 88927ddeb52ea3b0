import type { SegmentDefinition } from '../../core/segments/definition';
import type { AnswerPart, DimTotals, Freshness, MetricQuery } from './metric-query';
import type { TimeRange } from './time-range';
import { ratio } from './ratio';

export interface CurrencyStats {
  currency: string;
  orders: number;
  revenue: number;
  refunds: number;
  netRevenue: number;
  /** Average order value: revenue / orders. */
  aov: number;
}

export interface ProductStats {
  key: string;
  views: number;
  addToCarts: number;
  /** Order lines holding the product (or category). */
  orders: number;
  units: number;
  revenue: number;
  /** orders / views. */
  conversionRate: number;
  /** add-to-carts / views. */
  cartRate: number;
}

interface Envelope {
  from: string;
  to: string;
  parts: Omit<AnswerPart, 'value'>[];
  watermark: string | null;
  freshness: Freshness;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Commerce analytics from the catalog's commerce metrics, each merged across the layers. */
export class CommerceQuery {
  constructor(private readonly metrics: MetricQuery) {}

  private envelope(range: TimeRange, any: DimTotals): Omit<Envelope, 'freshness'> {
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      parts: any.parts.map(({ source, from, to }) => ({ source, from, to })),
      watermark: any.watermark,
    };
  }

  async summary(
    project: string,
    range: TimeRange,
    segment?: SegmentDefinition,
  ): Promise<
    Envelope & { currencies: CurrencyStats[]; checkouts: number; orders: number; checkoutConversion: number }
  > {
    return this.metrics.layers.cachedAnswer(
      project,
      ['summary', range.from.getTime(), range.to.getTime(), segment ?? null],
      async () => {
        const [orders, revenue, refunds, checkouts] = await Promise.all(
          (['orders', 'revenue', 'refunds', 'checkouts'] as const).map((m) =>
            this.metrics.totals({ metric: m, project, range, ...(segment ? { segment } : {}) }),
          ),
        );
        const currencies = new Set([...orders!.byDim.keys(), ...refunds!.byDim.keys()]);
        const rows = [...currencies].sort().map((currency): CurrencyStats => {
          const n = orders!.byDim.get(currency)?.count ?? 0;
          const r = revenue!.byDim.get(currency)?.sum ?? 0;
          const f = refunds!.byDim.get(currency)?.sum ?? 0;
          return {
            currency,
            orders: n,
            revenue: round2(r),
            refunds: round2(f),
            netRevenue: round2(r - f),
            aov: round2(ratio(r, n)),
          };
        });
        const totalOrders = rows.reduce((a, r) => a + r.orders, 0);
        const totalCheckouts = [...checkouts!.byDim.values()].reduce((a, c) => a + c.count, 0);
        return {
          ...this.envelope(range, orders!),
          currencies: rows,
          orders: totalOrders,
          checkouts: totalCheckouts,
          checkoutConversion: ratio(totalOrders, totalCheckouts),
        };
      },
      // A segment's membership reads events beyond the range: then every write counts.
      segment ? undefined : range,
    );
  }

  async products(
    project: string,
    range: TimeRange,
    opts: { by: 'product' | 'category'; limit: number; segment?: SegmentDefinition },
  ): Promise<Envelope & { by: string; items: ProductStats[] }> {
    return this.metrics.layers.cachedAnswer(
      project,
      ['products', range.from.getTime(), range.to.getTime(), opts.by, opts.limit, opts.segment ?? null],
      async () => {
        const names =
          opts.by === 'product'
            ? ['product_views', 'add_to_carts', 'items_by_product', 'revenue_by_product']
            : [
                'product_views_by_category',
                'add_to_carts_by_category',
                'items_by_category',
                'revenue_by_category',
              ];
        const [views, carts, items, revenue] = await Promise.all(
          names.map((m) =>
            this.metrics.totals({
              metric: m,
              project,
              range,
              ...(opts.segment ? { segment: opts.segment } : {}),
            }),
          ),
        );
        const keys = new Set<string>();
        for (const t of [views, carts, items]) for (const k of t!.byDim.keys()) if (k !== '') keys.add(k);
        const rows = [...keys].map((key): ProductStats => {
          const v = views!.byDim.get(key)?.count ?? 0;
          const c = carts!.byDim.get(key)?.count ?? 0;
          const lines = items!.byDim.get(key);
          return {
            key,
            views: v,
            addToCarts: c,
            orders: lines?.count ?? 0,
            units: lines?.sum ?? 0,
            revenue: round2(revenue!.byDim.get(key)?.sum ?? 0),
            conversionRate: ratio(lines?.count ?? 0, v),
            cartRate: ratio(c, v),
          };
        });
        rows.sort((a, b) => b.revenue - a.revenue || b.views - a.views || (a.key < b.key ? -1 : 1));
        return {
          ...this.envelope(range, views!),
          by: opts.by,
          items: rows.slice(0, opts.limit),
        };
      },
      opts.segment ? undefined : range,
    );
  }
}
