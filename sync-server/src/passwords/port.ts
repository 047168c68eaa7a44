// The password hasher port: slow, salted hashing of the login secret.

export interface PasswordHasher {
  /** A self-describing hash string (algorithm, parameters and salt included). */
  hash(secret: string): Promise<string>;
  /** False for a wrong secret or a hash this hasher cannot read; never throws for those. */
  verify(hash: string, secret: string): Promise<boolean>;
}
