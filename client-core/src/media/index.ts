// Client-side media encryption (libsodium secretstream, 64 KiB chunks, a fresh key per file) and
// upload/download of the ciphertext through the media service.
export { decryptMedia } from './decrypt';
export { type EncryptedMedia, type EncryptedMediaStream, encryptMedia } from './encrypt';
export { asMediaKey, encryptedMediaSize, MEDIA_CHUNK_BYTES, MEDIA_FORMAT_VERSION, type MediaKey } from './format';
export {
  deleteMedia,
  downloadMedia,
  downloadMediaStream,
  type MediaApi,
  type MediaHttpOptions,
  type MediaRefLike,
  type UploadedMedia,
  uploadMedia,
} from './http';
