// The build-time settings the page reads (web/.env or the shell of `npm run build:web`; README, App Check).
interface ImportMetaEnv {
  /** The reCAPTCHA Enterprise site key App Check attests the deployed page with; unset, the page starts no App Check. */
  readonly VITE_APP_CHECK_SITE_KEY?: string;
}
