#!/usr/bin/env node
// Provides the mediasoup worker binary (the C++ media process behind live audio).
//
// mediasoup 3.8.4 is pinned because it is the last release that carries all of its C++
// dependencies inside the npm tarball, so it builds on a host that reaches only the npm
// registry and Debian apt. Its own postinstall (`make -C worker`) runs a bundled gyp that
// needs Python 2, so package.json denies that script (allowScripts: {"mediasoup": false})
// and the root postinstall runs this file instead. See docs/AUDIO-INSTALL.md.
//
// Order of business, first match wins:
//   1. TOWNHALL_SKIP_AUDIO_BUILD=1            do nothing
//   2. MEDIASOUP_WORKER_BIN=/path/to/worker    the operator brings a worker; mediasoup uses it
//   3. node_modules/mediasoup/worker/out/Release/mediasoup-worker exists for this version
//   4. a cached build for this mediasoup version, platform, arch and libc
//      (${TOWNHALL_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/townhall}/mediasoup-worker/<key>/)
//   5. build it: patch abseil for glibc >= 2.34, configure with the Python 3 gyp that ships
//      with npm's node-gyp, `make -j<cores>`, check that the worker starts, store it in the cache.
//
// Audio is optional: under `npm install` / `npm ci` (npm_lifecycle_event=postinstall) every
// failure is a warning and the exit code is 0. Run by hand (`npm run audio:worker`) a failure
// exits 1. Flags: --force (ignore the installed binary and the cache, rebuild), --no-cache.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants as fsConstants,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = new Set(process.argv.slice(2));
const FORCE = args.has('--force');
const USE_CACHE = !args.has('--no-cache');
const SOFT = process.env.npm_lifecycle_event === 'postinstall' || args.has('--soft');
const TAG = 'townhall/audio:';
const started = Date.now();

const log = (msg) => console.log(`${TAG} ${msg}`);
const warn = (msg) => console.warn(`${TAG} ${msg}`);

class MissingTools extends Error {
  constructor(missing) {
    super(`missing ${missing.join(', ')}`);
    this.missing = missing;
  }
}

function elapsed(ms = Date.now() - started) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function isExecutable(file) {
  try {
    accessSync(file, fsConstants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs a command quickly and returns its trimmed stdout, or null when it cannot run. */
function probe(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) return null;
  return `${r.stdout}${r.stderr}`.trim();
}

function findMediasoup() {
  try {
    const req = createRequire(join(root, 'package.json'));
    const pkgFile = req.resolve('mediasoup/package.json');
    return { dir: dirname(pkgFile), version: readJson(pkgFile)?.version };
  } catch {
    return null;
  }
}

function libcSuffix() {
  if (process.platform !== 'linux') return '';
  const header = process.report?.getReport?.().header;
  return header?.glibcVersionRuntime ? '' : '-musl';
}

function cacheDir() {
  if (process.env.TOWNHALL_CACHE_DIR) return resolve(process.env.TOWNHALL_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'townhall');
}

// ---------------------------------------------------------------------------------------------
// Tools: make, a C and a C++ compiler, Python 3 and the Python 3 gyp from npm's node-gyp.

function findPython() {
  const candidates = [process.env.PYTHON, process.env.npm_config_python, 'python3', 'python'].filter(Boolean);
  for (const cmd of candidates) {
    const out = probe(cmd, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    if (!out) continue;
    const [major, minor] = out.split('.').map(Number);
    if (major === 3 && minor >= 8) return { cmd, version: out };
  }
  return null;
}

/** The `gyp` folder of a node-gyp install (it holds gyp_main.py and pylib/gyp). */
function findGyp() {
  const candidates = [];
  if (process.env.TOWNHALL_GYP_DIR) candidates.push(process.env.TOWNHALL_GYP_DIR);
  // npm sets this for lifecycle scripts: <npm>/node_modules/node-gyp/bin/node-gyp.js
  if (process.env.npm_config_node_gyp) candidates.push(join(dirname(process.env.npm_config_node_gyp), '..', 'gyp'));
  // npm sets this too: <npm>/bin/npm-cli.js
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'gyp'));
  }
  // The npm that ships with this node: <prefix>/bin/node -> <prefix>/lib/node_modules/npm
  const prefix = join(dirname(process.execPath), '..');
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'gyp'));
  candidates.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'gyp'));
  candidates.push(join(root, 'node_modules', 'node-gyp', 'gyp'));
  for (const dir of candidates) {
    if (existsSync(join(dir, 'pylib', 'gyp', '__init__.py'))) return resolve(dir);
  }
  // Last resort: ask npm where global packages live.
  const globalRoot = probe(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['root', '-g']);
  if (globalRoot) {
    const dir = join(globalRoot.split('\n').pop(), 'npm', 'node_modules', 'node-gyp', 'gyp');
    if (existsSync(join(dir, 'pylib', 'gyp', '__init__.py'))) return dir;
  }
  return null;
}

