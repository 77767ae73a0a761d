// Prints the cache key of the local native binding (scripts/build-binding.sh): version-commit-recipe.
import { bindingKey } from "../src/adapters/llm/native-binding.js";

process.stdout.write(`${(await bindingKey()).key}\n`);
