import { Router } from 'express';
import type { Db } from '../db/connection.js';

/** Certificate claims and the regulator's outcomes file. (To be built.) */
export function claimsRoutes(_db: Db): Router {
  return Router();
}

export function claimsApi(_db: Db): Router {
  return Router();
}

export const claimsOpenApi: Record<string, unknown> = {};
