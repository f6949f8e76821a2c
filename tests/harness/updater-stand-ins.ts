// TEST STAND-INS for the Electron parts of electron-updater, so that its real updater (NsisUpdater:
// the check, the version rules, the download, the sha512 check, the signature step, the cache) runs in
// plain Node against a local server (tests/electron/updates.test.ts). Each names what it replaces:
//   testAppAdapter       — ElectronAppAdapter (Electron's `app`: version, userData, cache folder, quit)
//   NodeHttpExecutor     — ElectronHttpExecutor (Electron's `net` module); the same download path of
//                          builder-util-runtime's HttpExecutor (redirects, sha512 check), over node:http
//   signatureStandIn     — windowsExecutableCodeSignatureVerifier.verifySignature (PowerShell's
//                          Get-AuthenticodeSignature on the downloaded installer, Windows only): answers
//                          what the real one answers, null for a good signature, else why it is refused
import { HttpExecutor, configureRequestOptions, configureRequestUrl, type DownloadOptions } from 'builder-util-runtime';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import http, { type ClientRequest, type RequestOptions } from 'node:http';
import path from 'node:path';

/** Electron's app as electron-updater sees it; `quitHandlers` are what it asked to run on quit (install on quit). */
export function testAppAdapter(o: { version: string; dir: string; configPath: string }): AppAdapter & { quitHandlers: Array<(code: number) => void> } {
  const quitHandlers: Array<(code: number) => void> = [];
  return {
    version: o.version,
    name: 'Samsara',
    isPackaged: true,
    appUpdateConfigPath: o.configPath,
    userDataPath: path.join(o.dir, 'userData'),
    baseCachePath: path.join(o.dir, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => undefined,
    quit: () => undefined,
    onQuit: (handler) => void quitHandlers.push(handler),
    quitHandlers,
  };
}

/** Electron's net requests, over node:http (the servers in tests are http://127.0.0.1). */
export class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  /** As ElectronHttpExecutor.download: builder-util-runtime's doDownload writes the file and checks its sha512. */
  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions = { headers: options.headers ?? undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        { destination, options, onCancel, callback: (error) => (error ? reject(error) : resolve(destination)), responseHandler: null },
        0,
      );
    });
  }

  createRequest(options: RequestOptions, callback: (response: http.IncomingMessage) => void): ClientRequest {
    return http.request(options, callback);
  }
}

/** The Authenticode check's answer: null (signed by the publisher in app-update.yml) or the reason it is not. */
export function signatureStandIn(answer: string | null): { calls: string[]; verify: (publisherNames: string[], file: string) => Promise<string | null> } {
  const calls: string[] = [];
  return {
    calls,
    verify: async (_publisherNames, file) => {
      calls.push(file);
      return answer;
    },
  };
}
