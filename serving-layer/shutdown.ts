import type { BeforeApplicationShutdown, OnApplicationShutdown } from '@nestjs/common';

/**
 * What the serving role releases when the app closes, in Nest's own order: live WebSocket
 * connections before the HTTP server closes (it waits for every connection), the engines and
 * clients after. (Assigning app.close does nothing: the app is a Nest proxy that ignores it.)
 */
export class ServingShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly steps: { beforeServerCloses: () => void; afterServerClosed: () => Promise<void> },
  ) {}

  beforeApplicationShutdown(): void {
    this.steps.beforeServerCloses();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.steps.afterServerClosed();
  }
}