function preflight() {
  const missing = [];
  const make = process.env.MAKE || (process.platform === 'freebsd' ? 'gmake' : 'make');
  if (!probe(make, ['--version'])) missing.push(make);
  const cxx = process.env.CXX || 'g++';
  const cxxVersion = probe(cxx, ['--version']);
  if (!cxxVersion) missing.push(cxx);
  // worker/scripts/configure.py asks `$CC` (default `cc`) for the compiler version.
  const cc = process.env.CC || 'cc';
  if (!probe(cc, ['--version'])) missing.push(cc === 'cc' ? 'cc (gcc)' : cc);
  const python = findPython();
  if (!python) missing.push('python3 (>= 3.8)');
  const gyp = findGyp();
  if (!gyp) missing.push("node-gyp's gyp (it ships with npm; set TOWNHALL_GYP_DIR=<node-gyp>/gyp)");
  if (missing.length) throw new MissingTools(missing);
  return { make, cxx, cxxVersion: cxxVersion.split('\n')[0], python, gyp };
}

// ---------------------------------------------------------------------------------------------
// Build steps.

const ABSEIL_FILE = 'deps/libwebrtc/deps/abseil-cpp/abseil-cpp/absl/debugging/failure_signal_handler.cc';

/** glibc >= 2.34 defines SIGSTKSZ as sysconf(_SC_SIGSTKSZ), a long, so std::max(SIGSTKSZ, 65536) has no match. */
function patchAbseil(workerDir) {
  const file = join(workerDir, ABSEIL_FILE);
  if (!existsSync(file)) {
    warn(`${ABSEIL_FILE} not found; building without the SIGSTKSZ patch`);
    return;
  }
  const src = readFileSync(file, 'utf8');
  if (src.includes('std::max<long>(SIGSTKSZ, 65536)')) return log('abseil SIGSTKSZ patch already applied');
  if (!src.includes('std::max(SIGSTKSZ, 65536)')) return warn('abseil source changed; SIGSTKSZ patch not applied');
  writeFileSync(file, src.replace('std::max(SIGSTKSZ, 65536)', 'std::max<long>(SIGSTKSZ, 65536)'));
  log('patched abseil failure_signal_handler.cc (SIGSTKSZ is not a constant on glibc >= 2.34)');
}

// Runs worker/scripts/configure.py with node-gyp's Python 3 gyp: importing that gyp first makes
// configure.py's own `import gyp` (which would find the Python 2 copy in worker/deps/gyp) reuse it.
const GYP_BOOTSTRAP = [
  'import os, runpy, sys',
  'sys.path.insert(0, os.path.join(os.environ["TOWNHALL_GYP_DIR"], "pylib"))',
  'import gyp',
  'print("using gyp from " + os.path.dirname(gyp.__file__))',
  'script = sys.argv[1]',
  'sys.argv = sys.argv[1:]',
  'runpy.run_path(script, run_name="__main__")',
].join('\n');

