/**
 * Input checks for `incoming`: the type, who sends it where, and the fields of that type (any other field
 * is refused, so a typo is a 400 rather than a silently plain message). Each failure names the field.
 */
import { BadRequestError } from '../errors';
import type { IncomingRequest, IncomingType } from './types';
import { MAX_TEXT, asObject, optionalBoolean, optionalInt, phoneOf } from './validate';

export const INCOMING_TYPES: readonly IncomingType[] = [
  'text',
  'image',
  'video',
  'audio',
  'ptt',
  'document',
  'sticker',
  'location',
  'contact',
  'reaction',
  'edit',
  'revoke',
];

/** Largest media an incoming message carries (the media store must hold it too). */
export const MAX_INCOMING_MEDIA = 64 * 1024 * 1024;

const COMMON = ['type', 'from', 'fromMe', 'to', 'group', 'plaintext', 'pushName', 'id'];
const MEDIA = ['mimetype', 'data', 'size', 'replyTo'];
const FIELDS: Record<IncomingType, string[]> = {
  text: ['text', 'replyTo', 'mentions'],
  image: [...MEDIA, 'caption', 'mentions'],
  video: [...MEDIA, 'caption', 'mentions', 'seconds'],
  audio: [...MEDIA, 'seconds'],
  ptt: [...MEDIA, 'seconds'],
  document: [...MEDIA, 'caption', 'mentions', 'fileName'],
  sticker: MEDIA,
  location: ['location', 'replyTo'],
  contact: ['contact', 'replyTo'],
  reaction: ['targetId', 'emoji'],
  edit: ['targetId', 'text'],
  revoke: ['targetId'],
};

/** A validated request: phones as digits, the group as a JID, mentions and reply authors as JIDs, media bytes decoded. */
export interface ParsedIncoming {
  type: IncomingType;
  /** the author's phone: `from`, or the account's own phone when `fromMe` (filled by the caller) */
  from?: string;
  fromMe: boolean;
  to?: string;
  group?: string;
  text?: string;
  caption?: string;
  fileName?: string;
  mimetype?: string;
  /** media: the bytes, or how many random bytes to make */
  media?: Buffer | number;
  seconds?: number;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contact?: { displayName: string; vcard: string };
  targetId?: string;
  emoji?: string;
  replyTo?: { id: string; participant?: string; text?: string };
  mentions?: string[];
  plaintext: boolean;
  pushName?: string;
  id?: string;
}

export function parseIncoming(raw: unknown): ParsedIncoming {
  const body = asObject(raw) as Record<string, unknown> & IncomingRequest;
  const type = body.type ?? 'text';
  if (!INCOMING_TYPES.includes(type)) throw new BadRequestError(`type must be one of ${INCOMING_TYPES.join(', ')}`, { field: 'type' });
  const allowed = new Set([...COMMON, ...FIELDS[type]]);
  const unknown = Object.keys(body).filter((key) => !allowed.has(key));
  if (unknown.length) throw new BadRequestError(`fields not accepted for type ${type}: ${unknown.join(', ')}`, { fields: unknown });
  const out: ParsedIncoming = { type, fromMe: optionalBoolean(body, 'fromMe') ?? false, plaintext: optionalBoolean(body, 'plaintext') ?? false };
  parseParties(body, out);
  parseContent(body, out);
  if (body.pushName !== undefined) out.pushName = text(body, 'pushName', 0, 256);
  if (body.id !== undefined) {
    if (typeof body.id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(body.id)) {
      throw new BadRequestError('id must be 1-64 letters, digits, dots, dashes or underscores', { field: 'id' });
    }
    out.id = body.id;
  }
  return out;
}

function parseParties(body: IncomingRequest, out: ParsedIncoming): void {
  if (out.fromMe) {
    if (body.from !== undefined) throw new BadRequestError("from must be absent when fromMe (the account's own phone sends)", { field: 'from' });
  } else {
    const from = phoneOf(body.from);
    if (!from) throw new BadRequestError('from must be a phone number (digits) or a @s.whatsapp.net JID', { field: 'from' });
    out.from = from;
  }
  if (body.group !== undefined) {
    const group = typeof body.group === 'string' ? body.group.replace(/@g\.us$/, '') : '';
    if (!/^\d{5,30}(-\d{5,15})?$/.test(group)) throw new BadRequestError('group must be a group id or …@g.us JID', { field: 'group' });
    out.group = `${group}@g.us`;
  }
  if (body.to !== undefined) {
    if (!out.fromMe || out.group) throw new BadRequestError('to applies to fromMe messages outside a group only', { field: 'to' });
    const to = phoneOf(body.to);
    if (!to) throw new BadRequestError('to must be a phone number (digits) or a @s.whatsapp.net JID', { field: 'to' });
    out.to = to;
  } else if (out.fromMe && !out.group) {
    throw new BadRequestError('a fromMe message needs to (the contact) or group', { field: 'to' });
  }
}

