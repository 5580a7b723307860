#!/usr/bin/env node
// Written by hemi-sdk: runs the solc npm package (solcjs) behind native solc's command line.
'use strict';

const SOLC_MODULE = __SOLC_MODULE__;
const SOLC_VERSION = __SOLC_VERSION__;

const fs = require('fs');
const path = require('path');

const COMBINED_OUTPUTS = {
  'abi': ['abi'],
  'asm': ['evm.legacyAssembly'],
  'ast': null,
  'bin': ['evm.bytecode.object'],
  'bin-runtime': ['evm.deployedBytecode.object'],
  'devdoc': ['devdoc'],
  'function-debug': ['evm.bytecode.functionDebugData'],
  'function-debug-runtime': ['evm.deployedBytecode.functionDebugData'],
  'generated-sources': ['evm.bytecode.generatedSources'],
  'generated-sources-runtime': ['evm.deployedBytecode.generatedSources'],
  'hashes': ['evm.methodIdentifiers'],
  'metadata': ['metadata'],
  'opcodes': ['evm.bytecode.opcodes'],
  'srcmap': ['evm.bytecode.sourceMap'],
  'srcmap-runtime': ['evm.deployedBytecode.sourceMap'],
  'storage-layout': ['storageLayout'],
  'userdoc': ['userdoc'],
};

const VALUE_OPTIONS = new Set([
  'base-path', 'include-path', 'allow-paths', 'combined-json', 'optimize-runs', 'evm-version',
  'output-dir', 'metadata-hash', 'revert-strings',
]);
const FLAG_OPTIONS = new Set([
  'version', 'help', 'standard-json', 'optimize', 'overwrite', 'metadata-literal', 'via-ir', 'no-color',
  'color', 'pretty-json', 'ignore-missing',
]);

function fail(message) {
  process.stderr.write(message + '\n');
  process.exitCode = 1;
}

function parseArgs(argv) {
  const opts = { includePaths: [], allowPaths: [], positional: [], flags: new Set(), values: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-' || !arg.startsWith('--')) {
      opts.positional.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (FLAG_OPTIONS.has(name)) {
      opts.flags.add(name);
    } else if (VALUE_OPTIONS.has(name)) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new Error(`the argument for option '--${name}' should follow immediately after the option`);
        value = argv[++i];
      }
      if (name === 'include-path') opts.includePaths.push(value);
      else if (name === 'allow-paths') opts.allowPaths.push(...value.split(',').filter((p) => p !== ''));
      else opts.values[name] = value;
    } else {
      throw new Error(`unrecognised option '--${name}'`);
    }
  }
  return opts;
}

function isInside(child, parent) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

// Reads imported files from disk the way native solc does: base path first, then include paths, and only
// inside the base path, include paths, --allow-paths or the directories of files named on the command line.
function makeReader(opts, inputFiles) {
  const base = opts.values['base-path'] ? path.resolve(opts.values['base-path']) : process.cwd();
  const roots = [base, ...opts.includePaths.map((p) => path.resolve(p))];
  const allowed = [
    ...roots,
    ...opts.allowPaths.map((p) => path.resolve(p)),
    ...inputFiles.map((f) => path.dirname(path.resolve(f))),
  ];
  return function readImport(sourceUnitName) {
    const candidates = path.isAbsolute(sourceUnitName)
      ? [sourceUnitName]
      : roots.map((r) => path.join(r, sourceUnitName));
    const refused = [];
    for (const candidate of candidates) {
      const resolved = path.resolve(candidate);
      if (!allowed.some((dir) => isInside(resolved, dir))) {
        refused.push(resolved);
        continue;
      }
      try {
        if (fs.statSync(resolved).isFile()) return { contents: fs.readFileSync(resolved, 'utf8') };
      } catch (e) {
        // not there; try the next location
      }
    }
    if (refused.length > 0 && refused.length === candidates.length) {
      return { error: `File outside of allowed directories. The following are allowed: ${allowed.map((d) => `"${d}"`).join(', ')}.` };
    }
    return { error: `File not found. Searched the following locations: ${candidates.map((c) => `"${c}"`).join(', ')}.` };
  };
}

function loadCompiler() {
  return require(SOLC_MODULE);
}

function standardJson(opts) {
  if (opts.positional.length > 1) throw new Error('--standard-json takes at most one input file');
  const inputFile = opts.positional[0];
  const input = inputFile && inputFile !== '-' ? fs.readFileSync(inputFile, 'utf8') : fs.readFileSync(0, 'utf8');
  let output;
  try {
    output = loadCompiler().compile(input, { import: makeReader(opts, []) });
  } catch (e) {
    const message = String(e && e.stack ? e.stack : e);
    output = JSON.stringify({ errors: [{ component: 'general', formattedMessage: message, message, severity: 'error', type: 'InternalCompilerError' }] });
  }
  process.stdout.write(output + '\n');
}

function sourceUnitNameFor(file, opts) {
  const base = opts.values['base-path'] ? path.resolve(opts.values['base-path']) : process.cwd();
  const resolved = path.resolve(file);
  if (isInside(resolved, base)) return path.relative(base, resolved).split(path.sep).join('/');
  return resolved.split(path.sep).join('/');
}

