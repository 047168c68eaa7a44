// HTTP schemas of the accounts service (/api/users): registration, login, sessions, profiles, devices.
import { z } from 'zod';
import { BackupData, KeyBackup } from './backup';
import { base64urlText, Bytes32, EpochMillis, ResourceId } from './common';

/** 3–32 characters of [a-z0-9_.]; letters are folded to lower case, so "Lan" and "lan" are one name. */
export const Username = z
  .string()
  .max(32)
  .toLowerCase()
  .regex(/^[a-z0-9_.]{3,32}$/, 'must be 3–32 characters of a–z, 0–9, _ and .');

/** 1–64 characters after trimming, without control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');

/** DeviceCertificate of a device: bytes signed by the user's identity key. Opaque here; clients verify it. */
export const DeviceCertificate = base64urlText(2048);

/** Longest device name, in characters. */
export const MAX_DEVICE_NAME = 64;

/** Public keys of a new device. */
export const NewDevice = z.strictObject({
  /** Chosen by the client so its identity key can certify the id before the server knows the device. */
  id: ResourceId.optional(),
  signKey: Bytes32,
  boxKey: Bytes32,
  certificate: DeviceCertificate,
  name: z.string().trim().min(1).max(MAX_DEVICE_NAME).optional(),
});
export type NewDevice = z.infer<typeof NewDevice>;

/** What anyone signed in may know about a user. */
export const UserProfile = z.object({
  id: ResourceId,
  username: z.string(),
  displayName: z.string(),
  identityKey: Bytes32,
});
export type UserProfile = z.infer<typeof UserProfile>;

/** A fresh access token plus the refresh token that replaces the previous one. */
export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Lifetime of the access token, in seconds. */
  expiresIn: z.number().int().positive(),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const RegisterRequest = z.strictObject({
  username: Username,
  displayName: DisplayName,
  /** Derived from the password on the client; the password itself never leaves the device. */
  loginSecret: Bytes32,
  identityKey: Bytes32,
  /** The first encrypted key backup (version 1). */
  backup: BackupData,
  /** Optional: clients usually add the device in a second call, once they know their user id. */
  device: NewDevice.optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = TokenPair.extend({ user: UserProfile, deviceId: ResourceId.nullable() });
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const LoginRequest = z.strictObject({
  username: Username,
  loginSecret: Bytes32,
  /** A device registered earlier from this browser; omitted on a new browser. */
  deviceId: ResourceId.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = TokenPair.extend({
  user: UserProfile,
  /** Null when the session has no device yet: register one with POST /api/users/me/devices. */
  deviceId: ResourceId.nullable(),
  backup: KeyBackup.nullable(),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

export const RefreshRequest = z.strictObject({ refreshToken: base64urlText(128) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

export const RefreshResponse = TokenPair;
export type RefreshResponse = z.infer<typeof RefreshResponse>;

export const UpdateProfileRequest = z.strictObject({ displayName: DisplayName.optional() });
export type UpdateProfileRequest = z.infer<typeof UpdateProfileRequest>;

export const UsernameParam = z.strictObject({ username: Username });
export type UsernameParam = z.infer<typeof UsernameParam>;

/** Most usernames in one POST /api/users/by-username: everyone a full group adds besides its owner. */
export const MAX_USERNAME_BATCH = 1000;

/** POST /api/users/by-username: the profiles of many users in one round trip (creating a group). */
export const UsernameBatchRequest = z.strictObject({ usernames: z.array(Username).min(1).max(MAX_USERNAME_BATCH) });
export type UsernameBatchRequest = z.infer<typeof UsernameBatchRequest>;

/** The users found, in the order asked (each once), and the usernames nobody holds. */
export const UsernameBatchResponse = z.object({ users: z.array(UserProfile), missing: z.array(Username) });
export type UsernameBatchResponse = z.infer<typeof UsernameBatchResponse>;

/** Public keys of one active device. */
export const DevicePublic = z.object({
  id: ResourceId,
  signKey: Bytes32,
  boxKey: Bytes32,
  certificate: DeviceCertificate,
  createdAt: EpochMillis,
  /** Only in `?retired=1` answers: when the device was retired (logged out or removed), else null. */
  revokedAt: EpochMillis.nullable().optional(),
});
export type DevicePublic = z.infer<typeof DevicePublic>;

/**
 * Query of GET /api/users/:id/devices. `retired=1` also lists retired devices, with `revokedAt`:
 * their keys still verify what they signed before, but nobody seals new keys for them.
 */
export const DeviceListQuery = z.strictObject({ retired: z.enum(['0', '1']).optional() });
export type DeviceListQuery = z.infer<typeof DeviceListQuery>;

export const DeviceListResponse = z.object({ devices: z.array(DevicePublic) });
export type DeviceListResponse = z.infer<typeof DeviceListResponse>;

/** Most users in one POST /api/users/devices: a full group. */
export const MAX_DEVICE_BATCH = 1000;

/** POST /api/users/devices: the active devices of many users in one round trip (sealing a group key). */
export const DeviceBatchRequest = z.strictObject({ userIds: z.array(ResourceId).min(1).max(MAX_DEVICE_BATCH) });
export type DeviceBatchRequest = z.infer<typeof DeviceBatchRequest>;

/** Users that exist, each with their active devices; unknown ids are left out. */
export const DeviceBatchResponse = z.object({ users: z.array(z.object({ userId: ResourceId, devices: z.array(DevicePublic) })) });
export type DeviceBatchResponse = z.infer<typeof DeviceBatchResponse>;

export const RegisterDeviceRequest = NewDevice;
export type RegisterDeviceRequest = z.infer<typeof RegisterDeviceRequest>;

export const RegisterDeviceResponse = TokenPair.extend({ deviceId: ResourceId });
export type RegisterDeviceResponse = z.infer<typeof RegisterDeviceResponse>;
