// HTTP request and response schemas of the Hono services, one file per resource.
export * from './backup';
export * from './common';
export * from './conversations';
export * from './groups';
export * from './keys';
export * from './presence';
export * from './social';
export * from './users';
