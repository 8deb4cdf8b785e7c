import type { Response } from 'express';
import type { NonJsonKind } from './faults';

const HTML_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`;

/**
 * What a CDN or load balancer in front of Descope sends: an HTML 502 page, or a plain-text 429 with
 * Retry-After. The node SDK parses every error body as JSON, so these make it throw instead of returning.
 */
export function sendNonJson(res: Response, kind: NonJsonKind): void {
  if (kind === 'html502') {
    res.status(502).type('text/html').send(HTML_502);
    return;
  }
  res.status(429).set('Retry-After', '1').type('text/plain').send('Too Many Requests\n');
}
