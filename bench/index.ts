import { runGatewayBench } from './gateway.js';

/** `npm run bench`: prints the figures each issue sets targets for. Not part of `npm test`. */
await runGatewayBench();
