import { readFile } from 'node:fs/promises';

/** A V8 `.cpuprofile` (what `node --cpu-prof` writes), the parts read here. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly hitCount?: number;
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly seconds: number;
  /** Self time by frame (`function file:line`), highest first, share of all samples. */
  readonly topFrames: readonly { readonly frame: string; readonly share: number }[];
  /** Self time by where the code lives: an npm package, a dbtwin source file, node internals, GC, idle. */
  readonly byOrigin: readonly { readonly origin: string; readonly share: number }[];
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function originOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `dbtwin ${url.slice(dist + '/dist/'.length)}`;
  return url;
}

/** Self-time summary of a profile: sample counts per node, attributed to its frame. */
export async function summariseProfile(file: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  if (profile.samples) for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  const total = [...hits.values()].reduce((a, b) => a + b, 0) || 1;
  const frames = new Map<string, number>();
  const origins = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const frame =
      `${functionName || '(anonymous)'} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ''}`.trim();
    frames.set(frame, (frames.get(frame) ?? 0) + count);
    const origin = originOf(url, functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + count);
  }
  const ranked = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    seconds: (profile.endTime - profile.startTime) / 1e6,
    topFrames: ranked(frames)
      .slice(0, top)
      .map(([frame, n]) => ({ frame, share: n / total })),
    byOrigin: ranked(origins)
      .slice(0, top)
      .map(([origin, n]) => ({ origin, share: n / total })),
  };
}
