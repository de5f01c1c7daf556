// Each line is a mistake the types must catch (npm/test/types.test.mjs expects one error per line).
import { Tokens } from 'mapbox-tokens';
const tokens = new Tokens({ accessToken: 'sk.x.y' });
tokens.create({ scope: ['styles:read'] });
tokens.create({ note: 'no scopes' });
tokens.listTokens({ usage: 'tk' });
tokens.listTokens({ sortby: 'name' });
tokens.update({ note: 'no id' });
tokens.createTempToken({ scopes: ['styles:read'], expires: true });
tokens.delete({});
new Tokens({ origin: 42 });
