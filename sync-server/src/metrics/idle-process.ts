// A process that only holds a metrics registry, for the idle wake-up test: it prints "ready" and
// waits to be killed.
import { createProcessMetrics } from './index';

const metrics = createProcessMetrics();
process.stdout.write(`ready ${metrics.registry.getMetricsAsArray().length}\n`);
setInterval(() => {}, 1 << 30);
