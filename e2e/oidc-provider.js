// A real OpenID Connect provider for the 统一身份认证 tests: panva's oidc-provider
// with its development login pages (any password), one confidential client for
// OneThing, and test people whose claims carry a 公民身份号码.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

/** The people the provider knows, by the login typed at its page. */
export const PEOPLE = {
  // The demo applicant 张三: his ID number links him to the demo account.
  zhangsan: { name: '张三', id_number: '11010519491231002X' },
  // Someone OneThing has never seen: an applicant account is made at first login.
  zhaoliu: { name: '赵六', id_number: '110101199003070011' },
  // A claim that fails the GB 11643 check digit: refused.
  badnumber: { name: '错号码', id_number: '110101199003070012' },
  // Staff: the provider names their department (卫健, 公安) in the `department` claim.
  wjstaff: { name: '王卫健', id_number: '110101198506150019', department: 'WJ' },
  gastaff: { name: '李公安', id_number: '110101199001010031', department: 'GA' },
  // A department OneThing does not have: refused, no account made.
  nodept: { name: '无此部门', id_number: '11010119920304001X', department: 'QQ' },
};

export const CLIENT_ID = 'onething-e2e';
export const CLIENT_SECRET = 'e2e-client-secret-not-for-production';

/** Starts the provider on `port`; resolves to { issuer, stop }. */
export async function startProvider({ port, redirectUri }) {
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-1', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    // The ID token itself carries the claims of the scopes asked for.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], profile: ['name'], id_number: ['id_number'], department: ['department'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['e2e-cookie-key-not-for-production'] },
    async findAccount(ctx, sub) {
      const person = PEOPLE[sub];
      if (!person) return undefined;
      return { accountId: sub, async claims() { return { sub, ...person }; } };
    },
  });
  // Quiet: the provider warns about its development settings on every start.
  provider.on('server_error', (ctx, error) => console.error('oidc-provider:', error));
  const server = provider.listen(port);
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    issuer,
    async stop() { await new Promise((resolve) => server.close(resolve)); },
  };
}
