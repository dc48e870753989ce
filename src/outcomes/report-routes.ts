import { Router } from 'express';
import type { Db } from '../db/connection.js';

/** The EPAO dashboard and the KSB shortfall report. (To be built.) */
export function reportRoutes(_db: Db): Router {
  return Router();
}

export function reportsApi(_db: Db): Router {
  return Router();
}

export const reportsOpenApi: Record<string, unknown> = {};
