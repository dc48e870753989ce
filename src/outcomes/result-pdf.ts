import { Router } from 'express';
import type { Db } from '../db/connection.js';

/** The result as a PDF, for the result page and GET /api/v1/results/{uln}/pdf. (To be built.) */
export function resultPdfRoutes(_db: Db): Router {
  return Router();
}

export function resultPdfApi(_db: Db): Router {
  return Router();
}

export const resultPdfOpenApi: Record<string, unknown> = {};
