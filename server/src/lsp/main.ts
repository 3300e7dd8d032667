/**
 * Entry point of the bundled language server (`dist/server/server.js`): creates the Node
 * connection from the transport named on the command line (`--node-ipc`, `--stdio`,
 * `--socket=N`, as the VS Code client passes it) and starts the server on it.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../server';

const connection = createConnection(ProposedFeatures.all);
// The server must outlive any single bad document: log what escaped instead of dying.
process.on('uncaughtException', (e) => connection.console.error(`uncaught exception: ${e?.stack ?? e}`));
startServer(connection);
