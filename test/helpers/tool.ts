import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ToolResult {
  /** Exit status; 0 on success. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr, for assertions that do not care which stream a tool writes to. */
  readonly output: string;
}

/**
 * Runs an independent checker (openssl, xmlsec1, pdfsig, qpdf, xmllint…) without blocking the event
 * loop and without throwing on a non-zero exit: tests assert on the exit status and on the output,
 * which a failing test should print. Throws only when the tool cannot be started.
 */
export async function tool(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      ...options,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof failed.code !== 'number') throw error;
    const stdout = failed.stdout ?? '';
    const stderr = failed.stderr ?? failed.message;
    return { code: failed.code, stdout, stderr, output: stdout + stderr };
  }
}

/** The exclusive C14N of the first ds:SignatureValue of an XML file, as lxml (libxml2) computes it. */
export async function lxmlCanonicalSignatureValue(file: string): Promise<Buffer> {
  const script = [
    'import sys',
    'from lxml import etree',
    'doc = etree.parse(sys.argv[1], etree.XMLParser(huge_tree=True))',
    "node = doc.find('.//{http://www.w3.org/2000/09/xmldsig#}SignatureValue')",
    "sys.stdout.buffer.write(etree.tostring(node, method='c14n', exclusive=True))",
  ].join('\n');
  const { stdout } = await execFileAsync('/usr/bin/python3', ['-c', script, file], { encoding: 'buffer', maxBuffer: 1 << 20 });
  return stdout;
}
