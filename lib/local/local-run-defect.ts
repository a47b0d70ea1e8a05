/**
 * The local run itself is wrong, not the stage it ran: a driver returned outputs its stage does not
 * declare, a scenario asked a driver for something it cannot do, the run settings are malformed. The
 * runner aborts the run and throws it, instead of reporting a failed build that never happened.
 */
export class LocalRunDefect extends Error {
  override readonly name = 'LocalRunDefect';
}
