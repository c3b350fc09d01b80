import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthConfig } from './auth-config';
import { AuthGuard } from './auth.guard';
import { TokenVerifier } from './token-verifier';

/** Bearer-JWT authentication and role checks for every route of the app that imports it. */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(config) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TokenVerifier],
    };
  }
}
