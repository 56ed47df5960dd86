/**
 * Gemini's Files API, as `@google/genai`'s `ai.files` calls it: a resumable upload, then get, list
 * and delete under `/v1beta/files`. An app that uploads a document and asks about it failed at
 * `files.upload` with 404; now the file exists, and a `fileData` part naming one that does not (or
 * no longer does) gets the API's 403, as it would.
 *
 * The upload is the resumable protocol the SDK speaks: `POST /upload/v1beta/files` with
 * `X-Goog-Upload-Protocol: resumable` and `-Command: start` and the file's metadata as JSON; the
 * answer's `X-Goog-Upload-URL` names an upload session; the bytes go there in chunks (8 MiB from
 * the SDK), each `upload` at its `X-Goog-Upload-Offset`, the last `upload, finalize`, whose answer
 * is `{"file": …}` with `X-Goog-Upload-Status: final`. `query` and `cancel` work as well.
 *
 * A file lives 48 hours from its upload's start. Ids are 12 lowercase letters and digits, as the
 * API's are (the SDK cuts an id out of a file URI by `[a-z0-9]+`); a client may choose its own
 * (`config.name`). A chosen name cannot carry an owner's digits (`../owner-ids.ts`), so a file's
 * owner is a hash of its id (`fileOwner`): a drawn id is drawn until it hashes to the drawing
 * thread, and a start naming another thread's file runs on that thread, where the upload session
 * and the file then live. Bounded per thread like the other stores.
 */
import { createHash } from 'node:crypto';
import { countTokens } from '../../corpus/tokens.js';
import { countPdf } from '../pdf-tokens.js';
import { OTHER_MODEL } from '../../metrics/counters.js';
import { BoundedStore } from '../bounded-store.js';
import type { RequestInfo } from '../http-exchange.js';
import { ownedId } from '../owner-ids.js';
import { safeDecode } from '../path-segment.js';
import { foreignOwner, ownSlot, throwIfFailed, type GeminiFileView, type ListedObject } from '../peers.js';
import type { Reply } from '../reply.js';
import { perThread, type ThreadContext } from '../thread-context.js';
import type { SeededRandom } from '../../timing/random.js';
import { geminiError, INVALID_JSON, invalidArgument, ROOT_NOT_OBJECT, type GeminiError } from './errors.js';
import { checkGeminiAuth, geminiErrorReply, geminiHeaders, geminiPage, JSON_TYPE, queryOf } from './reply.js';
import { isMessage, parseJsonBody } from './request.js';

