/**
 * The scope catalogue served by `GET /scopes/v1/{username}`.
 * Public scopes may be held by `pk` tokens; every other scope makes a token secret (`sk`).
 */

const PUBLIC = ['styles:tiles', 'styles:read', 'fonts:read', 'datasets:read', 'vision:read'];

const DESCRIPTIONS = {
  'styles:tiles': 'Read styles as raster tiles.',
  'styles:read': 'Read styles.',
  'fonts:read': 'Read fonts.',
  'datasets:read': 'Read datasets.',
  'vision:read': 'Use the Vision API.',
  'scopes:list': 'List all available scopes.',
  'map:read': 'Read maps.',
  'map:write': 'Create, update and delete maps.',
  'user:read': 'Read user account information.',
  'user:write': 'Change user account information.',
  'uploads:read': 'Read uploads.',
  'uploads:list': 'List uploads.',
  'uploads:write': 'Create and delete uploads.',
  'fonts:list': 'List fonts.',
  'fonts:write': 'Add and delete fonts.',
  'fonts:metadata': 'Read font metadata.',
  'styles:write': 'Create, update and delete styles.',
  'styles:list': 'List styles.',
  'styles:download': 'Download styles for offline use.',
  'styles:protect': 'Protect styles from changes.',
  'tokens:read': 'List tokens.',
  'tokens:write': 'Create, update and delete tokens.',
  'datasets:list': 'List datasets.',
  'datasets:write': 'Create, update and delete datasets.',
  'tilesets:list': 'List tilesets.',
  'tilesets:read': 'Read tilesets.',
  'tilesets:write': 'Create, update and delete tilesets.',
  'downloads:read': 'Download offline resources.',
  'vision:download': 'Download Vision SDK models.',
  'navigation:download': 'Download navigation data for offline use.',
  'offline:read': 'Read offline resources.',
  'offline:write': 'Write offline resources.',
};

/** @typedef {{id: string, description: string, public?: true}} Scope */

/** Every scope, public ones first, as `GET /scopes/v1/{username}` returns them. @type {readonly Scope[]} */
export const SCOPES = Object.freeze(
  Object.entries(DESCRIPTIONS).map(([id, description]) =>
    Object.freeze(PUBLIC.includes(id) ? { id, description, public: true } : { id, description }),
  ),
);

/** The ids of the public scopes (the scopes of every account's default token). */
export const PUBLIC_SCOPE_IDS = Object.freeze([...PUBLIC]);

/** The ids of every scope in the catalogue (the scopes of the admin token). */
export const ALL_SCOPE_IDS = Object.freeze(SCOPES.map((s) => s.id));

/**
 * Whether a scope id may be held by a public (`pk`) token.
 * @param {string} id
 * @returns {boolean}
 */
export function isPublicScope(id) {
  return PUBLIC.includes(id);
}

/**
 * Whether a scope id is in the catalogue.
 * @param {string} id
 * @returns {boolean}
 */
export function isKnownScope(id) {
  return Object.hasOwn(DESCRIPTIONS, id);
}
