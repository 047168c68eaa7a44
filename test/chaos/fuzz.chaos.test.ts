// Input fuzzing, full run (the chaos project): at least 200 malformed inputs per HTTP route and per
// up-frame type, and every poison update the suite knows plus random ones. A fast slice of the same
// suite runs in `npm test` (test/e2e/fuzz-slice.test.ts).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineFuzzSuite } from './fuzz-suite';

const RESULTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../bench/results/fuzz.json');
defineFuzzSuite({ label: 'full', httpPerRoute: 200, framesPerType: 200, randomPoisons: 64, allClassicPoisons: true, resultsFile: RESULTS });