function parseContent(body: IncomingRequest, out: ParsedIncoming): void {
  const record = body as Record<string, unknown>;
  if (out.type === 'text' || out.type === 'edit') out.text = text(record, 'text', 1, MAX_TEXT);
  if (body.caption !== undefined) out.caption = text(record, 'caption', 0, MAX_TEXT);
  if (body.fileName !== undefined) out.fileName = text(record, 'fileName', 1, 255);
  if (body.mimetype !== undefined) out.mimetype = text(record, 'mimetype', 3, 255);
  const seconds = optionalInt(record, 'seconds', 0, 86_400);
  if (seconds !== undefined) out.seconds = seconds;
  if (FIELDS[out.type].includes('data')) out.media = mediaBytes(record);
  if (out.type === 'location') out.location = parseLocation(body.location);
  if (out.type === 'contact') out.contact = parseContact(body.contact);
  if (out.type === 'reaction' || out.type === 'edit' || out.type === 'revoke') out.targetId = text(record, 'targetId', 1, 128);
  if (out.type === 'reaction') out.emoji = text(record, 'emoji', 0, 32);
  if (body.replyTo !== undefined) out.replyTo = parseReplyTo(body.replyTo);
  if (body.mentions !== undefined) {
    const mentions = Array.isArray(body.mentions) ? body.mentions.map(phoneOf) : [undefined];
    if (mentions.length > 256 || mentions.some((phone) => phone === undefined)) {
      throw new BadRequestError('mentions must be an array of at most 256 phone numbers or JIDs', { field: 'mentions' });
    }
    out.mentions = mentions.map((phone) => `${phone}@s.whatsapp.net`);
  }
}

function mediaBytes(body: Record<string, unknown>): Buffer | number {
  if ((body.data === undefined) === (body.size === undefined)) throw new BadRequestError('media needs exactly one of data (base64) or size', { field: 'data' });
  if (body.size !== undefined) return optionalInt(body, 'size', 1, MAX_INCOMING_MEDIA) ?? 0;
  if (typeof body.data !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(body.data)) throw new BadRequestError('data must be base64', { field: 'data' });
  const bytes = Buffer.from(body.data, 'base64');
  if (bytes.length === 0 || bytes.length > MAX_INCOMING_MEDIA)
    throw new BadRequestError(`data must decode to 1 to ${MAX_INCOMING_MEDIA} bytes`, { field: 'data' });
  return bytes;
}

function parseLocation(raw: unknown): NonNullable<ParsedIncoming['location']> {
  const body = asField(raw, 'location');
  const latitude = body.latitude;
  const longitude = body.longitude;
  if (typeof latitude !== 'number' || !(latitude >= -90 && latitude <= 90))
    throw new BadRequestError('location.latitude must be a number from -90 to 90', { field: 'location.latitude' });
  if (typeof longitude !== 'number' || !(longitude >= -180 && longitude <= 180))
    throw new BadRequestError('location.longitude must be a number from -180 to 180', { field: 'location.longitude' });
  return {
    latitude,
    longitude,
    ...(body.name === undefined ? {} : { name: text(body, 'name', 0, 1024, 'location.name') }),
    ...(body.address === undefined ? {} : { address: text(body, 'address', 0, 1024, 'location.address') }),
  };
}

function parseContact(raw: unknown): NonNullable<ParsedIncoming['contact']> {
  const body = asField(raw, 'contact');
  const displayName = text(body, 'displayName', 1, 256, 'contact.displayName');
  if (body.vcard !== undefined) return { displayName, vcard: text(body, 'vcard', 1, MAX_TEXT, 'contact.vcard') };
  const phone = phoneOf(body.phone);
  if (!phone) throw new BadRequestError('contact needs vcard, or phone (digits) to make one', { field: 'contact.phone' });
  const vcard = `BEGIN:VCARD\nVERSION:3.0\nFN:${displayName}\nTEL;type=CELL;type=VOICE;waid=${phone}:+${phone}\nEND:VCARD`;
  return { displayName, vcard };
}

function parseReplyTo(raw: unknown): NonNullable<ParsedIncoming['replyTo']> {
  const body = asField(raw, 'replyTo');
  const out: NonNullable<ParsedIncoming['replyTo']> = { id: text(body, 'id', 1, 128, 'replyTo.id') };
  if (body.participant !== undefined) {
    const phone = phoneOf(body.participant);
    if (!phone) throw new BadRequestError('replyTo.participant must be a phone number or JID', { field: 'replyTo.participant' });
    out.participant = `${phone}@s.whatsapp.net`;
  }
  if (body.text !== undefined) out.text = text(body, 'text', 0, MAX_TEXT, 'replyTo.text');
  return out;
}

function asField(raw: unknown, field: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequestError(`${field} must be an object`, { field });
  return raw as Record<string, unknown>;
}

function text(body: Record<string, unknown>, key: string, min: number, max: number, field = key): string {
  const value = body[key];
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw new BadRequestError(`${field} must be a string of ${min === 0 ? 'at most' : `${min} to`} ${max} characters`, { field });
  }
  return value;
}
