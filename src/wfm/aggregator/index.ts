// The Data Aggregator as the CLI and the web console use it: the service, its event lines and the
// timestamps and maintenance mode of its store.
export { parseEventLines, epochSecondsOf } from './events.ts';
export { Aggregator, type AggregatorOptions } from './service.ts';
export { epochOfTimestamp, maintenanceMode, timestampOf } from './store.ts';
