/* orbit-init: pid 1 of a pod once orbit has set it up (see
 * src/liborbit/exec/init.c). */
#include "exec/init.h"

int main(int argc, char **argv)
{
    return orb_init_main(argc, argv);
}
