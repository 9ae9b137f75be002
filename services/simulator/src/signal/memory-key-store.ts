/** A plain in-memory Signal key store (Baileys' SignalKeyStore shape); `null` deletes a key. */
import type { SignalDataSet, SignalDataTypeMap, SignalKeyStore } from 'baileys';

type TypeName = keyof SignalDataTypeMap;

export class MemoryKeyStore implements SignalKeyStore {
  private readonly data = new Map<TypeName, Map<string, unknown>>();

  get<T extends TypeName>(type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } {
    const bucket = this.data.get(type);
    const out: { [id: string]: SignalDataTypeMap[T] } = {};
    if (!bucket) return out;
    for (const id of ids) {
      const value = bucket.get(id);
      if (value !== undefined) out[id] = value as SignalDataTypeMap[T];
    }
    return out;
  }

  set(data: SignalDataSet): void {
    for (const type of Object.keys(data) as TypeName[]) {
      const entries = data[type];
      if (!entries) continue;
      let bucket = this.data.get(type);
      if (!bucket) {
        bucket = new Map();
        this.data.set(type, bucket);
      }
      for (const [id, value] of Object.entries(entries)) {
        if (value === null || value === undefined) bucket.delete(id);
        else bucket.set(id, value);
      }
    }
  }

  count(type: TypeName): number {
    return this.data.get(type)?.size ?? 0;
  }

  clear(): void {
    this.data.clear();
  }
}
