// A round badge with a person's initials in their own colour; groups get a rounded square.
import { colourIndex, initials } from '../names';

interface Props {
  userId: string;
  name: string;
  size?: 'sm' | 'md' | 'lg';
  group?: boolean;
}

export function Avatar({ userId, name, size = 'md', group = false }: Props) {
  return (
    <span className={`avatar avatar--${size} avatar--${colourIndex(userId)}${group ? ' avatar--group' : ''}`} aria-hidden="true">
      {initials(name)}
    </span>
  );
}
