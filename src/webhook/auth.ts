import type { Config } from '../config';
import type { Logger } from '../logger';
import { ACCEPT, REALM, bearerToken, rejected, type Authenticator } from './credentials';
import { WebhookConfigError } from './errors';
import { createJwtVerifier } from './oauth2';
import { safeEqual } from './secrets';

/** Builds the check for `config.auth`. Throws WebhookConfigError when the mode or one of its secrets is unset. */
export function createAuthenticator(config: Config['webhook'], logger: Logger): Authenticator {
  switch (config.auth) {
    case undefined:
      throw new WebhookConfigError(
        'WEBHOOK_AUTH is not set: choose none, bearer, apikey, basic or oauth2 (none must be chosen explicitly)',
      );
    case 'none':
      logger.warn('WEBHOOK_AUTH=none: the webhook accepts deliveries from anyone who can reach it');
      return () => Promise.resolve(ACCEPT);
    case 'bearer':
      return bearer(required(config.token, 'WEBHOOK_TOKEN', 'bearer'));
    case 'apikey':
      return apiKey(config.apiKeyHeader.toLowerCase(), required(config.apiKey, 'WEBHOOK_API_KEY', 'apikey'));
    case 'basic':
      return basic(
        required(config.basicUser, 'WEBHOOK_BASIC_USER', 'basic'),
        required(config.basicPassword, 'WEBHOOK_BASIC_PASSWORD', 'basic'),
      );
    case 'oauth2':
      return oauth2(config, logger);
  }
}

function required(value: string | undefined, name: string, mode: string): string {
  if (!value) throw new WebhookConfigError(`${name} is required when WEBHOOK_AUTH=${mode}`);
  return value;
}

function bearer(expected: string): Authenticator {
  return (headers) => {
    const token = bearerToken(headers);
    if (token === undefined) return Promise.resolve(rejected('no bearer token', `Bearer ${REALM}`));
    if (!safeEqual(token, expected)) {
      return Promise.resolve(rejected('wrong bearer token', `Bearer ${REALM}, error="invalid_token"`));
    }
    return Promise.resolve(ACCEPT);
  };
}

function apiKey(header: string, expected: string): Authenticator {
  return (headers) => {
    const given = headers[header];
    if (typeof given !== 'string' || given === '') return Promise.resolve(rejected(`no ${header} header`));
    return Promise.resolve(safeEqual(given, expected) ? ACCEPT : rejected(`wrong ${header}`));
  };
}

function basic(user: string, password: string): Authenticator {
  const challenge = `Basic ${REALM}, charset="UTF-8"`;
  return (headers) => {
    const encoded = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(headers.authorization ?? '')?.[1];
    if (encoded === undefined) return Promise.resolve(rejected('no basic credentials', challenge));
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const givenUser = colon < 0 ? decoded : decoded.slice(0, colon);
    const givenPassword = colon < 0 ? '' : decoded.slice(colon + 1);
    // Both comparisons always run, so timing does not reveal which half was wrong.
    const userOk = safeEqual(givenUser, user);
    const passwordOk = safeEqual(givenPassword, password);
    return Promise.resolve(userOk && passwordOk ? ACCEPT : rejected('wrong basic credentials', challenge));
  };
}

function oauth2(config: Config['webhook'], logger: Logger): Authenticator {
  const jwksUrl = required(config.jwksUrl, 'WEBHOOK_JWKS_URL', 'oauth2');
  if (!config.jwtIssuer || !config.jwtAudience) {
    logger.warn(
      'WEBHOOK_AUTH=oauth2 without WEBHOOK_JWT_ISSUER and WEBHOOK_JWT_AUDIENCE: any token signed by the JWKS keys is accepted',
    );
  }
  const verify = createJwtVerifier({ jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience });
  return async (headers) => {
    const token = bearerToken(headers);
    if (token === undefined) return rejected('no bearer token', `Bearer ${REALM}`);
    return verify(token);
  };
}
