// node:path/win32, loaded when the bundled module that imports it is first evaluated (infra/lambda-bundling.ts).
module.exports = process.getBuiltinModule('node:path/win32');
