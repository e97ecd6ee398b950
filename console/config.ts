/** What the console reads from `config.json` at start: where the API is and how to sign in. */
export interface ConsoleConfig {
  /** The HTTP API's base URL ('' = the console's own origin, as under `npm start`). */
  apiUrl: string;
  auth:
    | {
        mode: 'dev';
        /** Local mode: a dev token pre-filled in the sign-in form. */
        token?: string;
      }
    | { mode: 'oidc'; issuer: string; clientId: string; scope?: string };
}
