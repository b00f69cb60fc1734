// Packaging leaves nothing in the temp directory. serverless-esbuild (1.57.2) stages each
// function's zip in a directory under os.tmpdir() and never removes it: its release is a
// non-recursive remove of a directory it has just filled, whose ENOTEMPTY it swallows
// (floydspace/serverless-esbuild pull request 589). That is some 4 MB per function and run.
// While the service is packaged, TMPDIR (which os.tmpdir() reads at every call, Node.js
// os.tmpdir) names a directory of this plugin's own, removed when packaging ends — or, if it
// fails, when the process exits.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

class PrivateTmpdir {
  constructor() {
    this.hooks = {
      'before:package:cleanup': () => this.open(),
      'after:package:finalize': () => this.close(),
    };
  }

  open() {
    if (this.dir) return;
    this.previous = process.env.TMPDIR;
    this.dir = mkdtempSync(join(tmpdir(), 'edge-mlops-packaging-'));
    process.env.TMPDIR = this.dir;
    this.onExit = () => this.close();
    process.once('exit', this.onExit);
  }

  close() {
    if (!this.dir) return;
    if (this.previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.previous;
    rmSync(this.dir, { recursive: true, force: true });
    process.removeListener('exit', this.onExit);
    this.dir = undefined;
  }
}

module.exports = PrivateTmpdir;
