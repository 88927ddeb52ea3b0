import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AnswerFormatsInterceptor } from './answer-formats.interceptor';

/** Answers as Arrow or Parquet, by Accept, on every analytics route. */
@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: AnswerFormatsInterceptor }] })
export class AnswersModule {}
