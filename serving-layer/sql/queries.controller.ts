import { Controller, Inject } from '@nestjs/common';
import { DefinitionController } from '../definitions/definition-controller';
import { DefinitionRoutes } from '../definitions/definition-routes';
import { SQL } from '../injection-tokens';
import type { ServingDeps } from '../serving-core.module';
import { QUERY_ID, SavedQuerySchema, type SavedQuery } from './saved-query';

/**
 * Saved SQL queries of a project: listed and read by anyone in it, defined by analysts, answered
 * at /v1/queries/:id/answer (sql.controller.ts) and drawn as dashboard tiles.
 */
@Controller('v1/queries')
export class QueriesController extends DefinitionController<SavedQuery> {
  protected readonly routes: DefinitionRoutes<SavedQuery>;
  protected readonly plural = 'queries';

  constructor(@Inject(SQL) sql: ServingDeps['sql']) {
    super();
    this.routes = new DefinitionRoutes(sql.saved, {
      name: 'query',
      route: '/v1/queries',
      id: QUERY_ID,
      schema: SavedQuerySchema,
    });
  }
}
