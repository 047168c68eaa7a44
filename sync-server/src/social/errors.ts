// The typed errors of the social service, worded once so that equal cases answer equal bytes.
import { ErrorCode, MekongError } from '@mekong/schema';

/**
 * Unknown user. Also the answer to someone the user blocked: the same code and the same sentence
 * as the accounts service's, so the blocked person cannot tell a block from a missing account.
 */
export const noSuchUser = () => new MekongError(ErrorCode.NOT_FOUND, 'There is no such user.');

export const notYourself = (what: string) => new MekongError(ErrorCode.BAD_REQUEST, `You cannot ${what} yourself; pick someone else.`);

export const noSuchRequest = () => new MekongError(ErrorCode.NOT_FOUND, 'There is no such friend request.');
