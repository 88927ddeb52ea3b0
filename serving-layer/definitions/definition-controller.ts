import { Body, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { Stored } from '../../core/metadata/definition-store';
import type { AuthedRequest } from '../auth/authenticate';
import type { DefinitionRoutes } from './definition-routes';

/**
 * The routes every kind of stored definition has, inherited by its controller (which names the
 * route with @Controller, guards it with the read scope and gives `routes`): the project's list,
 * one by id, and, with the admin scope, define, replace (conditional on `?version`) and delete.
 */
export abstract class DefinitionController<D extends { id: string }> {
  protected abstract readonly routes: DefinitionRoutes<D>;
  /** The key the list is answered under (`segments`, `insights`). */
  protected abstract readonly plural: string;

  @Get()
  async list(@Req() req: AuthedRequest): Promise<Record<string, unknown>> {
    return { [this.plural]: await this.routes.list(req.auth.project), ...this.alsoListed() };
  }

  /** What a kind lists beside the project's definitions (insights: the predefined ones). */
  protected alsoListed(): Record<string, unknown> {
    return {};
  }

  @Get(':id')
  one(@Req() req: AuthedRequest, @Param('id') id: string): Promise<Stored<D>> {
    return this.routes.one(req.auth.project, id);
  }

  @Post()
  create(@Req() req: AuthedRequest, @Body() body: unknown): Promise<Stored<D>> {
    return this.routes.create(req.auth.project, body);
  }

  /** Replaces the definition; `?version=N` (from GET) makes it conditional: a stale one is a 409. */
  @Put(':id')
  replace(
    @Req() req: AuthedRequest,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query('version') version: unknown,
  ): Promise<Stored<D>> {
    return this.routes.replace(req.auth.project, id, body, version);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Req() req: AuthedRequest, @Param('id') id: string): Promise<void> {
    return this.routes.remove(req.auth.project, id);
  }
}
