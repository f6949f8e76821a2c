// Switching the engine's model at run time (selectModel) and choosing it at start-up. No Electron
// import: main and the test harness use this same module, and tests drive it from plain Node.
//
// selectModel: the manager remembers the choice (models.json) and gives the file; the engine is
// configured for it (`configure({modelPath, contextSize})`, which starts a new model generation) and a
// load is started at once, so healthCheck's model.state goes 'loading' (with loadProgress), then
// 'ready'. Work already running finishes on the model it started with; the next request runs on the
// new one. A model that fails to load is not left in place: the previous model is chosen, configured
// and loaded again, and selectModel rejects with the engine's reason (the student keeps a working tutor).
//
// contextSize: the engine allocates its f16 KV cache for the whole context when it loads a model, so
// the app asks for at most MAX_CONTEXT tokens (a 128k-context model would otherwise need gigabytes
// for its cache). That is also the context the fit estimate assumes.
import type * as Native from '../../native/index';
import type { SelectedModel } from '../../preload/models';
import type { Logger } from '../log';
import { modelError } from './errors';
import { ESTIMATE_CONTEXT } from './fit';
import { readGgufHeader } from './gguf-header';
import path from 'node:path';
import type { ModelManager } from './manager';

/** The part of the native module a switch uses (a stub stands in for it in tests). */
export type SwitchEngine = Pick<typeof Native, 'configure' | 'loadModel'>;

/** The most context the app asks for (tokens). */
export const MAX_CONTEXT = ESTIMATE_CONTEXT;
/** The engine's smallest contextSize. */
const MIN_CONTEXT = 64;
/** A switch's load, like the start-up warm-up, may take long on a slow disk. */
const LOAD_TIMEOUT_MS = 10 * 60_000;

/** The context to configure for a model trained for `contextLength` tokens (unknown: MAX_CONTEXT). */
export function contextSizeFor(contextLength: number | undefined): number {
  const trained = contextLength && Number.isFinite(contextLength) && contextLength > 0 ? contextLength : MAX_CONTEXT;
  return Math.max(MIN_CONTEXT, Math.min(trained, MAX_CONTEXT));
}

export interface EngineSwitchOptions {
  engine: SwitchEngine;
  manager: Pick<ModelManager, 'selectModel' | 'selected'>;
  log: Logger;
  /** Reads a file's context length (default: its GGUF header; undefined when it can't be read). */
  contextLengthOf?: (file: string) => Promise<number | undefined>;
  loadTimeoutMs?: number;
}

async function headerContextLength(file: string): Promise<number | undefined> {
  try {
    return (await readGgufHeader(file)).contextLength;
  } catch {
    // The engine reads the file again when it loads it, and says what is wrong in healthCheck.
    return undefined;
  }
}

export class EngineSwitch {
  /** The manager's model the engine is configured for; undefined while it runs the start-up file. */
  private chosen: SelectedModel | undefined;
  /** The file the engine started with (applySaved), to go back to when no manager model was chosen. */
  private startPath: string | undefined;
  private lastLoad: Promise<void> = Promise.resolve();

  constructor(private readonly o: EngineSwitchOptions) {}

  get current(): SelectedModel | undefined {
    return this.chosen;
  }

  /**
   * At start-up, before the warm-up loads anything: the engine is configured for the persisted choice
   * (the manager's selected model) when it is not the file the engine already has, `startPath` (the
   * bundled default). With `override` (development: $SAMSARA_MODEL names the file) nothing changes.
   * Never throws: a choice that can't be read leaves the start-up file. Answers the file the engine loads.
   */
  async applySaved(startPath: string, override = false): Promise<string> {
    this.startPath = startPath;
    if (override) return startPath;
    let saved: SelectedModel | undefined;
    try {
      saved = await this.o.manager.selected();
    } catch {
      saved = undefined;
    }
    if (!saved || saved.path === startPath) {
      this.chosen = saved;
      return startPath;
    }
    try {
      await this.configure(saved, 'saved');
      return saved.path;
    } catch (e) {
      this.o.log({ event: 'app.error', where: 'model-saved-choice', ...codeOf(e) });
      return startPath;
    }
  }

  /**
   * selectModel: remembers the choice, configures the engine for it and loads it (healthCheck shows the
   * progress meanwhile). Resolves once it is ready; rejects with the manager's ModelError for a model
   * that is not installed (the engine untouched), or with ENGINE_DOWN ('load-failed') when the engine
   * can't load the file, after going back to the previous model.
   */
  async select(id: string): Promise<SelectedModel> {
    const previous = this.chosen;
    const chosen = await this.o.manager.selectModel(id);
    await this.configure(chosen, 'selected');
    const failure = await this.startLoad(chosen.id);
    if (!failure) return chosen;
    const back = await this.revert(previous);
    throw modelError(
      'load-failed',
      `${path.basename(chosen.path)} could not be loaded: ${failure}${back ? ` ${path.basename(back)} is still the model in use.` : ''}`,
    );
  }

  /** Back to `previous` (or the start-up file) after a failed load; answers the file, if any. */
  private async revert(previous: SelectedModel | undefined): Promise<string | undefined> {
    try {
      if (previous) {
        const again = await this.o.manager.selectModel(previous.id);
        await this.configure(again, 'reverted');
        void this.startLoad(again.id);
        return again.path;
      }
      if (this.startPath) {
        this.o.engine.configure({ modelPath: this.startPath });
        this.chosen = undefined;
        return this.startPath;
      }
    } catch (e) {
      this.o.log({ event: 'app.error', where: 'model-revert', ...codeOf(e) });
    }
    return undefined;
  }

  /** The last load started by select (tests wait for it; it never rejects). */
  settled(): Promise<void> {
    return this.lastLoad;
  }

  private async configure(model: SelectedModel, reason: 'selected' | 'saved' | 'reverted'): Promise<void> {
    const contextSize = contextSizeFor(await (this.o.contextLengthOf ?? headerContextLength)(model.path));
    // A new modelPath or contextSize starts a new model generation: the engine frees the old weights
    // when it loads the new ones, and running work finishes on the model it started with.
    this.o.engine.configure({ modelPath: model.path, contextSize });
    this.chosen = model;
    this.o.log({ event: 'model.switch', modelId: model.id, contextSize, reason });
  }

  /** Loads the configured model; answers the engine's message when it fails (never rejects). */
  private startLoad(modelId: string): Promise<string | undefined> {
    const started = performance.now();
    const outcome = this.o.engine.loadModel({ timeoutMs: this.o.loadTimeoutMs ?? LOAD_TIMEOUT_MS }).then(
      () => {
        this.o.log({ event: 'model.load', modelId, durationMs: since(started), outcome: 'ok' });
        return undefined;
      },
      (e: unknown) => {
        this.o.log({ event: 'model.load', modelId, durationMs: since(started), outcome: 'error', ...codeOf(e) });
        return e instanceof Error && e.message ? e.message : 'the engine could not load it.';
      },
    );
    this.lastLoad = outcome.then(() => undefined);
    return outcome;
  }
}

function codeOf(e: unknown): { code?: Native.ErrorCode } {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { code: code as Native.ErrorCode } : {};
}

function since(t: number): number {
  return Math.round(performance.now() - t);
}
