// A round badge with a person's initials in their own colour.
import { colourIndex, initials } from '../names';

export function Avatar({ userId, name, size = 'md' }: { userId: string; name: string; size?: 'sm' | 'md' }) {
  return (
    <span className={`avatar avatar--${size} avatar--${colourIndex(userId)}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
