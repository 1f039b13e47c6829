/* libFuzzer harness: arbitrary bytes through the archive validator (every
 * decompressor, the tar parser, the entry rules and the manifest parser). The
 * bytes go in a memfd, so nothing is left on disk. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aci/aci.h"
#include "util/fs.h"
#include "util/problems.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-aci", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (orb_write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return 0;
    }
    orb_problems problems = {0};
    orb_error *err = NULL;
    orb_aci_validate_fd(fd, "fuzz.aci", &problems, &err); /* takes fd */
    orb_problems_clear(&problems);
    orb_error_free(err);
    return 0;
}
