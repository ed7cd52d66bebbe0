import type { JsonScalar } from '../core/value-json.js';
import type { DecimalValue, Value } from '../core/values.js';
import { DbtwinError } from '../core/dbtwin-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { ColumnInfo, TypeCodec } from '../engines/dialect.js';
import { parseDecimal } from '../engines/numeric-text.js';

/** A value in dbtwin's JSON form (`valueToJson`), or a decimal parsed exactly from an operator's text. */
export type JsonInput = JsonScalar | DecimalValue;

/**
 * A value of the ledger's JSON form (or the operator's) as the side's codec reads it from the database:
 * encoded for the column (so a value the column cannot hold fails here, naming the column), then
 * decoded. Bytes and bit strings are hex in that form (`valueToJson`), so they are read as hex.
 */
export function valueFromJson(codec: TypeCodec, column: ColumnInfo, json: JsonInput): Value {
  const probe = tryRetyped(codec, column, '0');
  const hexText = typeof json === 'string' ? json : undefined;
  if (probe instanceof Uint8Array || (typeof probe === 'object' && probe?.type === 'bits')) {
    if (hexText !== undefined) {
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(hexText)) {
        throw new DbtwinError(
          ErrorCode.ValueDoesNotFit,
          `${column.name}: ${JSON.stringify(hexText.slice(0, 60))} is not hex bytes (${column.columnType} values are written as hex, as dbtwin conflicts list --json shows them)`,
        );
      }
      const bytes = Buffer.from(hexText, 'hex');
      return probe instanceof Uint8Array
        ? retyped(codec, column, bytes)
        : retyped(codec, column, { type: 'bits', bytes, length: column.length ?? bytes.length * 8 });
    }
  }
  return retyped(codec, column, typeof json === 'number' ? numberValue(json) : json);
}

function numberValue(n: number): Value {
  return Number.isInteger(n) || !Number.isFinite(n) ? n : (parseDecimal(String(n)) ?? n);
}

/** The value as the side's database would return it for the column; throws ValueDoesNotFit naming it. */
export function retyped(codec: TypeCodec, column: ColumnInfo, value: Value): Value {
  return codec.decode(codec.encode(value, column), column);
}

function tryRetyped(codec: TypeCodec, column: ColumnInfo, value: Value): Value | undefined {
  try {
    return retyped(codec, column, value);
  } catch {
    return undefined;
  }
}
