// node:util/types, loaded when the bundled module that imports it is first evaluated (infra/lambda-bundling.ts).
module.exports = process.getBuiltinModule('node:util/types');
