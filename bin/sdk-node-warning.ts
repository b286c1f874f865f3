/**
 * The AWS SDK for JavaScript v3 warns once per process, as it makes its first client, that its
 * releases after the first week of January 2027 require Node.js 22 (a `NodeVersionSupportWarning`
 * through process.emitWarning, @aws-sdk/core's emitWarningIfUnsupportedVersion), unless
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED is "true" at that moment, as AWS's notice says
 * (https://github.com/aws/aws-sdk-js-v3/issues/7983). hms-sys supports Node 20 for the CLI and the
 * sandbox (package.json engines) and runs Node.js 24 in Lambda, so the CLI, the sandbox it starts
 * and the demos turn off that one warning before any client exists; every other warning still
 * prints. A value already set (say "false") is kept.
 */
export function quietSdkNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
