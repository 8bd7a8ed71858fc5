/*
 * fuzz/fuzz_reader_backend.c
 *    libFuzzer target: a backend byte stream through pgwire_reader in
 *    fuzzer-chosen chunks (first input byte), every frame decoded and
 *    checked by fuzz_check_msg() (encode(decode(frame)) == frame).
 */
#include "common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_reader_both(PGWIRE_BACKEND, data[0], data + 1, size - 1);
	return 0;
}