function combinedJson(opts) {
  const requested = opts.values['combined-json'].split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of requested) {
    if (!(name in COMBINED_OUTPUTS)) throw new Error(`Invalid option to --combined-json: ${name}`);
  }
  const sources = {};
  const remappings = [];
  const inputFiles = [];
  for (const arg of opts.positional) {
    if (arg === '-') {
      sources['<stdin>'] = { content: fs.readFileSync(0, 'utf8') };
    } else if (arg.includes('=') && !fs.existsSync(arg)) {
      remappings.push(arg);
    } else {
      inputFiles.push(arg);
      sources[sourceUnitNameFor(arg, opts)] = { content: fs.readFileSync(arg, 'utf8') };
    }
  }
  if (Object.keys(sources).length === 0) throw new Error('No input files given. If you wish to use the standard input please specify "-" explicitly.');

  const selection = new Set();
  for (const name of requested) for (const key of COMBINED_OUTPUTS[name] || []) selection.add(key);
  const settings = {
    optimizer: { enabled: opts.flags.has('optimize'), runs: opts.values['optimize-runs'] ? Number(opts.values['optimize-runs']) : 200 },
    outputSelection: { '*': { '*': Array.from(selection), '': requested.includes('ast') ? ['ast'] : [] } },
  };
  if (remappings.length) settings.remappings = remappings;
  if (opts.values['evm-version']) settings.evmVersion = opts.values['evm-version'];
  if (opts.flags.has('via-ir')) settings.viaIR = true;
  const metadata = {};
  if (opts.values['metadata-hash']) metadata.bytecodeHash = opts.values['metadata-hash'];
  if (opts.flags.has('metadata-literal')) metadata.useLiteralContent = true;
  if (Object.keys(metadata).length) settings.metadata = metadata;
  if (opts.values['revert-strings']) settings.debug = { revertStrings: opts.values['revert-strings'] };

  const input = { language: 'Solidity', sources, settings };
  const out = JSON.parse(loadCompiler().compile(JSON.stringify(input), { import: makeReader(opts, inputFiles) }));
  let failed = false;
  for (const err of out.errors || []) {
    process.stderr.write((err.formattedMessage || err.message) + '\n');
    if (err.severity === 'error') failed = true;
  }
  if (failed) {
    process.exitCode = 1;
    return;
  }

  const get = (obj, dotted) => dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const result = { contracts: {}, sourceList: [], sources: {}, version: SOLC_VERSION };
  for (const [src, contracts] of Object.entries(out.contracts || {})) {
    for (const [name, data] of Object.entries(contracts)) {
      const entry = {};
      for (const key of requested) {
        if (key === 'ast') continue;
        entry[key] = get(data, COMBINED_OUTPUTS[key][0]);
      }
      result.contracts[`${src}:${name}`] = entry;
    }
  }
  const ordered = Object.entries(out.sources || {}).sort((a, b) => a[1].id - b[1].id);
  for (const [src, info] of ordered) {
    result.sourceList.push(src);
    result.sources[src] = requested.includes('ast') ? { AST: info.ast, id: info.id } : { id: info.id };
  }
  const text = JSON.stringify(result);
  if (opts.values['output-dir']) {
    const target = path.join(opts.values['output-dir'], 'combined.json');
    if (fs.existsSync(target) && !opts.flags.has('overwrite')) {
      fail(`Refusing to overwrite existing file "${target}" (use --overwrite to force).`);
      return;
    }
    fs.mkdirSync(opts.values['output-dir'], { recursive: true });
    fs.writeFileSync(target, text);
  } else {
    process.stdout.write(text + '\n');
  }
}

function help() {
  const lines = [
    'solc, the Solidity commandline compiler (solcjs ' + SOLC_VERSION + ' behind a hemi-sdk wrapper).',
    '',
    'Usage: solc [options] [input_file...]',
    '',
    'Supported options:',
    '  --version            Show the compiler version.',
    '  --standard-json      Read Standard JSON input from stdin (or one file) and print Standard JSON output.',
    '  --base-path path     Root of the source tree used to resolve imports.',
    '  --include-path path  Extra root searched for imports (repeatable).',
    '  --allow-paths path(s)',
    '                       Comma-separated directories imports may be read from.',
    '  --combined-json ' + Object.keys(COMBINED_OUTPUTS).join(','),
    '                       Output a single JSON document containing the specified information.',
    '  --optimize           Enable the optimizer.',
    '  --optimize-runs n    Optimizer runs parameter (default 200).',
    '  --evm-version v      Target EVM version.',
    '  --via-ir             Compile through the IR pipeline.',
    '  --metadata-hash h    Hash appended to the bytecode (ipfs, bzzr1, none).',
    '  --metadata-literal   Store source text literally in the metadata.',
    '  --output-dir dir     Write combined.json into dir instead of stdout.',
    '  --overwrite          Overwrite files in --output-dir.',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(e.message);
    return;
  }
  try {
    if (opts.flags.has('version')) {
      process.stdout.write('solc, the solidity compiler commandline interface\nVersion: ' + SOLC_VERSION + '\n');
    } else if (opts.flags.has('help')) {
      help();
    } else if (opts.flags.has('standard-json')) {
      standardJson(opts);
    } else if (opts.values['combined-json'] !== undefined) {
      combinedJson(opts);
    } else {
      fail('this solcjs wrapper supports --version, --help, --standard-json and --combined-json only');
    }
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
}

main();
