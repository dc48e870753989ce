import type { CurrentUser } from '../users/store.js';

declare global {
  namespace Express {
    interface Locals {
      /** Set by the session middleware (pages) or the bearer-token middleware (API). */
      currentUser?: CurrentUser;
      /** The token every form posts back as `_csrf`. */
      csrfToken?: string;
    }
  }
}

export {};
