import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { QueriesController } from './queries.controller';
import { SqlController } from './sql.controller';

/** Analysts' SQL: statements over the merged tables, history, saved queries. */
@Module({ imports: [AuthModule], controllers: [SqlController, QueriesController] })
export class SqlModule {}
