// @mekong/schema: the wire protocol and data model shared by every Mekong package. Pure: no I/O.
export * from './errors';
export * from './limits';
export * from './version';
export * from './up';
export * from './down';
export * from './model/message';
export * from './model/ephemeral';
export * from './api';
export * from './membership';
