// A fast slice of the input-fuzzing suite for `npm test`: ~20 malformed inputs per HTTP route and
// per up-frame type, and a few poison updates. The full run is test/chaos/fuzz.chaos.test.ts.
import { defineFuzzSuite } from '../chaos/fuzz-suite';

defineFuzzSuite({ label: 'slice', httpPerRoute: 20, framesPerType: 20, randomPoisons: 6, allClassicPoisons: false });
