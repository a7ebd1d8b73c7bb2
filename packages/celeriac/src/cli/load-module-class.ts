import type { Type } from '@nestjs/common';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Imports `file#export` (the file relative to the working directory, `#export` defaulting to the
 * default export) and returns the class it names.
 *
 * @throws Error naming the file and the exports it has when the file or the export is not there
 */
export async function loadModuleClass(spec: string): Promise<Type> {
  const hash = spec.lastIndexOf('#');
  const file = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 ? 'default' : spec.slice(hash + 1);
  if (file === '' || exportName === '') {
    throw new Error(
      `--module ${JSON.stringify(spec)}: expected <file>#<export>, e.g. ./dist/worker.module.js#WorkerModule.`,
    );
  }
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot load ${path}: ${reason}`, { cause: err });
  }
  const value = namespace[exportName];
  if (typeof value !== 'function') {
    const names = Object.keys(namespace).join(', ') || 'none';
    throw new Error(`${path} has no class exported as "${exportName}" (its exports: ${names}).`);
  }
  return value as Type;
}
