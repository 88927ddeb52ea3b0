/**
 * The AWS SDK (the lake's S3 client) prints a multi-line notice on every start that its releases
 * after January 2027 will need Node 22. The platform supports Node 20 (package.json engines) and
 * pins the SDK, so the notice says nothing an operator can act on, and it would break the
 * one-line error a misconfigured role prints. Imported first by the CLI's entry point.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
