import { z } from 'zod';
import { decimalInput } from '../validation/fields.js';

/*
 * Lists are paged: a queue that is short today is long at a large assessment organisation, and
 * a page costs the rows it shows, not every row there is. The page number comes from the query
 * string (?page=, or another name where a page has several lists); anything that is not a whole
 * number from 1 is page 1, and a number past the end is the last page.
 */

export const PAGE_SIZE = 50;

const PAGE_MESSAGE = 'The page must be a whole number from 1';
/** A page number: a whole number from 1, written in decimal. */
const pageNumber = z.preprocess(
  decimalInput,
  z.number({ error: PAGE_MESSAGE }).int(PAGE_MESSAGE).min(1, PAGE_MESSAGE).max(1_000_000),
);
const pageOrFirst = pageNumber.catch(1);

/** The page a query string asks for: a whole number from 1, else 1. */
export const pageAsked = (value: unknown): number => pageOrFirst.parse(value);

export interface Page<T> {
  rows: T[];
  total: number;
  /** The page shown (from 1), and how many there are (at least 1). */
  page: number;
  pages: number;
}

/** One page of `total` rows, read with `read(limit, offset)` once the page is known. */
export function pageFrom<T>(
  total: number,
  asked: number,
  read: (limit: number, offset: number) => T[],
  size = PAGE_SIZE,
): Page<T> {
  const pages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, asked), pages);
  return { rows: read(size, (page - 1) * size), total, page, pages };
}

/** One page of a list already in memory. */
export function slicePage<T>(all: readonly T[], asked: number, size = PAGE_SIZE): Page<T> {
  return pageFrom(all.length, asked, (limit, offset) => all.slice(offset, offset + limit), size);
}

/** What the pager partial shows: the position, and links to the pages either side. */
export function pager(page: Omit<Page<unknown>, 'rows'>, link: (page: number) => string) {
  return {
    page: page.page,
    pages: page.pages,
    total: page.total,
    paged: page.pages > 1,
    previous: page.page > 1 ? link(page.page - 1) : null,
    next: page.page < page.pages ? link(page.page + 1) : null,
  };
}

/** The JSON API's ?page=: a whole number from 1 (1 when absent); anything else is refused with 422. */
export const apiPageQuery = z.object({ page: pageNumber.optional().default(1) });

/** What a paged API answer adds to its list: the page given, how many there are, and the rows in all. */
export const apiPageFields = { page: z.number().int(), pages: z.number().int(), total: z.number().int() };
