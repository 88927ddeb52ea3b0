import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { z } from 'zod';
import { definitionProblems, type DefinitionStore, type Stored } from '../../core/metadata/definition-store';

/**
 * What the admin routes of a kind of definition (experiments, segments) do, checked and scoped to
 * the token's project: another project's definition is not found, never shown or changed.
 */
export class DefinitionRoutes<D extends { id: string }> {
  constructor(
    private readonly store: DefinitionStore<D>,
    private readonly kind: { name: string; route: string; id: RegExp; schema: z.ZodType<D> },
  ) {}

  list(project: string): Promise<Stored<D>[]> {
    return this.store.list(project);
  }

  async one(project: string, id: string): Promise<Stored<D>> {
    return this.found(this.kind.id.test(id) ? await this.store.get(project, id) : undefined, id);
  }

  async create(project: string, body: unknown): Promise<Stored<D>> {
    const d = this.parse(body);
    const created = await this.store.create(project, d);
    if (!created)
      throw new ConflictException(
        `${this.kind.name} ${d.id} exists already: PUT ${this.kind.route}/<id> changes it`,
      );
    return created;
  }

  /** Replaces the definition; `version` (from GET) makes it conditional: a stale one is a 409. */
  async replace(project: string, id: string, body: unknown, version: unknown): Promise<Stored<D>> {
    const d = this.parse(typeof body === 'object' && body !== null ? { ...body, id } : body);
    const v = version === undefined ? undefined : Number(version);
    if (v !== undefined && !(Number.isInteger(v) && v > 0))
      throw new BadRequestException('version must be a whole number above 0 (the version GET answered)');
    const r = await this.store.replace(project, d, v);
    if (r === 'stale')
      throw new ConflictException(
        `${this.kind.name} ${id} changed since version ${v}: GET it again and reapply the change`,
      );
    return this.found(r === 'missing' ? undefined : r, id);
  }

  async remove(project: string, id: string): Promise<void> {
    if (!(this.kind.id.test(id) && (await this.store.delete(project, id)))) this.found(undefined, id);
  }

  /** A body checked as a stored definition is (a 400 saying what is wrong), without storing it. */
  check(body: unknown): D {
    return this.parse(body);
  }

  private parse(body: unknown): D {
    const parsed = this.kind.schema.safeParse(body);
    if (!parsed.success)
      throw new BadRequestException(`invalid ${this.kind.name}: ${definitionProblems(parsed.error)}`);
    return parsed.data;
  }

  private found(d: Stored<D> | undefined, id: string): Stored<D> {
    if (!d)
      throw new NotFoundException(
        `no ${this.kind.name} '${id}' in this project: GET ${this.kind.route} lists them`,
      );
    return d;
  }
}
