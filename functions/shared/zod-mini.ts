import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The validator of Lambda inputs: zod/mini, a fraction of full zod in a bundle (the full
 * build pulls every locale and the method-chaining classes). zod/mini ships no messages
 * ("Invalid input" for everything), so the English locale is loaded here, once, before any
 * schema parses: a bad input reads exactly as it would with full zod.
 *
 * Import it as a namespace (`import * as z from './zod-mini'`): esbuild then keeps only the
 * members a bundle uses, where the `z` object of `zod/mini` would keep them all.
 */
config(en());

export * from 'zod/mini';
