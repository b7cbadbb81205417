// Finds a Firestore emulator firebase-tools can start offline: its own download, else the Cloud SDK's behind a launcher jar.
// @ts-check
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const launcherDir = join(repoRoot, ".emulator-launcher");
// The gcloud jar has no Main-Class; this is the class its own `cloud_firestore_emulator` script runs.
const MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
/** firebase-tools 15 refuses to start the emulators on Java below 21 (its MIN_SUPPORTED_JAVA_MAJOR_VERSION). */
export const MIN_JAVA = 21;
/** Where Debian's JDK packages (and the Temurin ones) install, one folder each. */
const JVM_DIR = "/usr/lib/jvm";
const SDK_SUBPATH = join("platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");

const INSTALL_HINT =
  `install Java ${MIN_JAVA}+ (Debian 13: \`apt-get install openjdk-21-jre-headless\`; or any JDK ${MIN_JAVA}+ under ${JVM_DIR}, or set JAVA_HOME) ` +
  "and the Cloud SDK's Firestore emulator (`apt-get install google-cloud-cli-firestore-emulator` from Google's Cloud SDK " +
  "apt repository), or, with internet, let firebase-tools download its own on first start";

/**
 * The environment variables to add when running `firebase emulators:*` so that they start here without a download: a
 * Java of 21 or later first on PATH (JAVA_HOME when set, else the newest such JDK under /usr/lib/jvm, else `java` on
 * PATH), and the Cloud SDK's Firestore emulator when firebase-tools has not downloaded its own.
 * Throws an Error saying what to install when no emulator can run here.
 * @returns {Record<string, string>}
 */
export function emulatorEnv() {
  const java = findJava();
  /** @type {Record<string, string>} */
  const javaEnv = {};
  if (java.home) Object.assign(javaEnv, { JAVA_HOME: java.home, PATH: `${join(java.home, "bin")}${delimiter}${process.env.PATH ?? ""}` });
  const override = process.env.FIRESTORE_EMULATOR_BINARY_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`FIRESTORE_EMULATOR_BINARY_PATH=${override} does not exist; unset it or point it at a jar`);
    return javaEnv;
  }
  if (firebaseToolsJar()) return javaEnv;

  const sdkJar = findCloudSdkJar();
  if (!sdkJar)
    throw new Error(
      `no Firestore emulator: firebase-tools has not downloaded its own and the Cloud SDK's is not installed; ${INSTALL_HINT}`,
    );
  return { ...javaEnv, FIRESTORE_EMULATOR_BINARY_PATH: ensureLauncherJar(sdkJar) };
}

/**
 * Whether the emulator suites can run on this machine, and if not, why (for one loud line).
 * @returns {{ ok: true } | { ok: false, reason: string }}
 */