/** Spawns a command, sends its output to the log file, returns the exit code; onLine sees each line. */
function run(cmd, cmdArgs, { cwd, env, logStream, onLine }) {
  return new Promise((resolvePromise) => {
    const shown = cmdArgs.map((a) => (a === GYP_BOOTSTRAP ? '<gyp bootstrap, see build-worker.mjs>' : a));
    logStream.write(`\n$ ${cmd} ${shown.join(' ')}\n`);
    const child = spawn(cmd, cmdArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const feed = (chunk) => {
      logStream.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) onLine?.(line);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (err) => {
      logStream.write(`${err.message}\n`);
      resolvePromise(127);
    });
    child.on('close', (code) => {
      if (pending) onLine?.(pending);
      resolvePromise(code ?? 1);
    });
  });
}

/** Counts the object files the gyp-generated makefiles will compile (for the progress line). */
function countObjects(outDir) {
  let total = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'Release' && entry.name !== 'Debug') walk(p);
      } else if (entry.name.endsWith('.mk')) {
        total += readFileSync(p, 'utf8')
          .split('\n')
          .filter((l) => /^\s+\$\(obj\)\.\w+\/.*\.o( \\)?$/.test(l)).length;
      }
    }
  };
  walk(outDir);
  return total;
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function build(ms, tools) {
  const workerDir = join(ms.dir, 'worker');
  const outDir = join(workerDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const logFile = join(outDir, 'townhall-build.log');
  const logStream = createWriteStream(logFile);
  const jobs = Math.max(1, Number(process.env.MEDIASOUP_BUILD_JOBS) || availableParallelism());
  const env = { ...process.env, TOWNHALL_GYP_DIR: tools.gyp, PYTHONDONTWRITEBYTECODE: '1' };
  delete env.MAKEFLAGS;
  delete env.MFLAGS;

  log(`building mediasoup-worker ${ms.version} from source with ${jobs} job(s); this takes a few minutes`);
  log(`  ${tools.cxxVersion}; Python ${tools.python.version} (${tools.python.cmd}); gyp from ${tools.gyp}`);
  log(`  full log: ${logFile}`);
  patchAbseil(workerDir);

  let code = await run(tools.python.cmd, ['-c', GYP_BOOTSTRAP, join(workerDir, 'scripts', 'configure.py'), '-R', 'mediasoup-worker'], { cwd: workerDir, env, logStream });
  if (code !== 0) {
    await new Promise((r) => logStream.end(r));
    throw new Error(`gyp configure failed (exit ${code}); last lines of ${logFile}:\n${tail(logFile, 25)}`);
  }

  const total = countObjects(outDir);
  log(`configured; compiling ${total || 'the'} source files`);
  let compiled = 0;
  let lastDecile = 0;
  let lastPrint = Date.now();
  const onLine = (line) => {
    if (/^\s*(CC|CXX)\(target\)/.test(line)) {
      compiled += 1;
      const pct = total ? Math.floor((compiled / total) * 100) : 0;
      const now = Date.now();
      if ((total && Math.floor(pct / 10) > lastDecile) || now - lastPrint > 60_000) {
        lastDecile = Math.floor(pct / 10);
        lastPrint = now;
        log(`  compiled ${compiled}${total ? `/${total} (${pct}%)` : ''} after ${elapsed()}`);
      }
    } else if (/^\s*LINK\(target\).*mediasoup-worker$/.test(line)) {
      log('  linking mediasoup-worker');
    }
  };
  code = await run(tools.make, [`-j${jobs}`, 'BUILDTYPE=Release', '-C', 'out'], { cwd: workerDir, env, logStream, onLine });
  await new Promise((r) => logStream.end(r));
  if (code !== 0) {
    const errors = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => /error|Error|fatal/.test(l))
      .slice(0, 15)
      .join('\n');
    throw new Error(`make failed (exit ${code}). First errors:\n${errors}\nLast lines of ${logFile}:\n${tail(logFile, 15)}`);
  }
  const bin = join(outDir, 'Release', 'mediasoup-worker');
  if (!existsSync(bin)) throw new Error(`make succeeded but ${bin} is missing; see ${logFile}`);
  // Objects and static libraries are only needed for an incremental rebuild; the cache covers that.
  const releaseDir = join(outDir, 'Release');
  for (const entry of readdirSync(releaseDir)) {
    if (entry === 'obj.target' || entry === '.deps' || entry.endsWith('.a')) {
      rmSync(join(releaseDir, entry), { recursive: true, force: true });
    }
  }
  log(`built ${bin} in ${elapsed()}`);
  return bin;
}

