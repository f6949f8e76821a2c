// What the Models list says about a model and a download, in words: sizes, the facts line (size,
// architecture, quantization, context, licence), the fit on this computer, and a download's progress
// (bytes, speed, time left). Pure, so it is tested apart from the page.
import type { DownloadProgress, FitLevel, ModelListing } from '../preload/api';

/** "98 MB", "1.1 GB", "512 KB" (the units the model manager's messages use). */
export function formatSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${Math.max(0, Math.round(bytes))} bytes`;
}

/** "12 MB/s", "850 KB/s"; "" before the speed is known. */
export function formatSpeed(bytesPerSecond: number): string {
  if (!(bytesPerSecond > 0)) return '';
  if (bytesPerSecond >= 1e6) return `${(bytesPerSecond / 1e6).toFixed(bytesPerSecond >= 1e7 ? 0 : 1)} MB/s`;
  return `${Math.max(1, Math.round(bytesPerSecond / 1e3))} KB/s`;
}

/** "about 6 s left", "about 3 min left", "about 1 h 20 min left"; "" when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `about ${Math.ceil(seconds)} s left`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `about ${h} h${m ? ` ${m} min` : ''} left`;
}

/** "34 MB of 98 MB · 12 MB/s · about 6 s left" (the parts that are known). */
export function progressText(p: DownloadProgress): string {
  const done = p.total !== null ? `${formatSize(p.bytes)} of ${formatSize(p.total)}` : `${formatSize(p.bytes)} so far`;
  return [done, formatSpeed(p.bytesPerSecond), formatEta(p.etaSeconds)].filter((s) => s !== '').join(' · ');
}

/** The share done, 0..1 (0 while the total is unknown). */
export function fraction(p: DownloadProgress): number {
  return p.total && p.total > 0 ? Math.min(1, Math.max(0, p.bytes / p.total)) : 0;
}

/** How the fit estimate is named (its reason follows in the list). */
export const FIT_LABELS: Record<FitLevel, string> = {
  fits: 'Runs well here',
  tight: 'Tight fit',
  'too-big': 'Too big for this computer',
};

/** "Q4_K_M", "Q8_0"; "" for a quantization nobody could read. */
function quantization(q: string): string {
  return q && q !== 'unknown' ? q.toUpperCase() : '';
}

/** "1.1 GB · qwen2 · Q4_K_M · 32,768-token context · Apache-2.0" (the parts the listing knows). */
export function factsLine(m: Pick<ModelListing, 'sizeBytes' | 'architecture' | 'quantization' | 'contextLength' | 'licence'>): string {
  return [
    m.sizeBytes > 0 ? formatSize(m.sizeBytes) : '',
    m.architecture && m.architecture !== 'unknown' ? m.architecture : '',
    quantization(m.quantization),
    m.contextLength ? `${m.contextLength.toLocaleString('en-US')}-token context` : '',
    m.licence && m.licence !== 'unknown' ? `Licence: ${m.licence}` : '',
  ]
    .filter((s) => s !== '')
    .join(' · ');
}

/** What a model's row offers, from its listing and whether this page runs its download. */
export type ModelRowState = 'selected' | 'installed' | 'downloading' | 'available' | 'unsupported';

export function rowState(m: Pick<ModelListing, 'selected' | 'installed' | 'supported' | 'downloading'>, downloadingHere: boolean): ModelRowState {
  if (m.selected) return 'selected';
  if (m.installed) return 'installed';
  if (downloadingHere || m.downloading) return 'downloading';
  return m.supported ? 'available' : 'unsupported';
}