const MAX_FILES = 1000;
/**
 * The bytes a thread keeps of files, and again of unfinished uploads; one file may take all of it,
 * and no file is larger (an upload past it is refused, a batch whose responses file would pass it
 * fails: `./batches.ts`).
 */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** The most files one request may name (the API's limit on files per prompt is 3,000). */
const MAX_FILES_PER_REQUEST = 3000;
const MAX_SESSIONS = 100;
const LIFETIME_MS = 48 * 3600 * 1000;
const MAX_PAGE_SIZE = 100;
/** What the API's upload answers advertise: the SDK's chunks are this size. */
const CHUNK_GRANULARITY = 8 * 1024 * 1024;
const ID_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPLOAD_COMMANDS: ReadonlySet<string> = new Set(['upload', 'finalize', 'query', 'cancel']);
const ID_LENGTH = 12;
/** A resource name the API accepts: lowercase letters, digits and dashes, no dash at either end, up to 40. */
const NAME_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/**
 * The id in a URI of this API's files: on the API's host, as `uri` gives it, or on this server's
 * (the request's Host, or a loopback address); any other URI is a public one, left to the model.
 */
const FILE_URI = /^https?:\/\/([^/?#]+)\/v1(?:beta)?\/files\/([^/?#]+)(?:[?#].*)?$/;
const OWN_HOSTS = /^(generativelanguage\.googleapis\.com|localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;
const API_FILE_URI = 'https://generativelanguage.googleapis.com/v1beta/files/';

export const fileNotFound = (id: string): GeminiError => geminiError(403, `You do not have permission to access the File ${id} or it may not exist.`);

interface StoredFile {
  readonly id: string;
  readonly seq: number;
  readonly displayName: string | undefined;
  readonly mimeType: string;
  readonly createTime: string;
  readonly expireMs: number;
  /** Base64 of the SHA-256 digest's hex string, as the API reports it. */
  readonly sha256Hash: string;
  /** What a `fileData` part naming the file counts (`contentTokens`). */
  readonly tokens: number;
  readonly content: Buffer;
}

/** Text files counted whole when uploaded; a longer one is taken at 4 bytes a token (counting 2 MiB inline is about 100 ms). */
const MAX_COUNTED_TEXT_BYTES = 2 * 1024 * 1024;
/** The tokens one PDF page counts, and one media part the simulator cannot read (`./prompt.ts`'s 258). */
const PAGE_TOKENS = 258;
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-yaml|yaml|javascript|x-python|x-sh)\b)/;

/**
 * What a part naming the file counts, as the API's token docs put it: a text document is read as
 * text, a PDF is 258 tokens a page; anything else (an image; audio and video, whose length the
 * simulator does not read) counts as one media part.
 */
function contentTokens(mimeType: string, content: Buffer): number {
  if (TEXT_TYPES.test(mimeType)) return content.length <= MAX_COUNTED_TEXT_BYTES ? countTokens(content.toString('utf8')) : Math.ceil(content.length / 4);
  // Its page objects, in object streams too (`../pdf-tokens.ts`), as an inline PDF counts.
  if (mimeType === 'application/pdf') return PAGE_TOKENS * (countPdf(content)?.pages ?? 1);
  return PAGE_TOKENS;
}

interface UploadSession {
  readonly id: string;
  readonly fileId: string;
  readonly displayName: string | undefined;
  readonly mimeType: string;
  readonly startedMs: number;
  readonly chunks: Buffer[];
  received: number;
  /** Finalized (the file exists) or cancelled: the session answers `query` and takes nothing more. */
  status: 'active' | 'final' | 'cancelled';
}

interface Registry {
  readonly files: BoundedStore<StoredFile>;
  readonly sessions: BoundedStore<UploadSession>;
}

const registryFor = perThread<Registry>(() => ({
  files: new BoundedStore<StoredFile>(MAX_FILES, MAX_FILE_BYTES, (f) => f.content.length),
  // A finished session holds no bytes (its file does), and is kept only to answer `query`.
  sessions: new BoundedStore<UploadSession>(MAX_SESSIONS, MAX_FILE_BYTES, (s) => (s.status === 'active' ? s.received : 0)),
}));

/** The thread that holds the file `id` (FNV-1a of the id, modulo the threads). */
export function fileOwner(id: string, threads: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % threads;
}

/** The other thread that holds file `id`, or undefined when it is this one. */
function foreignFileOwner(ctx: ThreadContext, id: string): number | undefined {
  const peers = ctx.peers;
  if (peers === null) return undefined;
  const owner = fileOwner(id, peers.threads);
  return owner === peers.slot ? undefined : owner;
}

/**
 * A fresh id that this thread owns. The id hashes to its owner, so only its last two digits are
 * sought: from the drawn pair onward until the id hashes here. The same seed and requests then
 * give the same name on any `--threads` but for those two, as other stored ids differ; redrawing
 * the whole id until it hashed here gave another name on every thread but the first.
 */
function drawFileId(ctx: ThreadContext, rng: SeededRandom): string {
  const base = ID_DIGITS.length;
  for (;;) {
    let head = '';
    for (let i = 0; i < ID_LENGTH - 2; i++) head += ID_DIGITS[rng.int(base)]!;
    const start = rng.int(base * base);
    // Every pair, in turn: none hashes here only with hundreds of threads, then a new head is drawn.
    for (let step = 0; step < base * base; step++) {
      const pair = (start + step) % (base * base);
      const id = head + ID_DIGITS[Math.floor(pair / base)]! + ID_DIGITS[pair % base]!;
      if (foreignFileOwner(ctx, id) === undefined && registryFor(ctx).files.get(id) === undefined) return id;
    }
  }
}

/** `files/abc` or `abc` to `abc`. */
const idOf = (name: string): string => (name.startsWith('files/') ? name.slice('files/'.length) : name);

function fileObject(f: StoredFile): Record<string, unknown> {
  return {
    name: `files/${f.id}`,
    ...(f.displayName === undefined ? {} : { displayName: f.displayName }),
    mimeType: f.mimeType,
    sizeBytes: String(f.content.length),
    createTime: f.createTime,
    updateTime: f.createTime,
    expirationTime: new Date(f.expireMs).toISOString(),
    sha256Hash: f.sha256Hash,
    uri: `${API_FILE_URI}${f.id}`,
    state: 'ACTIVE',
    source: 'UPLOADED',
  };
}

/** A live file; an expired one is dropped on the way. */
function liveFile(ctx: ThreadContext, id: string, nowMs: number): StoredFile | undefined {
  const files = registryFor(ctx).files;
  const f = files.get(id);
  if (f === undefined || nowMs < f.expireMs) return f;
  files.delete(id);
  return undefined;
}

const route = 'gemini_files';
const fail = (e: GeminiError, kind: 'invalid_request' | 'not_found' | 'invalid_json' | 'authentication'): Reply => geminiErrorReply(route, e, kind, OTHER_MODEL);

function ok(body: string, headers: readonly string[] = []): Reply {
  return { kind: 'json', status: 200, contentType: JSON_TYPE, headers: [...geminiHeaders(0), ...headers], body, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
}

type Op = 'get' | 'delete' | 'list' | 'download';

const DOWNLOAD = ':download';

/** Whether a `/v1beta/files/{id}` path names the file's bytes (`{id}:download`). */
export function isDownload(info: RequestInfo): boolean {
  return (info.params[0] ?? '').endsWith(DOWNLOAD);
}

/** The file id a `/v1beta/files/{id}[:download]` route names. */
function routeFileId(info: RequestInfo): string {
  const name = safeDecode(info.params[0] ?? '');
  return idOf(name.endsWith(DOWNLOAD) ? name.slice(0, -DOWNLOAD.length) : name);
}

/**
 * GET and DELETE `/v1beta/files/{id}`, GET `/v1beta/files/{id}:download?alt=media` (the bytes, as
 * a batch's responses file is read), and the list; `others`: other threads' live files, for a list.
 */
export function filesRequest(ctx: ThreadContext, info: RequestInfo, op: Op, others: readonly ListedObject[] = []): Reply {
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return fail(authError, 'authentication');
  const nowMs = Date.now();
  if (op === 'list') {
    const all = [...fileListings(ctx), ...others].sort((a, b) => a.seq - b.seq);
    return ok(geminiPage(all, queryOf(info), 'files', MAX_PAGE_SIZE));
  }
  const id = routeFileId(info);
  const f = liveFile(ctx, id, nowMs);
  if (f === undefined) return fail(fileNotFound(id), 'not_found');
  if (op === 'get') return ok(JSON.stringify(fileObject(f)));
  if (op === 'download') {
    if (queryOf(info).get('alt') !== 'media') return fail(invalidArgument('Downloading a file needs alt=media in the query.'), 'invalid_request');
    return { kind: 'json', status: 200, contentType: headerSafe(f.mimeType), headers: geminiHeaders(0), body: f.content, delayMs: 0, completionTokens: 0, meta: { route, modelIndex: OTHER_MODEL, errorKind: null } };
  }
  registryFor(ctx).files.delete(id);
  return ok('{}');
}

/**
 * A file's MIME type as a download's Content-Type: the type an upload's metadata named is any JSON
 * string, and uWS writes a header verbatim, so one that is not printable ASCII (a CR LF would
 * start headers of its own) goes out as `application/octet-stream`.
 */
function headerSafe(mimeType: string): string {
  return /^[ -~]+$/.test(mimeType) ? mimeType : 'application/octet-stream';
}

/** A live file's bytes on this thread (a batch's input file); undefined when it holds none by that name. */
export function fileBytes(ctx: ThreadContext, name: string): Buffer | undefined {
  return liveFile(ctx, idOf(name), Date.now())?.content;
}

/**
 * A live file's bytes, from this thread or the thread that holds it (a batch reading its input);
 * undefined when there is none.
 */
export function findFileBytes(ctx: ThreadContext, name: string): Buffer | undefined | Promise<Buffer | undefined> {
  const owner = foreignFileOwner(ctx, idOf(name));
  if (owner === undefined) return fileBytes(ctx, name);
  return ctx.peers!.ask(owner, { kind: 'gemini_file_bytes', name }).then((answer) => {
    throwIfFailed(answer, 'the input file');
    return answer.kind === 'file_content' && answer.content !== null ? Buffer.from(answer.content) : undefined;
  });
}

/**
 * Stores a file this API made (a batch's responses file) on this thread, as an upload would be
 * stored; its id is drawn from `rng`, so a run's ids do not depend on when it is written. Null,
 * and nothing stored, for content past `MAX_FILE_BYTES`, which the store would not keep: the
 * caller says so rather than name a file that cannot be read.
 */
export function writeGeminiFile(ctx: ThreadContext, displayName: string, mimeType: string, content: Buffer, rng: SeededRandom): string | null {
  if (content.length > MAX_FILE_BYTES) return null;
  const nowMs = Date.now();
  const createTime = new Date(nowMs).toISOString();
  const f: StoredFile = {
    id: drawFileId(ctx, rng),
    seq: ctx.nextStoreSeq(),
    displayName,
    mimeType,
    createTime,
    expireMs: nowMs + LIFETIME_MS,
    sha256Hash: Buffer.from(createHash('sha256').update(content).digest('hex'), 'latin1').toString('base64'),
    tokens: contentTokens(mimeType, content),
    content,
  };
  registryFor(ctx).files.put(f.id, f);
  return `files/${f.id}`;
}

/** This thread's live files, for a list on another thread. */
export function fileListings(ctx: ThreadContext): ListedObject[] {
  const nowMs = Date.now();
  return [...registryFor(ctx).files.values()].filter((f) => liveFile(ctx, f.id, nowMs) !== undefined).map((f) => ({ seq: f.seq, json: JSON.stringify(fileObject(f)) }));
}

/** A file this thread holds, as a generate request on any thread checks it; null when there is none by that id. */
export function fileView(ctx: ThreadContext, id: string): GeminiFileView | null {
  const f = liveFile(ctx, id, Date.now());
  return f === undefined ? null : { tokens: f.tokens };
}

/** The id of this API's file a `fileData` URI names, or undefined for any other URI; `host`: this server's. */
function fileIdOfUri(uri: string, host: string): string | undefined {
  const m = FILE_URI.exec(uri);
  if (m === null) return undefined;
  const at = m[1]!.toLowerCase();
  if (!OWN_HOSTS.test(at) && at !== host.toLowerCase()) return undefined;
  return safeDecode(m[2]!);
}

/** The files a request's parts name: each URI, and the id it names. */
export type FileRefs = ReadonlyMap<string, string>;
export const NO_REFS: FileRefs = new Map();

/**
 * This API's files that a request's `fileData` parts name, by URI (other URIs, such as public
 * URLs, are left as they are), found by walking its contents and system instruction; `host`:
 * this server's Host header.
 */
export function fileRefsIn(value: unknown, host: string): Map<string, string> {
  const refs = new Map<string, string>();
  const walkParts = (parts: unknown): void => {
    if (!Array.isArray(parts)) return;
    for (const p of parts) {
      if (!isMessage(p)) continue;
      const data = p.fileData ?? p.file_data;
      if (!isMessage(data)) continue;
      const uri = data.fileUri ?? data.file_uri;
      const id = typeof uri === 'string' ? fileIdOfUri(uri, host) : undefined;
      if (id !== undefined) refs.set(uri as string, id);
    }
  };
  if (!isMessage(value)) return refs;
  if (Array.isArray(value.contents)) for (const c of value.contents) if (isMessage(c)) walkParts(c.parts);
  const system = value.systemInstruction ?? value.system_instruction;
  if (isMessage(system)) walkParts(system.parts);
  return refs;
}

/**
 * The tokens each file a request names counts, by the URI that names it (what `./prompt.ts` looks
 * up); or the API's error: a 403 for the first that does not exist, a 400 for too many.
 */
export type FileResolution = { readonly tokens: ReadonlyMap<string, number> } | { readonly error: GeminiError };

/** Finds the files a request names, on this thread or by asking each other thread once for its own (a promise then). */
export function resolveFiles(ctx: ThreadContext, refs: FileRefs): FileResolution | Promise<FileResolution> {
  const ids = new Set(refs.values());
  const byUri = (byId: ReadonlyMap<string, number>): FileResolution => ({ tokens: new Map([...refs].map(([uri, id]) => [uri, byId.get(id)!])) });
  if (ids.size > MAX_FILES_PER_REQUEST) return { error: invalidArgument(`A request may name at most ${MAX_FILES_PER_REQUEST} files; this one names ${ids.size}.`) };
  const found = new Map<string, number>();
  const byOwner = new Map<number, string[]>();
  for (const id of ids) {
    const owner = foreignFileOwner(ctx, id);
    if (owner === undefined) {
      const view = fileView(ctx, id);
      if (view === null) return { error: fileNotFound(id) };
      found.set(id, view.tokens);
    } else {
      const theirs = byOwner.get(owner);
      if (theirs === undefined) byOwner.set(owner, [id]);
      else theirs.push(id);
    }
  }
  if (byOwner.size === 0) return byUri(found);
  const asks = [...byOwner].map(([owner, theirs]) =>
    ctx.peers!.ask(owner, { kind: 'gemini_files', ids: theirs }).then((answer) => {
      throwIfFailed(answer, 'the files');
      const views = answer.kind === 'gemini_files' ? answer.files : [];
      return theirs.map((id, i) => [id, views[i] ?? null] as const);
    }),
  );
  return Promise.all(asks).then((answers) => {
    for (const [id, view] of answers.flat()) {
      if (view === null) return { error: fileNotFound(id) };
      found.set(id, view.tokens);
    }
    return byUri(found);
  });
}

/** The upload session id in an upload URL's query, or '' for a `start`. */
function uploadIdOf(info: RequestInfo): string {
  return queryOf(info).get('upload_id') ?? '';
}

/** The other thread that holds the file a `/v1beta/files/{id}` request names, or undefined for this one. */
export function fileRouteOwner(ctx: ThreadContext, info: RequestInfo): number | undefined {
  return foreignFileOwner(ctx, routeFileId(info));
}

/** The thread to run an upload request on: a chunk's session's, or for a `start` the named file's; undefined for this one. */
export function uploadOwner(ctx: ThreadContext, info: RequestInfo, body: string): number | undefined {
  const session = uploadIdOf(info);
  // An upload id is no resource name: the API's are mixed-case (and longer), so this one's digits are base 62.
  if (session !== '') return foreignOwner(ctx, session, 'mixed');
  const name = startName(body);
  return name === undefined ? undefined : foreignFileOwner(ctx, name);
}

/** The file name a `start` asks for, if it names one (the body is latin1 bytes of JSON). */
function startName(body: string): string | undefined {
  const json = startMeta(Buffer.from(body, 'latin1').toString('utf8'));
  if (!json.ok || !isMessage(json.value) || !isMessage(json.value.file)) return undefined;
  const name = json.value.file.name;
  return typeof name === 'string' ? idOf(name) : undefined;
}

const alreadyExists = (id: string): GeminiError => geminiError(409, `File files/${id} already exists.`);

const invalidName = invalidArgument(
  '* CreateFileRequest.file.name: File resource name may only contain lowercase alphanumeric characters or dashes (-) and cannot begin or end with a dash. You can set the display_name which is not constrained by this format.\n',
);

/** `POST /upload/v1beta/files` (a `start`) and `POST` to its upload URL (the bytes); `body` is latin1 (`takesBytes`). */
export function uploadRequest(ctx: ThreadContext, info: RequestInfo, body: string): Reply {
  const sessionId = uploadIdOf(info);
  // The upload URL is the credential for the bytes, as at Google (its own samples send no key there).
  if (sessionId !== '') return uploadBytes(ctx, info, sessionId, body);
  const authError = checkGeminiAuth(ctx, info, queryOf(info));
  if (authError) return fail(authError, 'authentication');
  return startUpload(ctx, info, body);
}

/**
 * A `start`'s JSON. Google's own REST samples send it with single quotes (`{'file': {...}}`),
 * which its parser takes; so does this one, when the text is not JSON as it stands.
 */
function startMeta(text: string): { ok: true; value: unknown } | { ok: false } {
  const json = parseJsonBody(text);
  if (json.ok || !text.includes("'")) return json;
  return parseJsonBody(text.replace(/'/g, '"'));
}

function startUpload(ctx: ThreadContext, info: RequestInfo, body: string): Reply {
  const upload = info.googUpload;
  if (upload.protocol.toLowerCase() !== 'resumable' || upload.command.toLowerCase() !== 'start') {
    return fail(invalidArgument('This simulator takes the resumable upload protocol: X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start.'), 'invalid_request');
  }
  const text = Buffer.from(body, 'latin1').toString('utf8');
  let meta: Record<string, unknown> = {};
  if (text.trim() !== '') {
    const json = startMeta(text);
    if (!json.ok) return fail(INVALID_JSON, 'invalid_json');
    if (!isMessage(json.value)) return fail(ROOT_NOT_OBJECT, 'invalid_request');
    const file = json.value.file;
    if (file !== undefined && !isMessage(file)) return fail(invalidArgument(`Invalid value at 'file' (type.googleapis.com/google.ai.generativelanguage.v1beta.File), ${JSON.stringify(file)}`, 'file'), 'invalid_request');
    meta = file ?? {};
  }
  const registry = registryFor(ctx);
  let fileId: string;
  if (meta.name !== undefined) {
    if (typeof meta.name !== 'string' || !NAME_ID.test(idOf(meta.name))) return fail(invalidName, 'invalid_request');
    fileId = idOf(meta.name);
    // A start reaches the name's own thread (`uploadOwner`), unless that thread was down: then the file could never be found.
    if (foreignFileOwner(ctx, fileId) !== undefined) return fail(geminiError(503, 'The service is currently unavailable.'), 'invalid_request');
    if (liveFile(ctx, fileId, Date.now()) !== undefined) return fail(alreadyExists(fileId), 'invalid_request');
  } else {
    fileId = drawFileId(ctx, ctx.requestRng(undefined, ''));
  }
  const displayName = meta.displayName ?? meta.display_name;
  const mimeType = meta.mimeType ?? meta.mime_type;
  const session: UploadSession = {
    // The session id names this thread, which the chunks then reach (`../owner-ids.ts`).
    id: ownedId(ctx.requestRng(undefined, ''), '', 32, ownSlot(ctx)),
    fileId,
    displayName: typeof displayName === 'string' ? displayName : undefined,
    mimeType: typeof mimeType === 'string' ? mimeType : upload.contentType,
    startedMs: Date.now(),
    chunks: [],
    received: 0,
    status: 'active',
  };
  registry.sessions.put(session.id, session);
  const url = `http://${info.host || 'localhost'}/upload/v1beta/files?upload_id=${session.id}&upload_protocol=resumable`;
  return ok('', ['x-goog-upload-status', 'active', 'x-goog-upload-url', url, 'x-goog-upload-control-url', url, 'x-goog-upload-chunk-granularity', String(CHUNK_GRANULARITY)]);
}

function uploadBytes(ctx: ThreadContext, info: RequestInfo, sessionId: string, body: string): Reply {
  const registry = registryFor(ctx);
  const session = registry.sessions.get(sessionId);
  if (session === undefined) return fail(geminiError(404, `Upload session ${sessionId} was not found (or it has expired).`), 'not_found');
  const status = (s: string): string[] => ['x-goog-upload-status', s, 'x-goog-upload-size-received', String(session.received)];
  const commands = info.googUpload.command
    .toLowerCase()
    .split(',')
    .map((c) => c.trim());
  if (commands.some((c) => !UPLOAD_COMMANDS.has(c))) {
    return fail(invalidArgument(`X-Goog-Upload-Command must be upload, finalize, query or cancel (comma-separated); got ${JSON.stringify(info.googUpload.command)}.`), 'invalid_request');
  }
  if (commands.includes('query')) return ok(session.status === 'final' ? finalBody(ctx, session) : '', status(session.status));
  if (session.status !== 'active') return fail(invalidArgument(`Upload session ${sessionId} is ${session.status}.`), 'invalid_request');
  if (commands.includes('cancel')) {
    endSession(registry, session, 'cancelled');
    return ok('', status('cancelled'));
  }
  if (commands.includes('upload')) {
    if (!/^\d{1,15}$/.test(info.googUpload.offset) || Number(info.googUpload.offset) !== session.received) {
      return fail(invalidArgument(`X-Goog-Upload-Offset ${JSON.stringify(info.googUpload.offset)} does not match the ${session.received} bytes received.`), 'invalid_request');
    }
    const bytes = Buffer.from(body, 'latin1');
    if (session.received + bytes.length > MAX_FILE_BYTES) {
      return fail(invalidArgument(`The file is larger than the ${MAX_FILE_BYTES} bytes this simulator keeps per thread.`), 'invalid_request');
    }
    session.chunks.push(bytes);
    session.received += bytes.length;
    // Counted again at its new size.
    registry.sessions.put(session.id, session);
  }
  if (!commands.includes('finalize')) return ok('', status('active'));
  // Another session for the same name may have finished first.
  if (liveFile(ctx, session.fileId, Date.now()) !== undefined) {
    endSession(registry, session, 'cancelled');
    return fail(alreadyExists(session.fileId), 'invalid_request');
  }
  const content = Buffer.concat(session.chunks, session.received);
  const createTime = new Date().toISOString();
  const f: StoredFile = {
    id: session.fileId,
    seq: ctx.nextStoreSeq(),
    displayName: session.displayName,
    mimeType: session.mimeType,
    createTime,
    expireMs: session.startedMs + LIFETIME_MS,
    sha256Hash: Buffer.from(createHash('sha256').update(content).digest('hex'), 'latin1').toString('base64'),
    tokens: contentTokens(session.mimeType, content),
    content,
  };
  registry.files.put(f.id, f);
  endSession(registry, session, 'final');
  return ok(finalBody(ctx, session), status('final'));
}

/** Ends an upload: its bytes go (a final one's are the file's now), and it is counted again at no size. */
function endSession(registry: Registry, session: UploadSession, status: 'final' | 'cancelled'): void {
  session.status = status;
  session.chunks.length = 0;
  registry.sessions.put(session.id, session);
}

function finalBody(ctx: ThreadContext, session: UploadSession): string {
  const f = liveFile(ctx, session.fileId, Date.now());
  return f === undefined ? '{}' : JSON.stringify({ file: fileObject(f) });
}
