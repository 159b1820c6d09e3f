// The configuration file of each WFM application and the options it knows, as the CLI and the web
// console use them.
export { KNOWN_OPTIONS, knownOption, optionValueProblem, type ApplicationType, type KnownOption } from './applications.ts';
export { ConfigFile, splitOptionPath } from './config-file.ts';
