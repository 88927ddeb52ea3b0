// Runs before every test file: the same process-wide set-up as the CLI entry point.
import '../core/quiet-aws-sdk';
