/*
 * fuzz_stix.c — the STIX 2.1 driver under libFuzzer (checks: fuzz_docs.h).
 */
#include "fuzz_docs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_docs_run(&format_stix, "fuzz.json", data, size);
    return 0;
}
