// The Content-Security-Policy of the pages an admin opens here (the console, the API docs), for @fastify/helmet.

/**
 * Scripts and styles only from files of this origin (no inline code, no CDN); the pages talk to
 * /api/admin and /api/webchat on the same origin only. form-action 'none': the forms are handled
 * in script, so a form can never navigate (and put an API key in a URL) even if a script fails.
 */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  connectSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  manifestSrc: ["'self'"],
  workerSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};
