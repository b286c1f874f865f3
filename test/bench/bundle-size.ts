import type { Bundle } from './bundling.ts';
import type { Figure } from './report.ts';

export const BUNDLE_LIMIT_BYTES = 500 * 1024;
const TOP_PACKAGES = 5;

export interface PackageShare {
  package: string;
  bytes: number;
  share: number;
  largestFolder: { folder: string; bytes: number };
}

const OWN_SOURCE = '(hms-sys source)';

/** An input's npm package (the innermost node_modules wins) and its folder inside the package. */
export function locate(inputPath: string): { package: string; folder: string } {
  const marker = 'node_modules/';
  const at = inputPath.lastIndexOf(marker);
  if (at < 0) return { package: OWN_SOURCE, folder: inputPath.split('/').slice(0, -1).join('/') || '.' };
  const parts = inputPath.slice(at + marker.length).split('/');
  const scoped = parts[0]?.startsWith('@') ?? false;
  const name = parts.slice(0, scoped ? 2 : 1).join('/');
  return { package: name, folder: parts.slice(scoped ? 2 : 1, -1).join('/') || '.' };
}

/**
 * The packages that contribute most bytes to a bundle, from esbuild's metafile, each with its
 * heaviest folder: that is usually where a bundle can be cut (a locale table, an unused client).
 */
export function topPackages(bundle: Bundle, count = TOP_PACKAGES): PackageShare[] {
  const packages = new Map<string, { bytes: number; folders: Map<string, number> }>();
  for (const [path, { bytesInOutput }] of Object.entries(bundle.inputs)) {
    const { package: name, folder } = locate(path);
    const entry = packages.get(name) ?? { bytes: 0, folders: new Map<string, number>() };
    entry.bytes += bytesInOutput;
    entry.folders.set(folder, (entry.folders.get(folder) ?? 0) + bytesInOutput);
    packages.set(name, entry);
  }
  return [...packages.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, count)
    .map(([name, { bytes, folders }]) => {
      const [folder = '.', folderBytes = 0] = [...folders.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
      return { package: name, bytes, share: Number((bytes / bundle.bytes).toFixed(3)), largestFolder: { folder, bytes: folderBytes } };
    });
}

export function bundleSizeFigures(handlers: Bundle[]): Figure[] {
  return handlers.map((bundle) => ({
    name: `bundle size: ${bundle.name}`,
    value: Number((bundle.bytes / 1024).toFixed(1)),
    unit: 'KB',
    target: { max: BUNDLE_LIMIT_BYTES / 1024, unit: 'KB' },
    details: { bytes: bundle.bytes, sourceMapBytes: bundle.sourceMapBytes, topPackages: topPackages(bundle) },
  }));
}

/** The per-handler "largest contributors" lines printed under the table. */
export function renderTopPackages(handlers: Bundle[]): string {
  const lines = ['largest contributors (esbuild metafile, bytes in the minified output):'];
  for (const bundle of handlers) {
    lines.push(`  ${bundle.name}:`);
    for (const p of topPackages(bundle)) {
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(7)} KB`;
      lines.push(
        `    ${p.package.padEnd(28)} ${kb(p.bytes)} ${(p.share * 100).toFixed(1).padStart(5)} %   heaviest folder: ${p.largestFolder.folder} ${kb(p.largestFolder.bytes).trim()}`,
      );
    }
  }
  return lines.join('\n');
}
