/**
 * An error the user can act on: printed as one line (no stack trace) by the CLI and role runners.
 * `hint` says what to do next.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserFacingError';
  }

  oneLine(): string {
    return this.hint ? `${this.message} - ${this.hint}` : this.message;
  }
}

export class ConfigError extends UserFacingError {
  override name = 'ConfigError';
}
