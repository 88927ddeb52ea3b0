import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SegmentsController } from './segments.controller';

/** Segment definitions, size and members. */
@Module({ imports: [AuthModule], controllers: [SegmentsController] })
export class SegmentsModule {}
