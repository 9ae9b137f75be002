export { classifyAddress, isMetadataHost, normalizeHost, METADATA_HOST_NAMES, type AddressClass } from './address-policy';
export { AllowList } from './allow-list';
export { guardedLookup, systemResolve, type ResolveAll } from './guarded-lookup';
export { AddressGuard, ADDRESS_GUARD_DEFAULTS, type AddressGuardOptions, type HostInspection } from './address-guard';
export { AddressRefusedError, NET_ERROR_CODES } from './errors';
