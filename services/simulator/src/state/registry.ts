/**
 * All simulator state, in memory: accounts by phone, devices by Noise key (login), simulated peers by
 * phone, pending registrations by QR ref. Every lookup on a hot path is a Map access.
 */
import { randomInt } from 'node:crypto';
import type { BinaryNode } from 'baileys';
import { Account, type DeviceRecord } from './account';
import { SimPeer } from '../signal/peer';
import type { DeviceKeyBundle } from '../signal/peer';
import type { CredsPool } from '@fleet/signal-crypto';
import { GroupRegistry } from './groups';
import type { LinkCodeRequest } from '../protocol/link-code';

export interface PendingRegistration {
  /** connection id of the socket waiting for a scan */
  connectionId: number;
  refs: string[];
  createdAt: number;
  noiseKey: string;
  identityKey: Buffer;
  keys: DeviceKeyBundle;
  /** true once a phone scanned one of the refs */
  scanned: boolean;
  /** the waiting socket */
  link: RegistrationLink;
  /** set when the companion asked to be linked by pairing code (companion_hello) */
  linkCode?: LinkCodeRequest;
}

/** The view of a registering socket that pairing needs. */
export interface RegistrationLink {
  send(node: BinaryNode): void;
  waitFor(id: string, timeoutMs: number): Promise<BinaryNode | undefined>;
  terminate(lastNode?: BinaryNode): void;
}

export class Registry {
  readonly accounts = new Map<string, Account>();
  readonly devicesByNoiseKey = new Map<string, { account: Account; device: DeviceRecord }>();
  readonly peers = new Map<string, SimPeer>();
  readonly pendingByRef = new Map<string, PendingRegistration>();
  readonly pending = new Set<PendingRegistration>();
  /** registrations waiting for a pairing code, by the phone that is to enter it (the latest per phone) */
  readonly linkCodes = new Map<string, PendingRegistration>();
  readonly groups = new GroupRegistry();

  constructor(
    private readonly sentCapacity: number,
    private readonly identities: CredsPool,
  ) {}

  account(phone: string): Account | undefined {
    return this.accounts.get(phone);
  }

  ensureAccount(phone: string): Account {
    let account = this.accounts.get(phone);
    if (!account) {
      account = new Account(phone, this.sentCapacity, String(100000000000000 + randomInt(0, 2 ** 47)));
      this.accounts.set(phone, account);
    }
    return account;
  }

  peer(phone: string): SimPeer {
    let peer = this.peers.get(phone);
    if (!peer) {
      peer = new SimPeer(phone, this.identities.take());
      this.peers.set(phone, peer);
    }
    return peer;
  }

  addDevice(account: Account, device: DeviceRecord): void {
    const previous = this.devicesByNoiseKey.get(device.noiseKey);
    if (previous) previous.account.devices.delete(previous.device.id);
    account.devices.set(device.id, device);
    this.devicesByNoiseKey.set(device.noiseKey, { account, device });
  }

  removeDevice(account: Account, deviceId: number): DeviceRecord | undefined {
    const device = account.devices.get(deviceId);
    if (!device) return undefined;
    account.devices.delete(deviceId);
    this.devicesByNoiseKey.delete(device.noiseKey);
    return device;
  }

  addPending(registration: PendingRegistration): void {
    this.pending.add(registration);
    for (const ref of registration.refs) this.pendingByRef.set(ref, registration);
  }

  removePending(registration: PendingRegistration): void {
    this.pending.delete(registration);
    for (const ref of registration.refs) this.pendingByRef.delete(ref);
    const phone = registration.linkCode?.phone;
    if (phone !== undefined && this.linkCodes.get(phone) === registration) this.linkCodes.delete(phone);
  }

  /** The companion of `registration` waits for a pairing code to be entered on `request.phone`. */
  setLinkCode(registration: PendingRegistration, request: LinkCodeRequest): void {
    const previous = registration.linkCode?.phone;
    if (previous !== undefined && this.linkCodes.get(previous) === registration) this.linkCodes.delete(previous);
    registration.linkCode = request;
    this.linkCodes.set(request.phone, registration);
  }
}
