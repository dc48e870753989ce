import { Router } from 'express';
import type { Db } from '../db/connection.js';

/** Assessor consistency. (To be built.) */
export function consistencyRoutes(_db: Db): Router {
  return Router();
}
