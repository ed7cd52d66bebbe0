import { ENGINE_CASES } from '../support/engine-cases/index.js';
import { runEngineContract } from '../support/engine-contract.js';

// The same behaviour, asserted once, against every engine's real database.
for (const engine of ENGINE_CASES) runEngineContract(engine);
