// The library's layers, bottom to top (docs/architecture.md explains each). A file may import its own
// folder and the folders of lower layers, never a higher one. Inside an `ordered` layer it may also import
// the folders listed before its own; inside an `isolated` layer, none of its siblings. Either way no two
// folders can import each other: a folder cycle would need an import from an earlier folder to a later one.
export const LAYERS = [
  { layer: 'core', siblings: 'ordered', folders: ['errors', 'message', 'options', 'task'] },
  { layer: 'transport', siblings: 'isolated', folders: ['transport'] },
  {
    layer: 'features',
    siblings: 'ordered',
    folders: [
      'tracing',
      'routing',
      'dead-letters',
      'results',
      'delays',
      'revocation',
      'sending',
      'canvas',
      'decorators',
      'discovery',
      'pool',
      'events',
      'control',
      'beat',
    ],
  },
  { layer: 'runtime', siblings: 'isolated', folders: ['runtime'] },
  { layer: 'observability', siblings: 'isolated', folders: ['metrics', 'health'] },
  { layer: 'apis', siblings: 'isolated', folders: ['client', 'worker'] },
  // Tools built on the apis that the Nest wiring and the command line both serve.
  { layer: 'tools', siblings: 'isolated', folders: ['dashboard'] },
  { layer: 'nest', siblings: 'isolated', folders: ['module', 'cli', 'testing'] },
];

const SRC = 'packages/celeriac/src';
const FOLDERS = LAYERS.flatMap(({ folders }) => folders);

/** The folders a file in `folder` may import: its own, every lower layer's, and earlier ordered siblings. */
function importable(folder) {
  const allowed = [];
  for (const { siblings, folders } of LAYERS) {
    const index = folders.indexOf(folder);
    if (index === -1) {
      allowed.push(...folders);
      continue;
    }
    allowed.push(...(siblings === 'ordered' ? folders.slice(0, index + 1) : [folder]));
    return allowed;
  }
  throw new Error(`eslint.layers.mjs: no layer lists the folder "${folder}"`);
}

/** eslint-plugin-boundaries settings and rule for the layer order. */
export const layerRules = {
  files: [`${SRC}/**/*.ts`, 'packages/celeriac/spec-support/**/*.ts'],
  settings: {
    'boundaries/elements': [
      ...FOLDERS.map((folder) => ({ type: folder, pattern: `${SRC}/${folder}` })),
      { type: 'spec-support', pattern: 'packages/celeriac/spec-support' },
    ],
    'boundaries/files': [
      { category: 'spec', pattern: '**/*spec.ts' },
      { category: 'entry', pattern: `${SRC}/index.ts` },
    ],
  },
  rules: {
    // A file outside every listed folder (a new folder not yet placed in LAYERS) fails lint.
    'boundaries/no-unknown-files': 'error',
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        policies: [
          ...FOLDERS.map((folder) => ({
            from: { element: { type: folder } },
            allow: { to: { element: { types: { anyOf: importable(folder) } } } },
          })),
          // The public entry sits above every folder: it may import any of them, and nothing imports it.
          {
            from: { file: { categories: 'entry' } },
            allow: { to: { element: { types: { anyOf: FOLDERS } } } },
          },
          { disallow: { to: { file: { categories: 'entry' } } } },
          // Specs (and the spec helpers among themselves) may use the spec helpers; library code never.
          {
            from: { file: { categories: 'spec' } },
            allow: { to: { element: { type: 'spec-support' } } },
          },
          {
            from: { element: { type: 'spec-support' } },
            allow: { to: { element: { types: { anyOf: [...FOLDERS, 'spec-support'] } } } },
          },
        ],
      },
    ],
  },
};
