export { startLocalFleet, type LocalFleet, type LocalFleetOptions } from './harness/local-fleet';
