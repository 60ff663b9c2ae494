import { runCli } from './cli';
import { BOSUN_FAMILIES } from './families';

runCli(process.argv.slice(2), BOSUN_FAMILIES);
