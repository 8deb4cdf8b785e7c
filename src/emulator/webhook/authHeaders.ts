import type { WebhookAuth } from './options';

interface OAuthClient {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Produces the auth header for each POST; OAuth2 tokens are fetched once and reused until shortly before expiry. */
export class WebhookAuthenticator {
  private cached: CachedToken | undefined;

  constructor(private readonly now: () => number) {}

  /** After a 401 the receiver may have rotated keys: fetch a fresh token next time. */
  invalidate(): void {
    this.cached = undefined;
  }

  async headers(auth: WebhookAuth, signal: AbortSignal): Promise<Record<string, string>> {
    switch (auth.type) {
      case 'none':
        return {};
      case 'bearer':
        return { authorization: `Bearer ${auth.token}` };
      case 'apikey':
        return { [auth.header.toLowerCase()]: auth.key };
      case 'basic':
        return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
      case 'oauth2': {
        const token = 'tokenProvider' in auth ? await auth.tokenProvider() : await this.token(auth, signal);
        return { authorization: `Bearer ${token}` };
      }
    }
  }

  private async token(auth: OAuthClient, signal: AbortSignal): Promise<string> {
    if (this.cached && this.cached.expiresAt > this.now()) return this.cached.token;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: auth.clientId,
      client_secret: auth.clientSecret,
    });
    if (auth.scope) form.set('scope', auth.scope);
    const response = await fetch(auth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      signal,
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('token endpoint sent no access_token');
    const lifetimeSec = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.cached = { token: body.access_token, expiresAt: this.now() + Math.max(0, lifetimeSec - 30) * 1000 };
    return body.access_token;
  }
}
