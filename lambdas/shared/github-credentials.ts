import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';

/** What the secret holds, read once per cold start. */
export type GitHubCredentials =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'app'; readonly appId: string; readonly privateKey: KeyObject; readonly installationId?: number };

/** The secret does not hold usable credentials; the message never contains the secret. */
export class GitHubCredentialsInvalid extends Error {
  override readonly name = 'GitHubCredentialsInvalid';
}

/**
 * Reads the credentials of the configured kind from the secret's value. `token`: the token itself
 * (or JSON `{ "token" }`). `app`: JSON `{ "appId", "privateKey" (PEM), "installationId"? }`; without an
 * installation id it is looked up per repository.
 * @throws {@link GitHubCredentialsInvalid} naming the missing or broken part
 */
export function parseCredentials(kind: 'token' | 'app', secretValue: string | undefined): GitHubCredentials {
  const text = (secretValue ?? '').trim();
  if (text === '') throw new GitHubCredentialsInvalid('the GitHub secret is empty');
  let json: Record<string, unknown> | undefined;
  if (text.startsWith('{')) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new GitHubCredentialsInvalid('the GitHub secret starts with "{" but is not JSON');
    }
  }
  if (kind === 'token') {
    const token = json === undefined ? text : json.token;
    if (typeof token !== 'string' || token === '' || /\s/.test(token)) {
      throw new GitHubCredentialsInvalid('the GitHub secret has no token (the token itself, or JSON {"token": "..."})');
    }
    return { kind: 'token', token };
  }
  if (json === undefined)
    throw new GitHubCredentialsInvalid('a GitHub App secret must be JSON {"appId", "privateKey", "installationId"?}');
  const appId = typeof json.appId === 'number' ? String(json.appId) : json.appId;
  if (typeof appId !== 'string' || appId === '')
    throw new GitHubCredentialsInvalid('the GitHub App secret has no "appId"');
  if (typeof json.privateKey !== 'string')
    throw new GitHubCredentialsInvalid('the GitHub App secret has no "privateKey" (PEM)');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(json.privateKey.replace(/\\n/g, '\n'));
  } catch {
    throw new GitHubCredentialsInvalid('the GitHub App secret\'s "privateKey" is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new GitHubCredentialsInvalid('the GitHub App private key must be RSA');
  const installation = json.installationId;
  if (installation !== undefined && !(Number.isInteger(Number(installation)) && Number(installation) > 0)) {
    throw new GitHubCredentialsInvalid('the GitHub App secret\'s "installationId" must be a positive whole number');
  }
  return {
    kind: 'app',
    appId,
    privateKey,
    ...(installation === undefined ? {} : { installationId: Number(installation) }),
  };
}

const base64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * A GitHub App's JWT (RS256): `iat` 60 s in the past against clock drift, `exp` 9 minutes ahead,
 * `iss` the app id. GitHub: "The time the JWT expires ... must be no more than 10 minutes into the
 * future" and "iat ... we recommend that you set this 60 seconds in the past" (Generating a JSON Web
 * Token for a GitHub App, https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app).
 */
export function appJwt(appId: string, privateKey: KeyObject, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: seconds - 60, exp: seconds + 540, iss: appId }));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}
