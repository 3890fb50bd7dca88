/** Thrown while compiling a plan that Tollgate's executor does not run; that plan goes to Apollo's. */
export class UnsupportedPlanError extends Error {
  override name = 'UnsupportedPlanError';
}
