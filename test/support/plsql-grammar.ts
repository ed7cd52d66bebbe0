import {
  type ANTLRErrorListener,
  type CharStream,
  CharStreams,
  CommonTokenStream,
  type Token,
} from 'antlr4ts';
import { PredictionMode } from 'antlr4ts/atn/PredictionMode.js';
import { CaseChangingStream } from 'antlr4ts-sql/dist/src/models/CaseChangingStream.js';
import { PlSqlLexer } from 'antlr4ts-sql/dist/src/grammar-output/plsql/PlSqlLexer.js';
import { PlSqlParser } from 'antlr4ts-sql/dist/src/grammar-output/plsql/PlSqlParser.js';

/** One syntax error the PL/SQL grammar reported. */
export interface PlsqlSyntaxError {
  /** 1-based line. */
  readonly line: number;
  /** 0-based column in the line. */
  readonly column: number;
  /** ANTLR's message, without its list of every token it would have accepted. */
  readonly message: string;
  /** The SQL text at the error (up to 40 characters). */
  readonly near: string;
}

/**
 * Parses one SQL statement with the Oracle PL/SQL grammar of `antlr4ts-sql` (grammars-v4 PlSqlLexer /
 * PlSqlParser, entry rule `sql_script`: statements with optional `;`, then EOF) and returns its syntax
 * errors; empty means the grammar accepts it. The lexer only knows upper-case keywords, so input goes
 * through the package's `CaseChangingStream` (upper-casing what the lexer sees, not the text), as
 * `antlr4tsSQL.getTokens` does. Bind variables (`:1`) are the grammar's `bind_variable`. Errors are collected by a listener that replaces ANTLR's console
 * listener, so nothing is printed. Anything but exactly one statement is reported as an error too.
 */
export function plsqlSyntaxErrors(sql: string): PlsqlSyntaxError[] {
  // Two-stage parse, as ANTLR recommends: SLL prediction is several times faster on long IN lists
  // and never accepts invalid input, but may reject valid input; only then is full LL run, and its
  // errors are the answer.
  const fast = parse(sql, PredictionMode.SLL);
  return fast.length === 0 ? fast : parse(sql, PredictionMode.LL);
}

function parse(sql: string, mode: PredictionMode): PlsqlSyntaxError[] {
  const errors: PlsqlSyntaxError[] = [];
  const report = (offset: number | undefined, line: number, column: number, message: string): void => {
    const at = offset ?? offsetAt(sql, line, column);
    errors.push({ line, column, message: shorten(message), near: sql.slice(at, at + 40) });
  };
  const lexerListener: ANTLRErrorListener<number> = {
    syntaxError: (_recognizer, _symbol, line, column, message) => report(undefined, line, column, message),
  };
  const parserListener: ANTLRErrorListener<Token> = {
    syntaxError: (_recognizer, token, line, column, message) =>
      report(token?.startIndex, line, column, message),
  };

  const chars = new CaseChangingStream(CharStreams.fromString(sql), true) as unknown as CharStream;
  const lexer = new PlSqlLexer(chars);
  lexer.removeErrorListeners();
  lexer.addErrorListener(lexerListener);
  const parser = new PlSqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(parserListener);
  parser.interpreter.setPredictionMode(mode);
  const script = parser.sql_script();

  const statements = script.unit_statement().length + script.sql_plus_command().length;
  if (errors.length === 0 && statements !== 1) {
    errors.push({
      line: 1,
      column: 0,
      message: `expected one statement, found ${statements}`,
      near: sql.slice(0, 40),
    });
  }
  return errors;
}

/** `parse errors` as lines for an assertion message. */
export function formatPlsqlErrors(sql: string, errors: readonly PlsqlSyntaxError[]): string {
  return [sql, ...errors.map((e) => `  ${e.line}:${e.column} ${e.message} near "${e.near}"`)].join('\n');
}

function shorten(message: string): string {
  const cut = message.indexOf(' expecting {');
  return cut >= 0 && message.length > 200 ? `${message.slice(0, cut)} expecting one of many tokens` : message;
}

function offsetAt(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + column;
}
