import { Controller, Get, Inject, NotFoundException, Param, Req } from '@nestjs/common';
import type { AuthedRequest } from '../auth/authenticate';
import { PersonQuery } from '../query/person-query';

@Controller('v1')
export class PersonsController {
  constructor(@Inject(PersonQuery) private readonly persons: PersonQuery) {}

  /** A person by any of its ids (a user id or an anonymous id): every id joined, merged traits, totals. */
  @Get('persons/:id')
  async person(@Param('id') id: string, @Req() req: AuthedRequest) {
    const profile = await this.persons.profile(req.auth.project, id);
    if (!profile) throw new NotFoundException(`no person with the id '${id}' in this project`);
    return profile;
  }
}
