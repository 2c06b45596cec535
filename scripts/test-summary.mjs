// Prints vitest's JSON report as one plain closing line ("tests: N passed, N failed"), which CI log readers
// understand whatever the runner; exits non-zero when the report is missing or counts no test.
import { readFileSync } from "node:fs"

const file = process.argv[2] ?? ".tmp/vitest.json"
const report = JSON.parse(readFileSync(file, "utf8"))
const passed = report.numPassedTests ?? 0
const failed = report.numFailedTests ?? 0
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