/** Starts the worker through mediasoup itself and creates a router: proof the binary runs here. */
function verify(ms) {
  const code = `
    const ms = require(process.env.TOWNHALL_MS_DIR);
    const timer = setTimeout(() => { console.error('worker did not start within 15s'); process.exit(1); }, 15000);
    ms.createWorker({ logLevel: 'error' })
      .then(async (w) => {
        await w.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
        w.close();
        clearTimeout(timer);
      })
      .catch((e) => { console.error(e && e.message); process.exit(1); });`;
  const env = { ...process.env, TOWNHALL_MS_DIR: ms.dir };
  delete env.MEDIASOUP_WORKER_BIN;
  delete env.MEDIASOUP_BUILDTYPE;
  const r = spawnSync(process.execPath, ['-e', code], { env, encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return null;
  return (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim();
}

function writeStamp(bin, meta) {
  try {
    writeFileSync(join(dirname(bin), 'townhall-worker.json'), `${JSON.stringify(meta, null, 2)}\n`);
  } catch {
    /* the stamp only speeds up the next run */
  }
}

function storeInCache(entryDir, bin, meta) {
  try {
    mkdirSync(entryDir, { recursive: true });
    const tmp = join(entryDir, `.mediasoup-worker.${process.pid}.tmp`);
    copyFileSync(bin, tmp);
    chmodSync(tmp, 0o755);
    renameSync(tmp, join(entryDir, 'mediasoup-worker'));
    writeFileSync(join(entryDir, 'build.json'), `${JSON.stringify(meta, null, 2)}\n`);
    log(`cached the worker in ${entryDir}`);
  } catch (err) {
    warn(`could not write the cache (${err.message}); the next install will build again`);
  }
}

/** Copies a cached worker into node_modules; returns true when it is there and runs. */
function restoreFromCache(ms, entryDir, bin) {
  const cached = join(entryDir, 'mediasoup-worker');
  const meta = readJson(join(entryDir, 'build.json'));
  if (!existsSync(cached) || !meta) return false;
  if (meta.mediasoupVersion !== ms.version || sha256(cached) !== meta.sha256) {
    warn(`ignoring the cached worker in ${entryDir}: it does not match its build.json`);
    return false;
  }
  mkdirSync(dirname(bin), { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  copyFileSync(cached, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin);
  const problem = verify(ms);
  if (problem) {
    warn(`the cached worker does not start here (${problem}); discarding it and building`);
    rmSync(bin, { force: true });
    rmSync(entryDir, { recursive: true, force: true });
    return false;
  }
  writeStamp(bin, { ...meta, source: `cache ${entryDir}` });
  log(`restored mediasoup-worker ${ms.version} from ${entryDir} in ${elapsed()}`);
  return true;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (process.env.TOWNHALL_SKIP_AUDIO_BUILD === '1') {
    log('TOWNHALL_SKIP_AUDIO_BUILD=1: not providing a mediasoup worker (live audio stays off)');
    return 0;
  }
  if (process.env.MEDIASOUP_WORKER_BIN) {
    const own = process.env.MEDIASOUP_WORKER_BIN;
    if (isExecutable(own)) {
      log(`MEDIASOUP_WORKER_BIN is set; mediasoup will run ${own} (nothing to build)`);
      return 0;
    }
    const err = new Error(`MEDIASOUP_WORKER_BIN=${own} is not an executable file`);
    err.hint = '  Point it at a mediasoup-worker built for mediasoup 3.8.4, or unset it to let this script provide one.';
    throw err;
  }

  const ms = findMediasoup();
  if (!ms) {
    log('mediasoup is not installed here; skipping the audio worker');
    return 0;
  }
  const workerDir = join(ms.dir, 'worker');
  if (!existsSync(join(workerDir, 'deps', 'gyp')) || !existsSync(join(workerDir, 'scripts', 'configure.py'))) {
    log(`mediasoup ${ms.version} does not use the gyp build this script drives (>= 3.9 fetches or builds its own worker); nothing to do`);
    return 0;
  }
  if (process.platform === 'win32') {
    throw new Error('building the worker on Windows needs MSVC and is not scripted; set MEDIASOUP_WORKER_BIN to a mediasoup-worker.exe');
  }

  const bin = join(workerDir, 'out', 'Release', 'mediasoup-worker');
  const key = `${ms.version}-${process.platform}-${process.arch}${libcSuffix()}`;
  const entryDir = join(cacheDir(), 'mediasoup-worker', key);

  if (!FORCE && isExecutable(bin)) {
    const stamp = readJson(join(dirname(bin), 'townhall-worker.json'));
    if (stamp?.mediasoupVersion === ms.version) {
      log(`mediasoup-worker ${ms.version} is already in place (${bin})`);
      return 0;
    }
    // Built by someone else (mediasoup's own postinstall, a manual make): keep it if it runs.
    const problem = verify(ms);
    if (!problem) {
      const meta = { mediasoupVersion: ms.version, key, sha256: sha256(bin), source: 'found in node_modules' };
      writeStamp(bin, meta);
      if (USE_CACHE && !existsSync(join(entryDir, 'mediasoup-worker'))) storeInCache(entryDir, bin, meta);
      log(`mediasoup-worker ${ms.version} is already in place (${bin})`);
      return 0;
    }
    warn(`the existing ${bin} does not start (${problem}); rebuilding`);
  }

  if (!FORCE && USE_CACHE && restoreFromCache(ms, entryDir, bin)) return 0;

  const tools = preflight();
  const built = await build(ms, tools);
  const problem = verify(ms);
  if (problem) throw new Error(`the freshly built worker does not start: ${problem}`);
  const meta = {
    mediasoupVersion: ms.version,
    key,
    sha256: sha256(built),
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 1000),
    compiler: tools.cxxVersion,
    glibc: process.report?.getReport?.().header?.glibcVersionRuntime ?? null,
    node: process.version,
  };
  writeStamp(built, { ...meta, source: 'built here' });
  if (USE_CACHE) storeInCache(entryDir, built, meta);
  log(`mediasoup-worker ${ms.version} is ready (${elapsed()} in total). Check it: npm run audio:smoke`);
  return 0;
}

function explain(err) {
  const lines = [`could not provide the mediasoup worker: ${err.message}`];
  if (err instanceof MissingTools) {
    lines.push(
      '  The worker is C++ and is compiled once per machine (then cached). It needs make, g++ and python3:',
      '    Debian/Ubuntu: sudo apt-get install -y --no-install-recommends g++ make python3',
      '  then run: npm run audio:worker   (same as: node scripts/mediasoup/build-worker.mjs)',
    );
  } else {
    lines.push(err.hint ?? '  Retry with: npm run audio:worker -- --force');
  }
  if (!err.hint) lines.push('  Or bring your own worker binary for this mediasoup version: MEDIASOUP_WORKER_BIN=/path/to/mediasoup-worker');
  lines.push('  Every other townhall feature works without it; only live audio is unavailable. See docs/AUDIO-INSTALL.md.');
  return lines.join('\n');
}

main().then(
  (code) => process.exit(code),
  (err) => {
    warn(explain(err));
    if (SOFT) warn('continuing the install without audio (exit 0)');
    process.exit(SOFT ? 0 : 1);
  },
);
