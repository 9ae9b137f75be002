export { EnvReader, deepFreeze, type Env } from './env-reader';
export { readCommon, COMMON_DEFAULTS, type CommonConfig } from './common';
