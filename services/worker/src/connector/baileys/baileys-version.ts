/**
 * The Baileys version every patch of its internals was written and tested against. Fleet's
 * package.json pins exactly it; a test fails when the installed one differs, so an upgrade re-checks
 * each patch (see patches.ts).
 */
export const PINNED_BAILEYS_VERSION = '6.17.16';
