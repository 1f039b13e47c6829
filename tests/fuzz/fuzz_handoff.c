/* libFuzzer harness: the apps handed from the set-up pid 1 to orbit-init
 * (exec/handoff.c) on arbitrary bytes. orbit writes them itself, but the
 * reader is bounded and checks every length; what it accepts must be
 * complete. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exec/supervisor.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-handoff", MFD_CLOEXEC);
    orb_sv s;

    if (fd < 0 || orb_write_all(fd, data, size) < 0 || lseek(fd, 0, SEEK_SET) < 0)
        abort();
    if (orb_sv_handoff_read(fd, &s, NULL) == 0) {
        if (s.n == 0 || !s.p || !s.p->dir)
            abort();
        for (size_t i = 0; i < s.n; i++) {
            if (!s.apps[i].name || !s.apps[i].main.argv || !s.apps[i].main.argv[0])
                abort();
            s.apps[i].log.fd = -1; /* numbers from the input: not ours to close */
        }
        s.console_fd = s.console_peer_fd = -1;
        orb_pod_free(s.p);
        orb_sv_free(&s);
    }
    close(fd);
    return 0;
}
