import { ParaphError } from '../errors';

/** Typed reading of a JSON body: each getter names the field it wanted when it is missing or wrong. */
export class JsonFields {
  constructor(
    private readonly value: Record<string, unknown>,
    private readonly path: string,
  ) {}

  static of(body: unknown, path = ''): JsonFields {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ParaphError('JSON_INVALID', `${path || 'The body'} must be a JSON object`);
    }
    return new JsonFields(body as Record<string, unknown>, path);
  }

  private name(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  string(key: string): string {
    const v = this.value[key];
    if (typeof v !== 'string' || v === '') throw new ParaphError('JSON_INVALID', `${this.name(key)} must be a non-empty string`);
    return v;
  }

  optionalString(key: string): string | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ParaphError('JSON_INVALID', `${this.name(key)} must be a string`);
    return v;
  }

  optionalStrings(key: string): string[] | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new ParaphError('JSON_INVALID', `${this.name(key)} must be an array of strings`);
    }
    return v as string[];
  }

  /** An optional array of objects, each read as JsonFields (`uploads[0]`, …). */
  optionalObjects(key: string): JsonFields[] | undefined {
    const v = this.value[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw new ParaphError('JSON_INVALID', `${this.name(key)} must be an array of objects`);
    return v.map((item, i) => JsonFields.of(item, `${this.name(key)}[${i}]`));
  }

  object(key: string): JsonFields {
    return JsonFields.of(this.value[key], this.name(key));
  }

  optionalObject(key: string): JsonFields | undefined {
    const v = this.value[key];
    return v === undefined || v === null ? undefined : JsonFields.of(v, this.name(key));
  }
}
