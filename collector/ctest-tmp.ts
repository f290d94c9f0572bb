import { compactHours, LocalRawStore } from './src/aggregate/compaction.js';
import { createLogger } from './src/log.js';
const t0 = Date.now();
const r = await compactHours(new LocalRawStore('/tmp/ctest'), [Date.parse('2025-06-03T05:00:00Z')], createLogger({ level: 'info', format: 'text' }));
console.log(r, Date.now() - t0, 'ms');
const r2 = await compactHours(new LocalRawStore('/tmp/ctest'), [Date.parse('2025-06-03T05:00:00Z')]);
console.log(r2);
