import { defineConfig } from "vitest/config"
import { scaled } from "./test/support/time-scale.js"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Stretched by TEST_TIME_SCALE (or the load at start), as every wait in the multi-process tests is.
    testTimeout: scaled(60_000),
    hookTimeout: scaled(120_000),
    // Two cores: keep worker count at the core count so multi-process tests keep their CPU.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
    reporters: ["default"]
  }
})
