// Compiles every contract in src/ with the pinned solc-js and writes one artifact per
// contract (ABI and creation bytecode) to the directory given as the first argument,
// artifacts/ by default. The output is deterministic: the Rust test
// (bridge/tests/artifacts.rs) recompiles and compares byte for byte.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const here = __dirname;
const outDir = path.resolve(process.argv[2] || path.join(here, "artifacts"));
const srcDir = path.join(here, "src");

const sources = {};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(srcDir, file), "utf8") };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    // Cancun: supported by every current L1 client, geth --dev included.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) {
  process.stderr.write(e.formattedMessage + "\n");
}
if (errors.length > 0) {
  process.stderr.write(`solc ${solc.version()}: ${errors.length} error(s), nothing written\n`);
  process.exit(1);
}

fs.mkdirSync(outDir, { recursive: true });
for (const file of Object.keys(output.contracts).sort()) {
  for (const name of Object.keys(output.contracts[file]).sort()) {
    const c = output.contracts[file][name];
    if (name === "IERC20Minimal") continue; // an interface: nothing to deploy
    const artifact = {
      contractName: name,
      compiler: `solc-js ${solc.version()}`,
      abi: c.abi,
      bytecode: "0x" + c.evm.bytecode.object,
    };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
  }
}
process.stdout.write(`compiled with solc ${solc.version()} into ${outDir}\n`);
