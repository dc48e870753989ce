import { runCatalogueBench } from './catalogue.js';
import { runEvidenceBench } from './evidence.js';
import { runGatewayBench } from './gateway.js';
import { runLoadBench } from './load.js';
import { runOutcomesBench } from './outcomes.js';
import { runSchedulerBench } from './scheduler.js';

/** `npm run bench`: prints the figures each issue sets targets for. Not part of `npm test`. */
await runSchedulerBench();
await runGatewayBench();
await runOutcomesBench();
await runCatalogueBench();
await runEvidenceBench();
await runLoadBench();
