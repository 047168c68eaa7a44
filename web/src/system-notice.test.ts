import { describe, expect, it } from 'vitest';
import { translate } from './i18n/translate';
import { systemNotice } from './system-notice';

const en = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) => translate('en', key, vars);
const vi = (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) => translate('vi', key, vars);

describe('systemNotice', () => {
  it('says "added" in the reader’s language', () => {
    expect(systemNotice('@lan added @tuan', en)).toBe('@lan added @tuan');
    expect(systemNotice('@lan added @tuan', vi)).toBe('@lan đã thêm @tuan vào nhóm');
  });

  it('leaves notices it does not know as they were written', () => {
    expect(systemNotice('  Something new happened ', vi)).toBe('Something new happened');
    expect(systemNotice('@lan added @tuan and more', vi)).toBe('@lan added @tuan and more');
  });
});