export function emulatorsAvailable() {
  try {
    emulatorEnv();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The Java the emulators run on: JAVA_HOME when set (refused when older than 21, since it is what the user chose),
 * else the newest JDK of 21 or later under /usr/lib/jvm, else `java` on PATH. `home` is absent for the last.
 * @returns {{ home?: string, version: number }}
 */
export function findJava() {
  const javaHome = process.env.JAVA_HOME?.trim();
  if (javaHome) {
    const version = javaMajorVersion(join(javaHome, "bin", "java"));
    if (version === undefined) throw new Error(`no Java at JAVA_HOME=${javaHome} (no working bin/java); ${INSTALL_HINT}`);
    if (version < MIN_JAVA)
      throw new Error(
        `JAVA_HOME=${javaHome} is Java ${version}; firebase-tools needs ${MIN_JAVA}+: point JAVA_HOME at a newer JDK, or unset it`,
      );
    return { home: javaHome, version };
  }
  const installed = safeReaddir(JVM_DIR)
    .map((name) => join(JVM_DIR, name))
    .map((home) => ({ home, version: releaseVersion(home) }))
    .filter(/** @returns {j is { home: string, version: number }} */ (j) => j.version !== undefined && j.version >= MIN_JAVA)
    .sort((a, b) => b.version - a.version);
  if (installed[0]) return installed[0];
  const onPath = javaMajorVersion("java");
  if (onPath === undefined)
    throw new Error(`no Firestore emulator: no Java ${MIN_JAVA}+ (none on PATH, none under ${JVM_DIR}); ${INSTALL_HINT}`);
  if (onPath < MIN_JAVA)
    throw new Error(
      `no Firestore emulator: \`java\` on PATH is Java ${onPath} and none of ${MIN_JAVA}+ is under ${JVM_DIR}; ${INSTALL_HINT}`,
    );
  return { version: onPath };
}

/** A JDK folder's major version from its `release` file (no process started), if it has a runnable bin/java. */
/** @param {string} home @returns {number | undefined} */
function releaseVersion(home) {
  if (!existsSync(join(home, "bin", "java"))) return undefined;
  try {
    const match = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(readFileSync(join(home, "release"), "utf8"));
    if (!match) return undefined;
    const first = Number(match[1]);
    return first === 1 ? Number(match[2] ?? 0) : first;
  } catch {
    return undefined;
  }
}

/** @param {string} java the command or path @returns {number | undefined} */
function javaMajorVersion(java) {
  const run = spawnSync(java, ["-version"], { encoding: "utf8", timeout: 30_000 });
  if (run.error || run.status !== 0) return undefined;
  // `openjdk version "17.0.15"`, `java version "1.8.0_392"`, `openjdk version "21"`
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${run.stderr}${run.stdout}`);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2] ?? 0) : first;
}

/** The jar firebase-tools would use itself: the exact version it pins, in its cache folder. */
function firebaseToolsJar() {
  const cacheDir = process.env.FIREBASE_EMULATORS_PATH || join(homedir(), ".cache", "firebase", "emulators");
  const version = pinnedFirestoreVersion();
  if (version) {
    const jar = join(cacheDir, `cloud-firestore-emulator-v${version}.jar`);
    return existsSync(jar) ? jar : undefined;
  }
  // Could not read the pin: any cached version is a better guess than a download.
  const found = safeReaddir(cacheDir).find((name) => /^cloud-firestore-emulator-v.+\.jar$/.test(name));
  return found ? join(cacheDir, found) : undefined;
}

function pinnedFirestoreVersion() {
  const source = join(repoRoot, "node_modules", "firebase-tools", "lib", "emulator", "downloadableEmulators.js");
  try {
    return /firestore:\s*{\s*version:\s*"([^"]+)"/.exec(readFileSync(source, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

function findCloudSdkJar() {
  const dpkg = spawnSync("dpkg", ["-L", "google-cloud-cli-firestore-emulator"], { encoding: "utf8", timeout: 30_000 });
  if (!dpkg.error && dpkg.status === 0) {
    const listed = dpkg.stdout.split("\n").find((line) => line.endsWith("/cloud-firestore-emulator.jar") && existsSync(line));
    if (listed) return listed;
  }
  const roots = [
    process.env.CLOUDSDK_ROOT_DIR,
    "/usr/lib/google-cloud-sdk",
    "/usr/share/google-cloud-sdk",
    "/opt/google-cloud-sdk",
    "/snap/google-cloud-cli/current",
    join(homedir(), "google-cloud-sdk"),
  ];
  const known = roots.flatMap((root) => (root ? [join(root, SDK_SUBPATH)] : [])).find((path) => existsSync(path));
  if (known) return known;
  // Last, as it takes a second or two: a Cloud SDK installed somewhere else, with gcloud on PATH.
  const gcloud = spawnSync("gcloud", ["info", "--format=value(installation.sdk_root)"], { encoding: "utf8", timeout: 60_000 });
  const sdkRoot = !gcloud.error && gcloud.status === 0 ? gcloud.stdout.trim() : "";
  return sdkRoot && existsSync(join(sdkRoot, SDK_SUBPATH)) ? join(sdkRoot, SDK_SUBPATH) : undefined;
}

/** Builds the launcher once per SDK jar location; the name carries a hash of that location, so a moved SDK gets a new one. */
/** @param {string} sdkJar @returns {string} */
function ensureLauncherJar(sdkJar) {
  const key = createHash("sha256").update(`${MAIN_CLASS} ${sdkJar}`).digest("hex").slice(0, 12);
  const jarPath = join(launcherDir, `firestore-launcher-${key}.jar`);
  if (existsSync(jarPath)) return jarPath;
  mkdirSync(launcherDir, { recursive: true });
  const manifest = manifestText({
    "Manifest-Version": "1.0",
    "Main-Class": MAIN_CLASS,
    "Class-Path": pathToFileURL(sdkJar).href,
    "Created-By": "llm-agent-executor scripts/emulator-env.mjs",
  });
  // Written in Node rather than with the JDK's `jar` tool: a JRE-only machine (CI's default-jre-headless) has no `jar`.
  const temp = `${jarPath}.${process.pid}.tmp`;
  writeFileSync(
    temp,
    zipStored([
      { name: "META-INF/", data: Buffer.alloc(0) },
      { name: "META-INF/MANIFEST.MF", data: Buffer.from(manifest, "utf8") },
    ]),
  );
  // Rename is atomic: two test runs starting at once never see a half-written jar.
  renameSync(temp, jarPath);
  return jarPath;
}

/** A JAR manifest: each line at most 72 bytes, continued on the next line after one space. */
/** @param {Record<string, string>} attributes */
function manifestText(attributes) {
  return `${Object.entries(attributes)
    .map(([name, value]) => wrapManifestLine(`${name}: ${value}`))
    .join("\r\n")}\r\n\r\n`;
}

/** @param {string} text */
function wrapManifestLine(text) {
  const bytes = Buffer.from(text, "utf8");
  const lines = [];
  let start = 0;
  let width = 72;
  while (bytes.length - start > width) {
    let cut = start + width;
    while (((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1; // never split a UTF-8 character
    lines.push(bytes.subarray(start, cut).toString("utf8"));
    start = cut;
    width = 71; // the leading space counts
  }
  lines.push(bytes.subarray(start).toString("utf8"));
  return lines.join("\r\n ");
}

/**
 * A minimal ZIP archive of uncompressed entries: all a manifest-only jar needs.
 * @param {Array<{ name: string, data: Buffer }>} entries
 */
function zipStored(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const dosTime = 0; // 00:00:00
  const dosDate = (1 << 5) | 1; // 1980-01-01, so the bytes never depend on the clock
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed: 1.0
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralBytes = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralBytes, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** @param {Buffer} bytes */
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = /** @type {number} */ (CRC_TABLE[(c ^ byte) & 0xff]) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {string} dir */
function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

// `node scripts/emulator-env.mjs` prints what it found: a quick check of a machine. `--java` checks Java alone.
// `--shell` prints the variables as `export` lines, for a shell that then runs the plain Firebase CLI offline:
//   eval "$(node scripts/emulator-env.mjs --shell)"
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const describeJava = () => {
    const java = findJava();
    return `Java ${java.version}${java.home ? ` at ${java.home}` : " on PATH"}`;
  };
  try {
    if (process.argv.includes("--java")) console.log(describeJava());
    else if (process.argv.includes("--shell"))
      for (const [name, value] of Object.entries(emulatorEnv())) console.log(`export ${name}='${value.replaceAll("'", `'\\''`)}'`);
    else {
      const found = emulatorEnv();
      console.log(describeJava(), Object.keys(found).length ? found : "(nothing to add: the emulators start as they are)");
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
